"""MQTT telemetry: publish machine samples and ingest them with a persistent QoS-1 session (paho-mqtt).

Topic: `fabnet/<company>/<machine>/<signal>` (each level percent-encoded, so ids may hold `/`).
Payload: JSON `{"timestamp": ISO 8601, "value": float, "unit": str, "part_id": str | null}`, plus
`lower_limit` / `upper_limit` for measured characteristics. For high rates a payload may be a JSON array of such
objects for the same topic (a batch): one QoS-1 delivery then carries many samples.

The ingestor uses a fixed client id and `clean_session=False`, so the broker queues QoS-1 messages while it is
away; paho reconnects with exponential back-off (between `min_backoff` and `max_backoff` seconds).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from fabnet.twin.signals import Sample

TOPIC_ROOT = "fabnet"


class BrokerUnavailable(ConnectionError):
    """The MQTT broker cannot be reached; the message names host and port."""


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


def decode(topic: str, payload: bytes) -> list[ReceivedSample]:
    """The samples in one message (an object or a batch array); ValueError naming the topic and the fault."""
    company, machine, signal = parse_topic(topic)
    try:
        body = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"topic {topic!r}: payload is not JSON ({error})") from None
    items = body if isinstance(body, list) else [body]
    samples = []
    for item in items:
        try:
            stamp = item.get("timestamp")
            samples.append(ReceivedSample(
                company, machine, signal, float(item["value"]), str(item.get("unit", "")), item.get("part_id"),
                datetime.fromisoformat(stamp) if stamp else None, item.get("lower_limit"), item.get("upper_limit"),
            ))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"topic {topic!r}: bad sample {item!r} ({error!r})") from None
    return samples


def _host(host: str, port: int) -> str:
    return f"{host}:{port}"


def check_reachable(host: str, port: int, timeout: float = 3.0) -> None:
    """BrokerUnavailable naming host and port when nothing accepts connections there."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as error:
        raise BrokerUnavailable(f"MQTT broker {_host(host, port)} is not reachable: "
                                f"{error.strerror or error}") from None


class MqttPublisher:
    """Publishes samples with QoS 1; unacknowledged messages are resent after a reconnect."""

    def __init__(self, host: str, port: int, *, client_id: str = "", qos: int = 1, keepalive: int = 30) -> None:
        self.host, self.port, self.qos = host, port, qos
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not client_id)
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
        check_reachable(self.host, self.port, timeout)
        connected = threading.Event()
        self._client.on_connect = lambda client, userdata, flags, reason, properties: connected.set()
        try:
            self._client.connect(self.host, self.port, keepalive=self._keepalive)
        except OSError as error:
            raise BrokerUnavailable(f"MQTT broker {_host(self.host, self.port)} refused the connection: "
                                    f"{error.strerror or error}") from None
        self._client.loop_start()
        if not connected.wait(timeout):
            self._client.loop_stop()
            raise BrokerUnavailable(f"MQTT broker {_host(self.host, self.port)} did not accept the connection "
                                    f"within {timeout:g} s")

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
    """Subscribes to telemetry with a persistent session and hands every sample to `on_samples`.

    `on_samples` runs in the network thread, one call per message, in arrival order. A payload that cannot be
    decoded is counted in `rejected` with its error kept in `last_error`; it never stops the ingestion.
    """

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        on_samples: Callable[[Sequence[ReceivedSample]], None],
        *,
        topic: str = f"{TOPIC_ROOT}/#",
        qos: int = 1,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        keepalive: int = 10,
    ) -> None:
        if not client_id:
            raise ValueError("client_id: a persistent session needs a fixed client id")
        self.host, self.port, self.topic, self.qos = host, port, topic, qos
        self.on_samples = on_samples
        self.connected = threading.Event()
        self.connects = 0
        self.messages = 0
        self.rejected = 0
        self.last_error: str | None = None
        self._keepalive = keepalive
        self._client_id = client_id
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        self._client.reconnect_delay_set(min_delay=max(1, round(min_backoff)), max_delay=max(1, round(max_backoff)))
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self.subscribed = threading.Event()

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                    properties: object) -> None:
        self.connects += 1
        client.subscribe(self.topic, qos=self.qos)
        self.connected.set()

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int, reasons: object,
                      properties: object) -> None:
        self.subscribed.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                       properties: object) -> None:
        self.connected.clear()
        self.subscribed.clear()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.messages += 1
        try:
            samples = decode(message.topic, message.payload)
        except ValueError as error:
            self.rejected += 1
            self.last_error = str(error)
            return
        self.on_samples(samples)

    def start(self, timeout: float = 5.0) -> None:
        """Connect (BrokerUnavailable naming the host if that fails) and ingest in a background thread."""
        check_reachable(self.host, self.port, timeout)
        try:
            self._client.connect(self.host, self.port, keepalive=self._keepalive)
        except OSError as error:
            raise BrokerUnavailable(f"MQTT broker {_host(self.host, self.port)} refused the connection: "
                                    f"{error.strerror or error}") from None
        self._client.loop_start()
        if not (self.connected.wait(timeout) and self.subscribed.wait(timeout)):
            self._client.loop_stop()
            raise BrokerUnavailable(f"MQTT broker {_host(self.host, self.port)} did not accept the connection "
                                    f"and subscription within {timeout:g} s")

    def drop_connection(self) -> None:
        """Cut the network connection without a DISCONNECT (as a failing network would); paho reconnects."""
        sock = self._client.socket()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def stop(self, *, forget_session: bool = False) -> None:
        """Disconnect; the broker keeps the session (and queues for it) unless `forget_session`."""
        self._client.disconnect()
        self._client.loop_stop()
        if forget_session:
            discard_session(self.host, self.port, self._client_id)


def discard_session(host: str, port: int, client_id: str) -> None:
    """Connect once with a clean session under the same id, which makes the broker drop the stored one."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
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
