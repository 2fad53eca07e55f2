"""Transfer processes on the node: received messages and local decisions, each one unit of work."""

import secrets

from sqlalchemy import select

from fabnet.exchange import messages
from fabnet.exchange.catalog import PULL_FORMAT
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.negotiation import NegotiationState, Role
from fabnet.exchange.transfer import TransferState, TransferStep, advance
from fabnet.service.dsp_io import Inbound
from fabnet.service.node_runtime import NodeRuntime, Work, now_utc
from fabnet.store.exchange_tables import NegotiationRow, TransferRow

STEP_OF_PATH = {
    "start": TransferStep.START,
    "completion": TransferStep.COMPLETE,
    "suspension": TransferStep.SUSPEND,
    "termination": TransferStep.TERMINATE,
}


def view(row: TransferRow) -> dict:
    provider, consumer = _pids(row)
    return messages.transfer_process(provider, consumer, row.state)


def summary(row: TransferRow) -> dict:
    return {
        "pid": row.pid, "role": row.role, "peer_pid": row.peer_pid, "peer": row.peer_member, "state": row.state,
        "agreement_id": row.agreement_id, "format": row.format, "content_sha256": row.content_sha256,
        "size": row.size, "error": row.error,
    }


def _pids(row: TransferRow) -> tuple[str, str]:
    if row.role == Role.PROVIDER:
        return row.pid, row.peer_pid or ""
    return row.peer_pid or "", row.pid


def load(work: Work, pid: str, sender: str | None = None) -> TransferRow:
    row = work.session.get(TransferRow, pid)
    if row is None or (sender is not None and row.peer_member != sender):
        raise ProtocolError(404, "not-found", f"no transfer process {pid}")
    return row


def _move(row: TransferRow, step: TransferStep, sender: Role) -> None:
    try:
        row.state = advance(TransferState(row.state), step, sender)
    except ProtocolError as error:
        raise type(error)(error.status, error.code, error.reason, *_pids(row)) from None
    row.updated_at = now_utc()


def _peer_url(row: TransferRow, suffix: str) -> str:
    if row.peer_pid is None:
        raise ProtocolError(409, "pid-unknown", "the counterparty has not acknowledged the transfer yet")
    return f"{row.peer_address.rstrip('/')}/transfers/{row.peer_pid}/{suffix}"


# ---- provider side -----------------------------------------------------------------------------------------


def receive_request(runtime: NodeRuntime, work: Work, inbound: Inbound) -> tuple[int, dict, str]:
    message = inbound.message
    existing = work.session.scalars(
        select(TransferRow).where(TransferRow.peer_member == inbound.sender,
                                  TransferRow.peer_pid == message["consumerPid"])
    ).first()
    if existing is not None:
        return 201, view(existing), existing.pid
    negotiation = work.session.scalars(
        select(NegotiationRow).where(NegotiationRow.agreement_id == message["agreementId"],
                                     NegotiationRow.role == Role.PROVIDER)
    ).first()
    if negotiation is None or negotiation.peer_member != inbound.sender:
        raise ProtocolError(400, "unknown-agreement", f"no agreement {message['agreementId']} with this consumer",
                            None, message["consumerPid"])
    if negotiation.state != NegotiationState.FINALIZED:
        raise ProtocolError(400, "agreement-not-final", f"the negotiation is {negotiation.state}, not FINALIZED",
                            None, message["consumerPid"])
    if message["format"] != PULL_FORMAT:
        raise ProtocolError(400, "unsupported-format", f"format {message['format']!r}: fabnet serves {PULL_FORMAT}",
                            None, message["consumerPid"])
    now = now_utc()
    row = TransferRow(
        pid=runtime.new_pid(), role=Role.PROVIDER, peer_pid=message["consumerPid"], peer_member=inbound.sender,
        peer_address=message["callbackAddress"], state=advance(None, TransferStep.REQUEST, Role.CONSUMER),
        agreement_id=message["agreementId"], format=message["format"], data_token=None, data_endpoint=None,
        auto=True, content_sha256=None, size=None, error=None, created_at=now, updated_at=now,
    )
    work.session.add(row)
    response = view(row)
    work.followups.append(lambda w: start(runtime, w, row))
    return 201, response, row.pid


