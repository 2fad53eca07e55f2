"""The outbox's keep-alive HTTP/1.1 client against small real servers on loopback: connections are reused, a kept
connection the peer closed is replaced transparently, chunked and connection-delimited answers are read, and
garbage, oversized answers, bad URLs, closed ports and silent peers end in the errors the outbox handles."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from fabnet.service.peer_client import PeerHttp, PeerHttpError

Answer = Callable[[bytes], bytes | None]
"""The bytes to answer a request with (its head and body given); None: close the connection instead."""


async def _serve(answer: Answer, close_after_each: bool = False,
                 answers_per_connection: int | None = None) -> tuple[asyncio.Server, list[int]]:
    """A server answering with `answer`; with `answers_per_connection`, a connection that has answered that many
    requests takes the next one and closes without answering (as a keep-alive timeout that strikes just then)."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        answered = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                request = head + await reader.readexactly(length)
                reply = answer(request) if answered != answers_per_connection else None
                answered += 1
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
                if close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, connections


def _url(server: asyncio.Server, path: str = "/negotiations/urn:uuid:1/events") -> str:
    return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}{path}"


def _ok(body: bytes = b'{"ok":true}') -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nFabnet-Receipt: r1\r\n"
    return head + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())


def test_connections_are_kept_and_answers_read_with_their_headers() -> None:
    seen: list[bytes] = []

    async def test() -> None:
        server, connections = await _serve(lambda request: seen.append(request) or _ok())
        client = PeerHttp()
        for _ in range(3):
            status, text, headers = await client.post(_url(server), b'{"a":1}', {"Content-Type": "application/json",
                                                                                 "Fabnet-Message-Id": "m1"})
            assert (status, text, headers["fabnet-receipt"]) == (200, '{"ok":true}', "r1")
        assert len(connections) == 1
        client.close()
        server.close()

    run(test)
    assert seen[0].startswith(b"POST /negotiations/urn:uuid:1/events HTTP/1.1\r\n")
    assert b"\r\nFabnet-Message-Id: m1\r\n" in seen[0] and seen[0].endswith(b'\r\n\r\n{"a":1}')


def test_a_kept_connection_the_peer_closed_is_replaced() -> None:
    async def test() -> None:
        closed_meanwhile, _ = await _serve(lambda _: _ok(), close_after_each=True)
        closed_on_request, connections = await _serve(lambda _: _ok(), answers_per_connection=1)
        client = PeerHttp()
        for _ in range(3):
            assert (await client.post(_url(closed_meanwhile), b"{}", {}))[0] == 200
            await asyncio.sleep(0.05)  # the close reaches the client before its next request
        for _ in range(3):  # each request after the first goes out on a kept connection, which the peer closes
            assert (await client.post(_url(closed_on_request), b"{}", {}))[0] == 200
        assert len(connections) == 3  # the first, and one fresh connection for each retried request
        client.close()
        closed_meanwhile.close()
        closed_on_request.close()

    run(test)


def test_chunked_and_connection_delimited_answers() -> None:
    chunked = b"HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    delimited = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end"

    async def test() -> None:
        first, _ = await _serve(lambda _: chunked)
        second, _ = await _serve(lambda _: delimited, close_after_each=True)
        client = PeerHttp()
        assert (await client.post(_url(first), b"{}", {}))[:2] == (409, "hello world")
        assert (await client.post(_url(second), b"{}", {}))[:2] == (200, "to the end")
        client.close()
        first.close()
        second.close()

    run(test)


@pytest.mark.parametrize("reply", [b"SMTP ready\r\n\r\n", None])
def test_garbage_or_no_answer_is_a_connection_error(reply: bytes | None) -> None:
    async def test() -> None:
        server, _ = await _serve(lambda _: reply)
        with pytest.raises(PeerHttpError):
            await PeerHttp().post(_url(server), b"{}", {})
        server.close()

    run(test)


def test_an_oversized_answer_is_refused() -> None:
    async def test() -> None:
        server, _ = await _serve(lambda _: _ok(b"x" * (5 << 20)))
        with pytest.raises(PeerHttpError, match="larger than"):
            await PeerHttp().post(_url(server), b"{}", {})
        server.close()

    run(test)


def test_bad_urls_closed_ports_and_silent_peers() -> None:
    async def test() -> None:
        client = PeerHttp(connect_timeout=2.0, total_timeout=0.5)
        for url in ("ftp://127.0.0.1/x", "http:///x", "not a url"):
            with pytest.raises(ValueError):
                await client.post(url, b"{}", {})
        with pytest.raises(ValueError, match="line break"):
            await client.post("http://127.0.0.1:9/x", b"{}", {"X": "a\r\nInjected: 1"})
        with pytest.raises(OSError):
            await client.post("http://127.0.0.1:9/x", b"{}", {})
        silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
        with pytest.raises(TimeoutError):
            await client.post(_url(silent), b"{}", {})
        silent.close()

    run(test)
