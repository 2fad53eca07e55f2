"""Requests this node makes to a peer directly (catalog queries), signed with a self-issued token; and the
keep-alive HTTP/1.1 client the outbox delivers DSP messages with."""

import asyncio
import ssl
from urllib.parse import quote, urlsplit

import httptools
import httpx

from fabnet.exchange import messages
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.schemas import InvalidMessage, validate
from fabnet.exchange.tokens import issue_token
from fabnet.network.trust import Member
from fabnet.service.node_runtime import NodeRuntime, now_utc


def peer_member(runtime: NodeRuntime, peer_url: str) -> Member:
    member = runtime.trust.by_endpoint(peer_url)
    if member is None:
        raise ProtocolError(400, "unknown-peer", f"peer_url: no trusted member has the endpoint {peer_url}")
    return member


def _headers(runtime: NodeRuntime, audience: str) -> dict[str, str]:
    token = issue_token(runtime.identity.keys, runtime.member_id, audience, now_utc())
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def fetch_catalog(runtime: NodeRuntime, client: httpx.AsyncClient, peer_url: str) -> dict:
    member = peer_member(runtime, peer_url)
    request = messages.catalog_request()
    validate(request)
    response = await client.post(f"{peer_url.rstrip('/')}/catalog/request", json=request,
                                 headers=_headers(runtime, member.credential.member_id))
    if response.status_code != 200:
        raise ProtocolError(502, "peer-refused", f"peer answered {response.status_code}: {response.text[:200]}")
    document = response.json()
    try:
        validate(document, "Catalog")
    except InvalidMessage as error:
        raise ProtocolError(502, "peer-invalid", f"peer catalog does not validate: {error}") from None
    return document


async def fetch_dataset(runtime: NodeRuntime, client: httpx.AsyncClient, peer_url: str, dataset_id: str) -> dict:
    member = peer_member(runtime, peer_url)
    response = await client.get(f"{peer_url.rstrip('/')}/catalog/datasets/{dataset_id}",
                                headers=_headers(runtime, member.credential.member_id))
    if response.status_code != 200:
        raise ProtocolError(response.status_code if response.status_code < 500 else 502, "peer-refused",
                            f"peer answered {response.status_code}: {response.text[:200]}")
    return response.json()


class PeerHttpError(ConnectionError):
    """An answer that is not HTTP, or too large; or a connection that closed before the answer was complete."""


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection to a peer, one request at a time; the answer is parsed by httptools."""

    MAX_ANSWER_BYTES = 4 << 20

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[None] | None = None
        self.closed = False
        self.received = False
        self.headers_done = False
        self.keep_alive = True
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._finish(PeerHttpError(f"not an HTTP answer ({error})"))
            self.close()

    def connection_lost(self, error: Exception | None) -> None:
        self.closed = True
        if self.headers_done and "content-length" not in self.headers and "transfer-encoding" not in self.headers:
            self._finish(None)  # an answer delimited by the end of the connection
        self._finish(error or PeerHttpError("the peer closed the connection before answering"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.body += body
        if len(self.body) > self.MAX_ANSWER_BYTES:
            self._finish(PeerHttpError(f"answer larger than {self.MAX_ANSWER_BYTES} bytes"))
            self.close()

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        self._finish(None)

    def _finish(self, error: Exception | None) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    async def exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.received = self.headers_done = False
        self.status, self.headers, self.body = 0, {}, bytearray()
        self.transport.write(request)
        await self.waiter
        return self.status, self.headers, bytes(self.body)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class PeerHttp:
    """POSTs to peers over kept-alive connections (HTTP/1.1, TLS for https).

    The outbox sends a few small requests per DSP message; a general client (aiohttp, httpx) spends several
    times the CPU of the exchange itself on each. A kept connection that the peer closed meanwhile is noticed
    on use and the request is sent once more on a fresh one (deliveries are idempotent: the receiver's inbox
    answers a repeated message id from its record).
    """

    IDLE_S = 4.0
    """Idle connections older than this are not reused: uvicorn closes keep-alive connections after 5 s."""

    def __init__(self, connect_timeout: float = 10.0, total_timeout: float = 70.0, max_idle_per_peer: int = 64) -> None:
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_idle_per_peer = max_idle_per_peer
        self.idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        """(status, answer text, answer headers with lower-case names); OSError, TimeoutError or ValueError."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        target = quote(parts.path or "/", safe="/:@!$&'()*+,;=-._~%") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        lines = [f"POST {target} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}",
                 *(f"{name}: {value}" for name, value in headers.items())]
        if any(("\r" in line or "\n" in line) for line in lines):
            raise ValueError("a request line or header holds a line break")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        async with asyncio.timeout(self.total_timeout):
            while True:
                connection, reused = self._reuse(key)
                if connection is None:
                    connection = await self._connect(key)
                try:
                    status, answer_headers, answer = await connection.exchange(request)
                except OSError:
                    connection.close()
                    if reused and not connection.received:
                        continue  # the peer had closed the kept connection: once more on a fresh one
                    raise
                except BaseException:
                    connection.close()
                    raise
                self._release(key, connection)
                return status, answer.decode("utf-8", errors="replace"), answer_headers

    def _reuse(self, key: tuple[str, str, int]) -> tuple[_Connection | None, bool]:
        idle = self.idle.get(key)
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < self.IDLE_S:
                return connection, True
            connection.close()
        return None, False

    def _release(self, key: tuple[str, str, int], connection: _Connection) -> None:
        idle = self.idle.setdefault(key, [])
        if connection.closed or not connection.keep_alive or len(idle) >= self.max_idle_per_peer:
            connection.close()
            return
        connection.idle_since = asyncio.get_running_loop().time()
        idle.append(connection)

    async def _connect(self, key: tuple[str, str, int]) -> _Connection:
        scheme, host, port = key
        tls = None
        if scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        loop = asyncio.get_running_loop()
        _, connection = await asyncio.wait_for(
            loop.create_connection(_Connection, host, port, ssl=tls), self.connect_timeout)
        return connection

    def close(self) -> None:
        for idle in self.idle.values():
            for connection in idle:
                connection.close()
        self.idle.clear()
