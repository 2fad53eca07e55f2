"""The data plane: the provider serves a started transfer as a sealed stream; the consumer pulls and keeps it sealed."""

import asyncio
import contextlib
import http.client
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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
SEND_BLOCK = 4 * payload.CHUNK_SIZE
RECEIVE_BLOCK = 4 * payload.CHUNK_SIZE
READ_TIMEOUT_S = 60.0


def file_blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(READ_BLOCK):
            yield block


def sealed_path(runtime: NodeRuntime, pid: str) -> Path:
    return runtime.config.received_dir / (pid.replace(":", "_") + ".sealed")


def provider_stream(runtime: NodeRuntime, asset: Asset, consumer: PublicKeys, transfer_id: str) -> Iterator[bytes]:
    """The sealed stream in blocks of several frames: each block is one hand-off to the server's thread pool."""
    frames = payload.seal(file_blocks(Path(asset.path)), consumer, runtime.identity.keys, runtime.member_id,
                          transfer_id)
    batch: list[bytes] = []
    batched = 0
    for frame in frames:
        batch.append(frame)
        batched += len(frame)
        if batched >= SEND_BLOCK:
            yield b"".join(batch)
            batch.clear()
            batched = 0
    if batch:
        yield b"".join(batch)


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


@dataclass(frozen=True)
class _PullRequest:
    endpoint: str
    headers: dict[str, str]
    opener: payload.StreamOpener
    partial: Path
    stop: threading.Event


class StoreError(Exception):
    """The consumer's own disk refused the stream (full, read-only): not the network's fault, no retry."""


class _SealedFile:
    """The partial file; its OS errors become StoreError, so that every remaining OSError is the network's."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> "_SealedFile":
        try:
            self.handle = self.path.open("wb")
        except OSError as error:
            raise StoreError(f"cannot write {self.path.name}: {error}") from None
        return self

    def write(self, data: bytes) -> None:
        try:
            self.handle.write(data)
        except OSError as error:
            raise StoreError(f"cannot write {self.path.name}: {error}") from None

    def __exit__(self, *_: object) -> None:
        self.handle.close()


def _receive(request: _PullRequest) -> payload.Manifest:
    """Blocking: GET the sealed stream, verify it as it arrives and write it, still sealed, to `partial`.

    Runs in a worker thread with the standard library's HTTP client: it reads the socket in blocks of megabytes
    where an asyncio client parses 64 KiB at a time, which is most of the consumer's CPU at hundreds of MB/s.
    """
    url = urlsplit(request.endpoint)
    connection_type = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(url.hostname or "", url.port, timeout=READ_TIMEOUT_S)
    try:
        target = url.path + (f"?{url.query}" if url.query else "")
        connection.request("GET", target, headers=request.headers)
        response = connection.getresponse()
        # 401: the provider may not have refreshed its trust list since this node rotated its key; try again
        if response.status >= 500 or response.status == 401:
            raise _Transient(f"provider answered {response.status}")
        if response.status != 200:
            raise payload.PayloadError(f"provider answered {response.status}")
        with _SealedFile(request.partial) as sealed:
            while data := response.read1(RECEIVE_BLOCK):
                if request.stop.is_set():
                    raise _Transient("the node is stopping")
                request.opener.feed(data)  # plaintext is only checked here, never written
                sealed.write(data)
    except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out, cut short: the network
        raise _Transient(f"{type(error).__name__}: {error}") from None
    finally:
        connection.close()
    try:
        return request.opener.finish()
    except payload.PayloadError as error:
        if "truncated" in str(error):
            raise _Transient(str(error)) from None
        raise


async def _fetch(runtime: NodeRuntime, endpoint: str, data_token: str, provider: str, provider_pid: str,
                 provider_keys: PublicKeys, partial: Path) -> payload.Manifest:
    token = issue_token(runtime.identity.keys, runtime.member_id, provider, now_utc())
    request = _PullRequest(
        endpoint, {"Authorization": f"Bearer {token}", DATA_TOKEN_HEADER: data_token},
        payload.StreamOpener(runtime.identity.keys, provider_keys, provider_pid), partial, threading.Event(),
    )
    try:
        return await asyncio.to_thread(_receive, request)
    except asyncio.CancelledError:
        request.stop.set()  # the worker thread stops at its next block instead of finishing a large file
        raise


async def pull(runtime: NodeRuntime, pid: str, attempts: int = 30) -> None:
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
                manifest = await _fetch(runtime, endpoint, data_token or "", provider, provider_pid, member.keys,
                                        partial)
                break
            except _Transient as error:
                if attempt == attempts - 1:
                    raise payload.PayloadError(f"gave up after {attempts} attempts: {error}") from None
                log.info("transfer %s: %s; pulling again in %.1f s", pid, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        os.replace(partial, target)
    except (payload.PayloadError, StoreError, OSError) as error:
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
