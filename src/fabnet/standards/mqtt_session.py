"""A lean asyncio MQTT 5 connection for the telemetry ingest path, on the `mqtt5` packet codec (sans-I/O, Rust).

Why not a complete client library: with one sample per QoS-1 message, paho-mqtt spends ≈ 130 µs of CPU per
message, gmqtt ≈ 35–45, aiomqtt ≈ 220 and zmqtt ≈ 290, this module ≈ 14 (`benchmarks/monitor/client_cpu.py`;
docs/quality-monitor.md), so with any of them one core cannot ingest and monitor 20,000 messages/s. Their costs
are per-message Python callbacks, locks and one write per PUBACK. Here the maintained codec frames the packets,
every socket read is parsed in one pass, its samples are handed on as one batch, and the PUBACKs of that read go
out in one write — after the batch was processed, so a crash means redelivery, never loss (QoS 1, at least once).

`BrokerConnection` is one network connection (CONNECT/CONNACK, keep-alive, packets in bulk); `Subscription`
keeps a persistent session subscribed across reconnects with exponential back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mqtt5

SESSION_NEVER_EXPIRES = 0xFFFFFFFF
"""MQTT 5 session expiry interval meaning 'keep the session (and queue QoS-1 messages) until told otherwise'."""
READ_SIZE = 1 << 18


class BrokerUnavailable(ConnectionError):
    """The MQTT broker cannot be reached or refused us; the message names host and port."""


@dataclass(frozen=True)
class SessionOptions:
    """Where to connect and as whom."""

    host: str
    port: int
    client_id: str
    clean_start: bool = False
    session_expiry: int = SESSION_NEVER_EXPIRES
    keepalive: int = 10
    connect_timeout: float = 5.0
    receive_maximum: int = 10_000
    """QoS-1 messages the broker may send before we acknowledge. Said explicitly: without it Mosquitto keeps
    only 20 in flight (`max_inflight_messages`), every read then carries at most 20 messages, and a consumer that
    falls more than 1000 behind (`max_queued_messages`) loses messages."""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class BrokerConnection:
    """One connection to a broker: packets arrive in bulk (`packets`), outgoing bytes are queued with `send`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connack: mqtt5.ConnAckPacket,
                 keepalive: int) -> None:
        self.connack = connack
        self._reader, self._writer = reader, writer
        self._buffer = bytearray()
        self._keepalive = keepalive
        self._last_heard = time.monotonic()
        self._pinger = asyncio.get_running_loop().create_task(self._keep_alive()) if keepalive else None

    @classmethod
    async def open(cls, options: SessionOptions) -> BrokerConnection:
        """Connect and complete the CONNECT handshake; BrokerUnavailable naming the broker otherwise."""
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(options.host, options.port),
                                                    options.connect_timeout)
        except (OSError, TimeoutError) as error:
            reason = getattr(error, "strerror", None) or error.__class__.__name__
            raise BrokerUnavailable(f"MQTT broker {options.address} is not reachable: {reason}") from None
        connect = mqtt5.ConnectPacket(options.client_id, clean_start=options.clean_start,
                                      keep_alive=options.keepalive, session_expiry_interval=options.session_expiry,
                                      receive_max=options.receive_maximum)
        writer.write(connect.write())
        buffer = bytearray()
        try:
            async with asyncio.timeout(options.connect_timeout):
                while True:
                    data = await reader.read(READ_SIZE)
                    if not data:
                        raise ConnectionResetError("closed during CONNECT")
                    buffer += data
                    with contextlib.suppress(IndexError):  # IndexError: the packet is not complete yet
                        packet, size = mqtt5.read(memoryview(buffer))
                        break
        except (OSError, TimeoutError, ValueError) as error:
            writer.close()
            raise BrokerUnavailable(f"MQTT broker {options.address} did not accept the connection: "
                                    f"{error!r}") from None
        if not isinstance(packet, mqtt5.ConnAckPacket) or packet.reason_code != mqtt5.ConnAckReasonCode.SUCCESS:
            writer.close()
            reason = getattr(packet, "reason_code", packet)
            raise BrokerUnavailable(f"MQTT broker {options.address} refused the connection: {reason!r}")
        connection = cls(reader, writer, packet, options.keepalive)
        connection._buffer = buffer[size:]
        return connection

    async def _keep_alive(self) -> None:
        """PINGREQ every half keep-alive; a broker silent for 1.5 keep-alives is gone (MQTT 5 §3.1.2.10)."""
        while True:
            await asyncio.sleep(self._keepalive / 2)
            if time.monotonic() - self._last_heard > 1.5 * self._keepalive:
                self.abort()
                return
            self.send(mqtt5.PingReqPacket().write())

    async def packets(self) -> list[object]:
        """The complete packets of the next socket read (at least one); ConnectionError when the link is gone."""
        parsed: list[object] = []
        self._last_heard = time.monotonic()  # a consumer busy with the last batch is not a silent broker
        while not parsed:
            data = await self._reader.read(READ_SIZE)
            if not data:
                raise ConnectionResetError("the broker closed the connection")
            self._last_heard = time.monotonic()
            buffer = self._buffer
            buffer += data
            view = memoryview(buffer)
            offset, end = 0, len(buffer)
            read = mqtt5.read
            try:
                while offset < end:
                    packet, size = read(view[offset:])
                    parsed.append(packet)
                    offset += size
            except IndexError:
                pass  # an incomplete packet: the rest comes with the next read
            except ValueError as error:
                raise ConnectionAbortedError(f"malformed packet from the broker: {error}") from None
            finally:
                view.release()
            del buffer[:offset]
        return parsed

    def send(self, data: bytes) -> None:
        if not self._writer.is_closing():
            self._writer.write(data)

    async def drain(self) -> None:
        await self._writer.drain()

    def abort(self) -> None:
        """Drop the link without a DISCONNECT (as a failing network would); the broker keeps the session."""
        if self._pinger is not None:
            self._pinger.cancel()
        transport = self._writer.transport
        if not transport.is_closing():
            transport.abort()

    async def close(self) -> None:
        """Normal DISCONNECT: the broker keeps a persistent session for its expiry interval."""
        if self._pinger is not None:
            self._pinger.cancel()
        if self._writer.is_closing():
            return
        with contextlib.suppress(OSError):
            self._writer.write(mqtt5.DisconnectPacket().write())
            await asyncio.wait_for(self._writer.drain(), 2.0)
        self._writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            await asyncio.wait_for(self._writer.wait_closed(), 2.0)


