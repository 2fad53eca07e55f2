"""Machine telemetry over MQTT for the network demo: the broker on 127.0.0.1:1883 when one runs, else an amqtt broker
in this process; each simulated part's samples are published (QoS 1) and handed to the quality monitor as they are
received back from the broker."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from fabnet.standards.mqtt import BrokerUnavailable, MqttPublisher, ReceivedSample, check_reachable, decode, topic_for
from fabnet.twin.signals import PartRecord, Sample

DEFAULT_BROKER = ("127.0.0.1", 1883)
RECEIVE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    kind: str
    """"external" (a broker that was running) or "in-process" (amqtt, started for the demo)"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def mqtt_broker(preferred: tuple[str, int] = DEFAULT_BROKER) -> Iterator[Broker]:
    """The preferred broker if it accepts connections, otherwise an amqtt broker on a free loopback port."""
    try:
        check_reachable(*preferred, timeout=1.0)
    except ConnectionError:
        pass
    else:
        yield Broker(preferred[0], preferred[1], "external")
        return
    from amqtt.broker import Broker as AmqttBroker

    port = _free_port()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="amqtt-broker", daemon=True)
    thread.start()
    config = {"listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
              "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}}}
    broker = AmqttBroker(config, loop=loop)
    try:
        asyncio.run_coroutine_threadsafe(broker.start(), loop).result(10)
        yield Broker("127.0.0.1", port, "in-process")
    finally:
        asyncio.run_coroutine_threadsafe(broker.shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


@dataclass
class MqttCarrier:
    """Publishes a part's samples and returns the part as received over MQTT (values as the broker delivered)."""

    publisher: MqttPublisher
    published: int = 0
    received: int = 0
    _arrived: dict[str, list[ReceivedSample]] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def on_samples(self, samples: Sequence[ReceivedSample]) -> None:
        with self._changed:
            for sample in samples:
                self._arrived.setdefault(sample.part_id or "", []).append(sample)
            self.received += len(samples)
            self._changed.notify_all()

    def __call__(self, record: PartRecord) -> PartRecord:
        expected = len(record.samples)
        self.published += self.publisher.publish(record.samples, batch=True)
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._arrived.get(record.part_id, ())) >= expected,
                                          RECEIVE_TIMEOUT_S):
                raise TimeoutError(f"part {record.part_id}: {len(self._arrived.get(record.part_id, ()))} of "
                                   f"{expected} samples came back over MQTT within {RECEIVE_TIMEOUT_S:g} s")
            arrived = self._arrived.pop(record.part_id)
        by_name = {(s.machine_id, s.name, s.timestamp): s for s in arrived}

        def received(sample: Sample) -> Sample:
            got = by_name[(sample.machine_id, sample.name, sample.timestamp)]
            return replace(sample, value=got.value)

        return replace(record, signals=tuple(received(s) for s in record.signals),
                       characteristics=tuple(received(s) for s in record.characteristics))


@contextmanager
def mqtt_carrier(broker: Broker, company_id: str) -> Iterator[MqttCarrier]:
    """A publisher (the machine's edge gateway) and a subscriber (the company's monitor) on `broker`.

    The subscriber speaks MQTT 3.1.1 (paho), which the in-process amqtt broker understands as well as Mosquitto;
    payloads are decoded by `standards.mqtt.decode`, as the node's ingestor decodes them.
    """
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    carrier = MqttCarrier(MqttPublisher(broker.host, broker.port))
    subscribed = threading.Event()
    topic = topic_for(company_id, "machine", "signal").rsplit("/", 2)[0] + "/#"  # every machine and signal
    subscriber = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"fabnet-demo-monitor-{uuid.uuid4().hex[:8]}")
    subscriber.on_connect = lambda client, userdata, flags, reason, properties: client.subscribe(topic, qos=1)
    subscriber.on_subscribe = lambda client, userdata, mid, reasons, properties: subscribed.set()
    subscriber.on_message = lambda client, userdata, message: carrier.on_samples(decode(message.topic,
                                                                                         message.payload))
    subscriber.connect(broker.host, broker.port)
    subscriber.loop_start()
    try:
        if not subscribed.wait(10):
            raise BrokerUnavailable(f"MQTT broker {broker.host}:{broker.port} did not take the subscription")
        carrier.publisher.connect()
        try:
            yield carrier
            carrier.publisher.flush(10)
        finally:
            carrier.publisher.close()
    finally:
        subscriber.disconnect()
        subscriber.loop_stop()
