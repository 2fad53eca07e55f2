"""MQTT telemetry: publish machine samples (paho-mqtt) and ingest them with a persistent QoS-1 session.

Topic: `fabnet/<company>/<machine>/<signal>` (each level percent-encoded, so ids may hold `/`).
Payload: JSON `{"timestamp": ISO 8601, "value": float, "unit": str, "part_id": str | null}`, plus
`lower_limit` / `upper_limit` for measured characteristics. A payload may also be a JSON array of such
objects for the same topic (a batch): one QoS-1 delivery then carries many samples.

The ingestor is an MQTT 5 client on the lean connection of `mqtt_session` (paho costs too much CPU per message
for 20,000 one-sample messages a second on one core). It uses a fixed client id, `clean_start=False` and a
session that never expires, so the broker queues QoS-1 messages while it is away, and reconnects with
exponential back-off (between `min_backoff` and `max_backoff` seconds). Payloads are decoded by msgspec
against `SamplePayload`.

Publisher and ingestor take a `BrokerSecurity` (TLS, client certificate, username and password); a refusal for
credentials or an untrusted certificate is one line naming the broker and the reason."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import re
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote

import mqtt5
import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from fabnet.standards.mqtt_session import (
    PLAIN,
    BrokerRefused,
    BrokerSecurity,
    BrokerUnavailable,
    SessionOptions,
    Subscription,
    connect_failure,
    refusal,
)
from fabnet.twin.signals import Sample

__all__ = ["BrokerRefused", "BrokerSecurity", "BrokerUnavailable", "MqttIngestor", "MqttPublisher", "ReceivedSample",
           "decode", "parse_topic", "topic_for"]

TOPIC_ROOT = "fabnet"


def topic_for(company_id: str, machine_id: str, signal: str) -> str:
    return "/".join((TOPIC_ROOT, quote(company_id, safe=""), quote(machine_id, safe=""), quote(signal, safe="")))


def parse_topic(topic: str) -> tuple[str, str, str]:
    """(company, machine, signal) of a telemetry topic; ValueError naming the topic otherwise."""
    levels = topic.split("/")
    if len(levels) != 4 or levels[0] != TOPIC_ROOT:
        raise ValueError(f"topic {topic!r} is not {TOPIC_ROOT}/<company>/<machine>/<signal>")
    return unquote(levels[1]), unquote(levels[2]), unquote(levels[3])


def sample_payload(sample: Sample) -> dict[str, object]:
    body: dict[str, object] = {"timestamp": sample.timestamp.isoformat(), "value": sample.value,
                               "unit": sample.unit, "part_id": sample.part_id}
    if sample.lower_limit is not None:
        body["lower_limit"] = sample.lower_limit
    if sample.upper_limit is not None:
        body["upper_limit"] = sample.upper_limit
    return body


@dataclass(frozen=True, slots=True)
class ReceivedSample:
    """A sample as it arrived over MQTT or OPC UA."""

    company_id: str
    machine_id: str
    name: str
    value: float
    unit: str
    part_id: str | None
    timestamp: datetime | None
    lower_limit: float | None = None
    upper_limit: float | None = None


class SamplePayload(msgspec.Struct, forbid_unknown_fields=False):
    """One sample object in a message (the schema every payload is decoded against)."""

    value: float
    timestamp: datetime | None = None
    unit: str = ""
    part_id: str | None = None
    lower_limit: float | None = None
    upper_limit: float | None = None


_PAYLOAD = msgspec.json.Decoder(SamplePayload | list[SamplePayload])
_TOPIC_CACHE = 100_000
"""Topics whose parsed levels are kept (a plant has machines × signals of them)."""


def _received(company: str, machine: str, signal: str, body: SamplePayload) -> ReceivedSample:
    return ReceivedSample(company, machine, signal, body.value, body.unit, body.part_id, body.timestamp,
                          body.lower_limit, body.upper_limit)


def _payload_error(topic: str, error: Exception) -> str:
    if isinstance(error, msgspec.ValidationError):
        return f"topic {topic!r}: bad sample ({error})"
    if isinstance(error, msgspec.DecodeError):
        return f"topic {topic!r}: payload is not JSON ({error})"
    return str(error)


def decode(topic: str, payload: bytes) -> list[ReceivedSample]:
    """The samples in one message (an object or a batch array); ValueError naming the topic and the fault."""
    company, machine, signal = parse_topic(topic)
    try:
        body = _PAYLOAD.decode(payload)
    except msgspec.DecodeError as error:
        raise ValueError(_payload_error(topic, error)) from None
    items = body if isinstance(body, list) else [body]
    return [_received(company, machine, signal, item) for item in items]


def _host(host: str, port: int) -> str:
    return f"{host}:{port}"


SOCKET_FAILURE = "failed to receive on socket: "
_SSL_REASON = re.compile(r"\[SSL: ([A-Z0-9_]+)\]")
_SSL_SOURCE = re.compile(r"\s*\(_ssl\.c:\d+\)")


def _tls_reason(text: str) -> str | None:
    """The reason of an OpenSSL error as paho logs it ("[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] ..."), in words;
    None for an error that is not from TLS."""
    found = _SSL_REASON.search(text)
    if found:
        return found.group(1).lower().replace("_", " ")
    return _SSL_SOURCE.sub("", text).lower() if _SSL_SOURCE.search(text) else None


def check_reachable(host: str, port: int, timeout: float = 3.0) -> None:
    """BrokerUnavailable naming host and port when nothing accepts connections there."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as error:
        raise BrokerUnavailable(f"MQTT broker {_host(host, port)} is not reachable: "
                                f"{error.strerror or error}") from None


