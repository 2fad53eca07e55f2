"""The data plane: the provider serves a started transfer as a sealed stream; the consumer pulls and keeps it sealed."""

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import select

from fabnet.exchange import odrl, payload
from fabnet.exchange.catalog import Asset
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.keys import PublicKeys
from fabnet.exchange.tokens import issue_token
from fabnet.exchange.transfer import TransferStep
from fabnet.service import transfer_flow
from fabnet.service.node_runtime import NodeRuntime, now_utc
from fabnet.store.exchange_tables import NegotiationRow, ReceivedAssetRow, TransferRow

log = logging.getLogger("fabnet.node.data")
DATA_TOKEN_HEADER = "Fabnet-Data-Token"
READ_BLOCK = payload.CHUNK_SIZE


def file_blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(READ_BLOCK):
            yield block


def sealed_path(runtime: NodeRuntime, pid: str) -> Path:
    return runtime.config.received_dir / (pid.replace(":", "_") + ".sealed")


def provider_stream(runtime: NodeRuntime, asset: Asset, consumer: PublicKeys, transfer_id: str) -> Iterator[bytes]:
    return payload.seal(file_blocks(Path(asset.path)), consumer, runtime.identity.keys, runtime.member_id, transfer_id)


class _Sink:
    """Verifies the sealed stream as it arrives and writes it, still sealed, to disk (encrypted at rest)."""

    def __init__(self, opener: payload.StreamOpener, path: Path) -> None:
        self.opener = opener
        self.handle = path.open("wb")

    def take(self, data: bytes) -> None:
        self.opener.feed(data)  # plaintext is only checked here, never written
        self.handle.write(data)


def interrupted_pulls(runtime: NodeRuntime) -> list[str]:
    """Consumer transfers that were started and being pulled when the node stopped: they are pulled again."""
    with runtime.work() as work:
        return list(work.session.scalars(
            select(TransferRow.pid).where(TransferRow.role == "consumer", TransferRow.state == "STARTED",
                                          TransferRow.auto.is_(True), TransferRow.data_endpoint.is_not(None),
                                          TransferRow.content_sha256.is_(None))
        ))


class _Transient(Exception):
    """The provider was unreachable or the stream broke off: pull again later."""


async def _fetch(runtime: NodeRuntime, client: httpx.AsyncClient, pid: str, endpoint: str, data_token: str,
                 provider: str, provider_pid: str, member_keys, partial: Path) -> payload.Manifest:  # type: ignore[no-untyped-def]
    opener = payload.StreamOpener(runtime.identity.keys, member_keys, provider_pid)
    sink = _Sink(opener, partial)
    token = issue_token(runtime.identity.keys, runtime.member_id, provider, now_utc())
    headers = {"Authorization": f"Bearer {token}", DATA_TOKEN_HEADER: data_token}
    try:
        async with client.stream("GET", endpoint, headers=headers, timeout=None) as response:
            if response.status_code >= 500:
                raise _Transient(f"provider answered {response.status_code}")
            if response.status_code != 200:
                raise payload.PayloadError(f"provider answered {response.status_code}")
            pending = bytearray()
            async for data in response.aiter_raw():
                pending += data
                if len(pending) >= 4 * READ_BLOCK:
                    await asyncio.to_thread(sink.take, bytes(pending))
                    pending.clear()
            if pending:
                await asyncio.to_thread(sink.take, bytes(pending))
    except httpx.HTTPError as error:
        raise _Transient(f"{type(error).__name__}: {error}") from None
    finally:
        sink.handle.close()
    try:
        return opener.finish()
    except payload.PayloadError as error:
        if "truncated" in str(error):
            raise _Transient(str(error)) from None
        raise


async def pull(runtime: NodeRuntime, client: httpx.AsyncClient, pid: str, attempts: int = 30) -> None:
    """Consumer: fetch a started transfer, verify it, store it sealed, record the asset and complete the transfer.

    A broken connection or a provider that is down is retried with back-off (the provider keeps the transfer
    STARTED across its own restarts); a stream that does not verify terminates the transfer.
    """
    with runtime.work() as work:
        row = transfer_flow.load(work, pid)
        endpoint, data_token, provider, provider_pid = row.data_endpoint, row.data_token, row.peer_member, row.peer_pid
        negotiation = work.session.query(NegotiationRow).filter_by(agreement_id=row.agreement_id).one()
        agreement = negotiation.agreement or {}
    member = runtime.trust.member(provider)
    target = sealed_path(runtime, pid)
    partial = target.with_suffix(".part")
    delay = 0.2
    try:
        if member is None or endpoint is None or provider_pid is None:
            raise payload.PayloadError("provider is not trusted or sent no data address")
        for attempt in range(attempts):
            try:
                manifest = await _fetch(runtime, client, pid, endpoint, data_token or "", provider, provider_pid,
                                        member.keys, partial)
                break
            except _Transient as error:
                if attempt == attempts - 1:
                    raise payload.PayloadError(f"gave up after {attempts} attempts: {error}") from None
                log.info("transfer %s: %s; pulling again in %.1f s", pid, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        os.replace(partial, target)
    except (payload.PayloadError, OSError) as error:
        partial.unlink(missing_ok=True)
        log.warning("transfer %s failed: %s", pid, error)
        with runtime.work() as work:
            row = transfer_flow.load(work, pid)
            row.error = str(error)
            with contextlib.suppress(ProtocolError):
                transfer_flow.act(runtime, work, row, TransferStep.TERMINATE, f"data did not verify: {error}")
        return
    with runtime.work() as work:
        row = transfer_flow.load(work, pid)
        row.content_sha256, row.size = manifest.sha256, manifest.size
        work.session.add(ReceivedAssetRow(
            id=pid, agreement_id=row.agreement_id, asset_id=agreement.get("target", ""), provider=provider,
            path=str(target), policy=agreement, content_sha256=manifest.sha256, size=manifest.size, uses=0,
            expires_at=odrl.expiry(agreement), deleted_at=None, received_at=now_utc(),
        ))
        try:
            transfer_flow.act(runtime, work, row, TransferStep.COMPLETE)
        except ProtocolError as error:
            # suspended or terminated by the provider meanwhile: keep the verified data, say why it is not complete
            row.error = str(error)
        work.touched.add(pid)
