"""A lean asyncio MQTT 5 connection for the telemetry ingest path, on the `mqtt5` packet codec (sans-I/O, Rust).

Why not a complete client library: with one sample per QoS-1 message, paho-mqtt spends ≈ 130 µs of CPU per
message, gmqtt ≈ 35–45, aiomqtt ≈ 220 and zmqtt ≈ 290, this module ≈ 14 (`benchmarks/monitor/client_cpu.py`;
docs/quality-monitor.md), so with any of them one core cannot ingest and monitor 20,000 messages/s. Their costs
are per-message Python callbacks, locks and one write per PUBACK. Here the maintained codec frames the packets,
every socket read is parsed in one pass, its samples are handed on as one batch, and the PUBACKs of that read go
out in one write — after the batch was processed, so a crash means redelivery, never loss (QoS 1, at least once).

`BrokerConnection` is one network connection (CONNECT/CONNACK, keep-alive, packets in bulk); `Subscription`
keeps a persistent session subscribed across reconnects with exponential back-off. `BrokerSecurity` says how to
sign in: TLS (server certificate and name checked, optionally a client certificate) and a username and password.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mqtt5

SESSION_NEVER_EXPIRES = 0xFFFFFFFF
"""MQTT 5 session expiry interval meaning 'keep the session (and queue QoS-1 messages) until told otherwise'."""
READ_SIZE = 1 << 18


class BrokerUnavailable(ConnectionError):
    """The MQTT broker cannot be reached or refused us; the message names host and port."""


class BrokerRefused(BrokerUnavailable):
    """The broker (or its certificate) said no in a way retrying cannot change: credentials, authorisation, TLS."""


@dataclass(frozen=True)
class BrokerSecurity:
    """How to connect and sign in: TLS when `tls` (the broker's certificate checked against `ca_file`, or the
    system's trust store, and its name against the host connected to), a client certificate when `cert_file`,
    and a username and password when given. The default is plain MQTT without credentials."""

    tls: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The client's TLS context (None without TLS); ValueError naming the setting whose file is unusable."""
        if not self.tls:
            return None
        try:
            context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        except (OSError, ssl.SSLError) as error:
            raise ValueError(f"mqtt_ca_file: {self.ca_file}: {_reason(error)}") from None
        if self.cert_file is not None:
            try:
                context.load_cert_chain(str(self.cert_file), str(self.key_file) if self.key_file else None)
            except (OSError, ssl.SSLError) as error:
                raise ValueError(f"mqtt_cert_file: {self.cert_file}: {_reason(error)}") from None
        return context  # create_default_context: CERT_REQUIRED and check_hostname, never switched off here


PLAIN = BrokerSecurity()


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return error.reason.lower().replace("_", " ") if error.reason else str(error)
    return getattr(error, "strerror", None) or str(error) or error.__class__.__name__


def connect_failure(address: str, error: BaseException) -> BrokerUnavailable:
    """The one-line error for a failed connection to the broker at `address` (shared by every fabnet client)."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return BrokerRefused(f"MQTT broker {address}: TLS handshake failed: the broker's certificate is not "
                             f"trusted ({error.verify_message})")
    if isinstance(error, ssl.SSLError):
        return BrokerRefused(f"MQTT broker {address}: TLS handshake failed: {_reason(error)}")
    return BrokerUnavailable(f"MQTT broker {address} is not reachable: {_reason(error)}")


REFUSALS_FOR_GOOD = frozenset(int(code) for code in (
    mqtt5.ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, mqtt5.ConnAckReasonCode.NOT_AUTHORIZED,
    mqtt5.ConnAckReasonCode.BANNED, mqtt5.ConnAckReasonCode.BAD_AUTHENTICATION_METHOD,
    mqtt5.ConnAckReasonCode.CLIENT_ID_NOT_VALID))
"""CONNACK reason codes that retrying with the same settings cannot change."""


CREDENTIAL_REFUSALS = ("not authorized", "bad user name or password")
"""How brokers word a refused login (Mosquitto answers "not authorized" to a wrong password)."""


def refusal(address: str, reason: object, *, for_good: bool) -> BrokerUnavailable:
    """The one-line error for a CONNACK that refused us, naming the broker and the reason in words (an MQTT 5
    reason code or paho's MQTT 3.1.1 one)."""
    words = (getattr(reason, "name", None) or str(reason)).lower().replace("_", " ")
    hint = " (check the username and password)" if words in CREDENTIAL_REFUSALS else ""
    text = f"MQTT broker {address} refused the connection: {words}{hint}"
    return BrokerRefused(text) if for_good else BrokerUnavailable(text)


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
    security: BrokerSecurity = PLAIN

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
        security = options.security
        context = security.ssl_context()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(options.host, options.port, ssl=context,
                                        server_hostname=options.host if context else None),
                options.connect_timeout)
        except (OSError, TimeoutError) as error:
            raise connect_failure(options.address, error) from None
        password = security.password.encode() if security.password is not None else None
        connect = mqtt5.ConnectPacket(options.client_id, clean_start=options.clean_start,
                                      keep_alive=options.keepalive, session_expiry_interval=options.session_expiry,
                                      receive_max=options.receive_maximum, username=security.username,
                                      password=password)
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
        except ssl.SSLError as error:  # with TLS 1.3 the broker refuses our certificate (or none) only here
            writer.close()
            raise connect_failure(options.address, error) from None
        except (OSError, TimeoutError, ValueError) as error:
            writer.close()
            raise BrokerUnavailable(f"MQTT broker {options.address} did not accept the connection: "
                                    f"{error!r}") from None
        if not isinstance(packet, mqtt5.ConnAckPacket) or packet.reason_code != mqtt5.ConnAckReasonCode.SUCCESS:
            writer.close()
            reason = getattr(packet, "reason_code", packet)
            for_good = isinstance(packet, mqtt5.ConnAckPacket) and int(reason) in REFUSALS_FOR_GOOD
            raise refusal(options.address, reason, for_good=for_good)
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
        """Connect, subscribe and ingest until `stop`; reconnect with back-off whenever the link is lost.

        A refusal that retrying cannot change (BrokerRefused: credentials, TLS) before the first connection is
        raised at once; after one, the broker's configuration may be in the middle of a change, so it is retried.
        """
        delay = self.min_backoff
        while not self._stopping:
            try:
                connection = await BrokerConnection.open(self.options)
            except BrokerUnavailable as error:
                self.failure = error
                if isinstance(error, BrokerRefused) and not self.connects:
                    raise
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
