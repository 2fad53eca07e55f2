"""The node server's coalescing transport: the small writes of one event-loop step leave as one write, in order;
a large write goes out at once after what was gathered; close sends what is gathered first."""

import asyncio

from fabnet.service.run import _CoalescingTransport


class Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> str:
        return f"info {name}"


def test_small_writes_of_one_step_leave_together_and_large_ones_at_once() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes], Recorder]:
        real = Recorder()
        transport = _CoalescingTransport(real, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b'{"ok":true}')
        during = list(real.writes)
        await asyncio.sleep(0)
        transport.write(b"head")
        transport.write(b"x" * (64 << 10))
        transport.write(b"tail")
        transport.close()
        assert transport.get_extra_info("peername") == "info peername"
        return during, real.writes, real

    during, writes, real = asyncio.run(scenario())
    assert during == []
    assert writes == [b'HTTP/1.1 200 OK\r\n\r\n{"ok":true}', b"head", b"x" * (64 << 10), b"tail"]
    assert real.closed


def test_nothing_is_written_to_a_closed_transport() -> None:
    async def scenario() -> list[bytes]:
        real = Recorder()
        transport = _CoalescingTransport(real, asyncio.get_running_loop())
        transport.write(b"late")
        real.closed = True  # the peer went away before the step ended
        await asyncio.sleep(0)
        return real.writes

    assert asyncio.run(scenario()) == []