def _paho_client(client_id: str, clean_session: bool, security: BrokerSecurity) -> mqtt.Client:
    """A paho client (MQTT 3.1.1) set up with `security`; ValueError naming the setting whose file is unusable."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session)
    context = security.ssl_context()
    if context is not None:
        client.tls_set_context(context)
    if security.username is not None:
        client.username_pw_set(security.username, security.password)
    return client


class MqttPublisher:
    """Publishes samples with QoS 1; unacknowledged messages are resent after a reconnect."""

    def __init__(self, host: str, port: int, *, client_id: str = "", qos: int = 1, keepalive: int = 30,
                 security: BrokerSecurity = PLAIN) -> None:
        self.host, self.port, self.qos = host, port, qos
        self._client = _paho_client(client_id, not client_id, security)
        self._client.max_inflight_messages_set(200)
        self._client.max_queued_messages_set(0)  # unlimited: nothing is dropped while the broker is away
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._keepalive = keepalive
        # message ids sent but not yet acknowledged; paho keeps (and resends) QoS-1 messages across reconnects,
        # so a message published while the broker is away is pending, not failed
        self._unacked: set[int] = set()
        self._early_acks: set[int] = set()
        self._acked = threading.Condition()
        self._client.on_publish = self._on_publish
        self.published = 0

    def _on_publish(self, client: mqtt.Client, userdata: object, mid: int, reason: object,
                    properties: object) -> None:
        with self._acked:
            if mid in self._unacked:
                self._unacked.discard(mid)
            else:
                self._early_acks.add(mid)
            self._acked.notify_all()

    def connect(self, timeout: float = 5.0) -> None:
        """Connect (the TLS handshake included); BrokerRefused for credentials or a certificate either side refused."""
        check_reachable(self.host, self.port, timeout)
        address = _host(self.host, self.port)
        answered = threading.Event()
        refused: list[str] = []
        lost: list[str] = []

        def on_connect(client: mqtt.Client, userdata: object, flags: object, reason: object,
                       properties: object) -> None:
            if getattr(reason, "is_failure", False):
                refused.append(str(reason))
                client.disconnect()  # no reconnecting with credentials the broker refused
            answered.set()

        def on_log(client: mqtt.Client, userdata: object, level: int, text: str) -> None:
            if text.startswith(SOCKET_FAILURE):  # paho reports why a link broke only in its log
                lost.append(text.removeprefix(SOCKET_FAILURE))

        def on_disconnect(client: mqtt.Client, userdata: object, flags: object, reason: object,
                          properties: object) -> None:
            answered.set()

        self._client.on_connect, self._client.on_log, self._client.on_disconnect = on_connect, on_log, on_disconnect
        try:
            self._client.connect(self.host, self.port, keepalive=self._keepalive)
        except OSError as error:
            raise connect_failure(address, error) from None
        self._client.loop_start()
        answered.wait(timeout)
        self._client.on_log = self._client.on_disconnect = None  # logging costs CPU per message from here on
        if refused:
            self._client.loop_stop()
            raise refusal(address, refused[0], for_good=True)
        if not self._client.is_connected():
            self._client.loop_stop()
            tls_alert = next((_tls_reason(text) for text in lost if _tls_reason(text)), None)
            if tls_alert is not None:
                raise BrokerRefused(f"MQTT broker {address}: TLS handshake failed: {tls_alert}")
            why = f": {lost[-1]}" if lost else f" within {timeout:g} s"
            raise BrokerUnavailable(f"MQTT broker {address} did not accept the connection{why}")

    def publish(self, samples: Iterable[Sample], *, batch: bool = False) -> int:
        """Publish samples, one message each, or one message per topic when `batch`; returns messages sent."""
        if batch:
            grouped: dict[str, list[dict[str, object]]] = {}
            for sample in samples:
                grouped.setdefault(topic_for(sample.company_id, sample.machine_id, sample.name), []).append(
                    sample_payload(sample))
            messages = [(topic, json.dumps(items)) for topic, items in grouped.items()]
        else:
            messages = [(topic_for(s.company_id, s.machine_id, s.name), json.dumps(sample_payload(s)))
                        for s in samples]
        for topic, text in messages:
            self.publish_payload(topic, text)
        return len(messages)

    def publish_payload(self, topic: str, payload: str | bytes) -> None:
        """Publish an already encoded message (a sample object or a batch array)."""
        info = self._client.publish(topic, payload, qos=self.qos)
        if info.rc == mqtt.MQTT_ERR_QUEUE_SIZE:
            raise BrokerUnavailable(f"MQTT client queue for {_host(self.host, self.port)} is full")
        self.published += 1
        if self.qos == 0:
            return
        with self._acked:
            if info.mid in self._early_acks:
                self._early_acks.discard(info.mid)
            else:
                self._unacked.add(info.mid)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until the broker has acknowledged every message (also those sent while it was away)."""
        with self._acked:
            return self._acked.wait_for(lambda: not self._unacked, timeout)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


