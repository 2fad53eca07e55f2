"""The data plane: the provider serves a started transfer as a sealed stream; the consumer pulls and keeps it sealed."""

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import httpx

from fabnet.exchange import odrl, payload
from fabnet.exchange.catalog import Asset
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.keys import PublicKeys
from fabnet.exchange.tokens import issue_token
from fabnet.exchange.transfer import TransferStep
from fabnet.service import transfer_flow
from fabnet.service.node_runtime import NodeRuntime, now_utc
from fabnet.store.exchange_tables import NegotiationRow, ReceivedAssetRow

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


async def pull(runtime: NodeRuntime, client: httpx.AsyncClient, pid: str) -> None:
    """Consumer: fetch a started transfer, verify it, store it sealed, record the asset and complete the transfer."""
    with runtime.work() as work:
        row = transfer_flow.load(work, pid)
        endpoint, data_token, provider, provider_pid = row.data_endpoint, row.data_token, row.peer_member, row.peer_pid
        negotiation = work.session.query(NegotiationRow).filter_by(agreement_id=row.agreement_id).one()
        agreement = negotiation.agreement or {}
    member = runtime.trust.member(provider)
    target = sealed_path(runtime, pid)
    partial = target.with_suffix(".part")
    try:
        if member is None or endpoint is None or provider_pid is None:
            raise payload.PayloadError("provider is not trusted or sent no data address")
        opener = payload.StreamOpener(runtime.identity.keys, member.keys, provider_pid)
        sink = _Sink(opener, partial)
        token = issue_token(runtime.identity.keys, runtime.member_id, provider, now_utc())
        headers = {"Authorization": f"Bearer {token}", DATA_TOKEN_HEADER: data_token or ""}
        try:
            async with client.stream("GET", endpoint, headers=headers, timeout=None) as response:
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
        finally:
            sink.handle.close()
        manifest = opener.finish()
        os.replace(partial, target)
    except (payload.PayloadError, httpx.HTTPError, OSError) as error:
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