MessageBatch = Callable[[Sequence[mqtt5.PublishPacket]], None]


class Subscription:
    """A persistent QoS-1 subscription that survives reconnects; `on_messages` gets each read's PUBLISH packets.

    The PUBACKs of a batch are written after `on_messages` returned. Reconnects back off exponentially from
    `min_backoff` to `max_backoff` seconds; the broker redelivers what was not acknowledged.
    """

    def __init__(self, options: SessionOptions, topic: str, on_messages: MessageBatch, *, min_backoff: float = 0.5,
                 max_backoff: float = 30.0, on_state: Callable[[bool], None] | None = None) -> None:
        self.options, self.topic, self.on_messages = options, topic, on_messages
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.on_state = on_state
        self.connects = 0
        self.subscribed = asyncio.Event()
        self.failure: BrokerUnavailable | None = None
        self._connection: BrokerConnection | None = None
        self._stopping = False

    async def run(self) -> None:
        """Connect, subscribe and ingest until `stop`; reconnect with back-off whenever the link is lost."""
        delay = self.min_backoff
        while not self._stopping:
            try:
                connection = await BrokerConnection.open(self.options)
            except BrokerUnavailable as error:
                self.failure = error
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            delay = self.min_backoff
            self._connection = connection
            self.connects += 1
            self._announce(True)
            try:
                await self._ingest(connection)
            except (ConnectionError, OSError) as error:
                self.failure = BrokerUnavailable(f"MQTT broker {self.options.address}: {error}")
            finally:
                self.subscribed.clear()
                self._connection = None
                connection.abort()
                self._announce(False)

    def _announce(self, up: bool) -> None:
        if self.on_state is not None:
            self.on_state(up)

    async def _ingest(self, connection: BrokerConnection) -> None:
        connection.send(mqtt5.SubscribePacket(
            1, [mqtt5.TopicFilter(self.topic, max_qos=mqtt5.QoS.AT_LEAST_ONCE)]).write())
        publish, puback = mqtt5.PublishPacket, mqtt5.PubAckPacket
        at_least_once = mqtt5.QoS.AT_LEAST_ONCE
        while True:
            packets = await connection.packets()
            messages = [p for p in packets if type(p) is publish]
            if len(messages) != len(packets):
                self._control(p for p in packets if type(p) is not publish)
            if messages:
                self.on_messages(messages)  # type: ignore[arg-type]
                acks = [puback(m.packet_id).write() for m in messages if m.qos == at_least_once]  # type: ignore[attr-defined]
                if acks:
                    connection.send(b"".join(acks))

    def _control(self, packets: object) -> None:
        for packet in packets:  # type: ignore[attr-defined]
            if isinstance(packet, mqtt5.SubAckPacket):
                refused = [code for code in packet.reason_codes if int(code) >= 0x80]  # MQTT 5 §2.4: failures
                if refused:
                    raise ConnectionRefusedError(f"subscription to {self.topic!r} refused: {refused[0]!r}")
                self.subscribed.set()
            elif isinstance(packet, mqtt5.DisconnectPacket):
                raise ConnectionResetError(f"the broker disconnected us: {packet.reason_code!r}")

    def drop_connection(self) -> None:
        """Cut the link without a DISCONNECT; the loop reconnects and the broker redelivers."""
        if self._connection is not None:
            self._connection.abort()

    async def stop(self) -> None:
        """Leave with a normal DISCONNECT (the broker keeps the session and queues for it)."""
        self._stopping = True
        if self._connection is not None:
            await self._connection.close()