class MqttIngestor:
    """Subscribes to telemetry with a persistent session and hands the samples to `on_samples`.

    Runs its own event loop in a background thread (`Subscription` on the lean MQTT 5 connection).
    `on_samples` runs in that thread, once per socket read with every sample of that read, in arrival order;
    the read's messages are acknowledged only after it returned. A payload that cannot be decoded is counted in
    `rejected` with its error kept in `last_error`; it never stops the ingestion.
    """

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        on_samples: Callable[[Sequence[ReceivedSample]], None],
        *,
        topic: str = f"{TOPIC_ROOT}/#",
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        keepalive: int = 10,
        security: BrokerSecurity = PLAIN,
    ) -> None:
        if not client_id:
            raise ValueError("client_id: a persistent session needs a fixed client id")
        self.host, self.port, self.topic = host, port, topic
        self.security = security
        self.on_samples = on_samples
        self.connected = threading.Event()
        self.messages = 0
        self.rejected = 0
        self.last_error: str | None = None
        self._client_id = client_id
        self._topics: dict[str, tuple[str, str, str]] = {}
        self._subscription = Subscription(
            SessionOptions(host, port, client_id, keepalive=keepalive, security=security), topic, self._on_messages,
            min_backoff=min_backoff, max_backoff=max_backoff, on_state=self._on_state,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def connects(self) -> int:
        return self._subscription.connects

    def _on_state(self, up: bool) -> None:
        if up:
            self.connected.set()
        else:
            self.connected.clear()

    def _on_messages(self, messages: Sequence[mqtt5.PublishPacket]) -> None:
        self.messages += len(messages)
        samples: list[ReceivedSample] = []
        topics = self._topics
        for message in messages:
            topic = message.topic
            try:
                meaning = topics.get(topic)
                if meaning is None:
                    meaning = parse_topic(topic)
                    if len(topics) < _TOPIC_CACHE:
                        topics[topic] = meaning
                body = _PAYLOAD.decode(message.payload)
            except (ValueError, msgspec.DecodeError) as error:
                self.rejected += 1
                self.last_error = _payload_error(topic, error)
                continue
            company, machine, signal = meaning
            if type(body) is list:
                samples.extend(_received(company, machine, signal, item) for item in body)
            else:
                samples.append(_received(company, machine, signal, body))  # type: ignore[arg-type]
        if samples:
            self.on_samples(samples)

    def start(self, timeout: float = 5.0) -> None:
        """Connect and subscribe (BrokerUnavailable naming the host if that fails), then ingest in a thread."""
        check_reachable(self.host, self.port, timeout)
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name=f"mqtt-{self._client_id}", daemon=True)
        self._thread.start()

        async def begin() -> None:
            task = self._task = asyncio.get_running_loop().create_task(self._subscription.run())
            subscribed = asyncio.ensure_future(self._subscription.subscribed.wait())
            done, _ = await asyncio.wait({task, subscribed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if subscribed not in done:
                subscribed.cancel()
                if task in done and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]  # e.g. BrokerRefused: retrying cannot help
                raise TimeoutError

        try:
            asyncio.run_coroutine_threadsafe(begin(), loop).result(timeout + 1)
        except (TimeoutError, concurrent.futures.TimeoutError):
            failure = self._subscription.failure
            if self._task is not None and self._task.done() and not self._task.cancelled():
                failure = self._task.exception() or failure  # type: ignore[assignment]
            self._shutdown()
            raise BrokerUnavailable(str(failure) if failure else f"MQTT broker {_host(self.host, self.port)} did "
                                    f"not accept the connection and subscription within {timeout:g} s") from None
        except BaseException:  # BrokerRefused (credentials, TLS): retrying cannot help, so no waiting for it
            self._shutdown()
            raise

    def drop_connection(self) -> None:
        """Cut the network connection without a DISCONNECT (as a failing network would); it reconnects."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._subscription.drop_connection)

    def stop(self, *, forget_session: bool = False) -> None:
        """Disconnect; the broker keeps the session (and queues for it) unless `forget_session`."""
        self._shutdown()
        if forget_session:
            discard_session(self.host, self.port, self._client_id, self.security)

    def _shutdown(self) -> None:
        loop, task = self._loop, self._task
        if loop is None or self._thread is None:
            return

        async def leave() -> None:
            await self._subscription.stop()
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(leave(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()
        self._loop = self._thread = self._task = None
        self.connected.clear()


def discard_session(host: str, port: int, client_id: str, security: BrokerSecurity = PLAIN) -> None:
    """Connect once with a clean session under the same id, which makes the broker drop the stored one."""
    client = _paho_client(client_id, True, security)
    connected = threading.Event()
    client.on_connect = lambda c, userdata, flags, reason, properties: connected.set()
    try:
        client.connect(host, port)
    except OSError:
        return  # the broker is gone; a session it persisted expires on its own
    client.loop_start()
    connected.wait(3.0)
    client.disconnect()
    client.loop_stop()