def start(runtime: NodeRuntime, work: Work, row: TransferRow) -> None:
    """Provider: start (or restart) the transfer and hand the consumer the pull address and a fresh token."""
    sender = Role(row.role)
    _move(row, TransferStep.START, sender)
    provider, consumer = _pids(row)
    address = None
    if sender is Role.PROVIDER:
        row.data_token = secrets.token_urlsafe(32)
        address = messages.data_address(f"{runtime.config.base_url}/data/{row.pid}", row.data_token)
    work.send(row.peer_member, _peer_url(row, "start"), messages.transfer_start(provider, consumer, address), row.pid)


# ---- consumer side -----------------------------------------------------------------------------------------


def request(runtime: NodeRuntime, work: Work, agreement_id: str, auto: bool) -> TransferRow:
    negotiation = work.session.scalars(
        select(NegotiationRow).where(NegotiationRow.agreement_id == agreement_id, NegotiationRow.role == Role.CONSUMER)
    ).first()
    if negotiation is None:
        raise ProtocolError(404, "unknown-agreement", f"agreement_id: no agreement {agreement_id} on this node")
    if negotiation.state != NegotiationState.FINALIZED:
        raise ProtocolError(409, "agreement-not-final", f"agreement_id: negotiation is {negotiation.state}")
    now = now_utc()
    row = TransferRow(
        pid=runtime.new_pid(), role=Role.CONSUMER, peer_pid=None, peer_member=negotiation.peer_member,
        peer_address=negotiation.peer_address, state=advance(None, TransferStep.REQUEST, Role.CONSUMER),
        agreement_id=agreement_id, format=PULL_FORMAT, data_token=None, data_endpoint=None, auto=auto,
        content_sha256=None, size=None, error=None, created_at=now, updated_at=now,
    )
    work.session.add(row)
    work.send(row.peer_member, f"{row.peer_address}/transfers/request",
              messages.transfer_request(row.pid, agreement_id, PULL_FORMAT, runtime.config.base_url), row.pid)
    return row


# ---- either side -------------------------------------------------------------------------------------------


def act(runtime: NodeRuntime, work: Work, row: TransferRow, step: TransferStep, reason: str = "") -> None:
    """A local decision to suspend, complete, terminate or (re)start; the counterparty is told."""
    if step is TransferStep.START:
        start(runtime, work, row)
        return
    _move(row, step, Role(row.role))
    provider, consumer = _pids(row)
    suffix = {TransferStep.COMPLETE: "completion", TransferStep.SUSPEND: "suspension",
              TransferStep.TERMINATE: "termination"}[step]
    if step is TransferStep.COMPLETE:
        message = messages.transfer_completion(provider, consumer)
    elif step is TransferStep.SUSPEND:
        message = messages.transfer_suspension(provider, consumer, "suspended", [reason or "suspended"])
    else:
        message = messages.transfer_termination(provider, consumer, "terminated", [reason or "terminated"])
    work.send(row.peer_member, _peer_url(row, suffix), message, row.pid)


def receive(
    runtime: NodeRuntime, work: Work, inbound: Inbound, pid: str, path_step: str, on_started
) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def]
    row = load(work, pid, inbound.sender)
    message = inbound.message
    mine = message.get("providerPid" if row.role == Role.PROVIDER else "consumerPid")
    theirs = message.get("consumerPid" if row.role == Role.PROVIDER else "providerPid")
    if mine != row.pid or (row.peer_pid is not None and theirs != row.peer_pid):
        raise ProtocolError(400, "pid-mismatch", "the message's pids do not match this transfer", *_pids(row))
    row.peer_pid = row.peer_pid or theirs
    step = STEP_OF_PATH[path_step]
    sender = Role.CONSUMER if row.role == Role.PROVIDER else Role.PROVIDER
    _move(row, step, sender)
    work.touched.add(row.pid)
    if step is TransferStep.START and row.role == Role.CONSUMER:
        address = message.get("dataAddress")
        if address is not None:
            properties = {p["name"]: p["value"] for p in address.get("endpointProperties", [])}
            row.data_endpoint, row.data_token = address.get("endpoint"), properties.get("authorization")
        if row.auto and row.data_endpoint:
            work.after.append(lambda: on_started(pid))
    return 200, view(row), row.pid
