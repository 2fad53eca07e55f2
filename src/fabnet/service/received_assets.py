"""Consumer-side enforcement: every use of a received asset is policy-checked and logged; expired ones are swept."""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from fabnet.exchange import odrl, payload
from fabnet.exchange.errors import ProtocolError
from fabnet.service.data_plane import file_blocks
from fabnet.service.node_runtime import NodeRuntime, Work
from fabnet.store.exchange_tables import ReceivedAssetRow, TransferRow, UsageLogRow


def _load(work: Work, asset_id: str) -> ReceivedAssetRow:
    row = work.session.get(ReceivedAssetRow, asset_id)
    if row is None:
        raise ProtocolError(404, "not-found", f"no received asset {asset_id}")
    if row.deleted_at is not None:
        raise ProtocolError(410, "deleted", f"received asset {asset_id} was deleted on {row.deleted_at.isoformat()}")
    return row


def check_use(runtime: NodeRuntime, work: Work, asset_id: str, action: str, purpose: str | None,
              now: datetime) -> ReceivedAssetRow:
    """Judge one use against the agreement, log it either way, count it if allowed; ProtocolError(403) if not."""
    row = _load(work, asset_id)
    context = odrl.UsageContext(now=now, action=action, purpose=purpose, spatial=runtime.config.spatial,
                                hub=runtime.hub_id, member=runtime.member_id, uses_so_far=row.uses)
    decision = odrl.evaluate(row.policy, context)
    reason = "; ".join(decision.reasons) or "permitted"
    duties = [d for d in decision.duties if d.action in ("compensate", "inform")]
    if duties:
        reason += "; duties: " + ", ".join(
            f"{d.action} {d.amount} {d.currency}" if d.action == "compensate" else d.action for d in duties
        )
    work.session.add(UsageLogRow(received_asset_id=asset_id, at=now, action=action, purpose=purpose,
                                 allowed=decision.allowed, reason=reason))
    if not decision.allowed:
        raise _Refused(reason)
    if action != "distribute":
        row.uses += 1
    return row


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def use(runtime: NodeRuntime, asset_id: str, purpose: str | None, now: datetime, action: str = "use") -> Path:
    """The sealed file of an asset whose use was just permitted (the log entry is committed in both cases)."""
    refused: _Refused | None = None
    with runtime.work() as work:
        try:
            row = check_use(runtime, work, asset_id, action, purpose, now)
            path = Path(row.path)
        except _Refused as error:
            refused = error
    if refused is not None:
        raise ProtocolError(403, "policy-refused", refused.reason)
    return path


def plaintext(runtime: NodeRuntime, asset_id: str, path: Path) -> Iterator[bytes]:
    """Decrypt and verify the sealed file as it is read; nothing plain touches the disk."""
    with runtime.work() as work:
        row = _load(work, asset_id)
        transfer = work.session.get(TransferRow, asset_id)
        provider, provider_pid = row.provider, transfer.peer_pid if transfer else ""
    member = runtime.trust.member(provider)
    if member is None:
        raise ProtocolError(409, "provider-untrusted", f"provider {provider} is no longer on the trust list")
    return payload.open_stream(file_blocks(path), runtime.identity.keys, member.keys, provider_pid or "")


def sweep(runtime: NodeRuntime, now: datetime) -> list[str]:
    """Delete every received asset whose agreement has expired (delete duty or end of use); return their ids."""
    deleted: list[str] = []
    with runtime.work() as work:
        due = work.session.scalars(
            select(ReceivedAssetRow).where(ReceivedAssetRow.deleted_at.is_(None), ReceivedAssetRow.expires_at <= now)
        ).all()
        for row in due:
            Path(row.path).unlink(missing_ok=True)
            row.deleted_at = now
            work.session.add(UsageLogRow(received_asset_id=row.id, at=now, action="delete", purpose=None,
                                         allowed=True, reason="agreement expired: deleted by the sweep"))
            deleted.append(row.id)
    return deleted


def usage_log(runtime: NodeRuntime, asset_id: str) -> list[dict]:
    with runtime.work() as work:
        rows = work.session.scalars(
            select(UsageLogRow).where(UsageLogRow.received_asset_id == asset_id).order_by(UsageLogRow.id)
        ).all()
        return [{"at": r.at.isoformat(), "action": r.action, "purpose": r.purpose, "allowed": r.allowed,
                 "reason": r.reason} for r in rows]
