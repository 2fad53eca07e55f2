"""MQTT telemetry against a real broker: every sample arrives, and none is lost across a reconnect."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from fabnet.domain import Machine, MachineSkill
from fabnet.standards.mqtt import (
    BrokerUnavailable,
    MqttIngestor,
    MqttPublisher,
    ReceivedSample,
    decode,
    parse_topic,
    topic_for,
)
from fabnet.twin.signals import Fault, SignalSimulator
from telemetry.conftest import OwnMosquitto, free_port, wait_until

ORIGIN = datetime(2026, 11, 30, tzinfo=UTC)


def _simulator(company: str, faults: Sequence[Fault] = ()) -> SignalSimulator:
    machines = [
        Machine(id="laser/1", company_id=company, name="Laser", hourly_rate_eur="90.00", power_kw=20.0,
                skills=(MachineSkill(skill="cut.laser", parameters={"power_kw": 6.0}),)),
        Machine(id="mill-2", company_id=company, name="Mill", hourly_rate_eur="70.00", power_kw=15.0,
                skills=(MachineSkill(skill="mill.cnc_3axis"),)),
    ]
    return SignalSimulator.for_machines(machines, faults, seed=3, origin=ORIGIN)


class Collector:
    def __init__(self) -> None:
        self.samples: list[ReceivedSample] = []
        self.lock = threading.Lock()

    def __call__(self, samples: Sequence[ReceivedSample]) -> None:
        with self.lock:
            self.samples.extend(samples)

    def keys(self) -> set[tuple[str, str, str | None, float]]:
        with self.lock:
            return {(s.machine_id, s.name, s.part_id, s.value) for s in self.samples}


class RawListener:
    """A plain paho-mqtt subscriber, to see the wire format as any other MQTT client does."""

    def __init__(self, host: str, port: int, topic: str, into: list[tuple[str, bytes]]) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        subscribed = threading.Event()
        self.client.on_message = lambda client, userdata, message: into.append((message.topic, message.payload))
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.on_connect = lambda client, *args: client.subscribe(topic, qos=1)
        self.client.connect(host, port)
        self.client.loop_start()
        assert subscribed.wait(10)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@given(company=st.from_regex(r"[a-z0-9][a-z0-9./-]{0,20}", fullmatch=True),
       machine=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,20}", fullmatch=True))
def test_topic_levels_survive_ids_with_slashes(company: str, machine: str) -> None:
    topic = topic_for(company, machine, "laser_power")
    assert topic.count("/") == 3
    assert parse_topic(topic) == (company, machine, "laser_power")


def test_bad_payloads_are_named() -> None:
    with pytest.raises(ValueError, match="not fabnet/<company>/<machine>/<signal>"):
        parse_topic("plant/a/b")
    with pytest.raises(ValueError, match="payload is not JSON"):
        decode("fabnet/a/m/x", b"{oops")
    with pytest.raises(ValueError, match="bad sample"):
        decode("fabnet/a/m/x", b'{"timestamp": "2026-01-01T00:00:00+00:00"}')
    one = decode("fabnet/a/m/x", b'{"timestamp": "2026-01-01T00:00:00+00:00", "value": 2, "unit": "mm", '
                                 b'"part_id": "p1"}')
    assert one[0].value == 2.0 and one[0].part_id == "p1" and one[0].timestamp.tzinfo is not None


@pytest.mark.mqtt
@pytest.mark.parametrize("batch", [False, True])
def test_every_sample_arrives_with_its_topic_and_payload(broker: tuple[str, int], tag: str, batch: bool) -> None:
    host, port = broker
    collector = Collector()
    raw: list[tuple[str, bytes]] = []
    ingestor = MqttIngestor(host, port, f"fabnet-test-{tag}", collector, topic=f"fabnet/{tag}/#")
    ingestor.start()
    raw_listener = RawListener(host, port, f"fabnet/{tag}/laser%2F1/laser_power", raw)
    publisher = MqttPublisher(host, port)
    publisher.connect()
    try:
        records = list(_simulator(tag).stream(30))
        for record in records:
            publisher.publish(record.samples, batch=batch)
        assert publisher.flush()
        expected = {(s.machine_id, s.name, s.part_id, s.value) for r in records for s in r.samples}
        assert wait_until(lambda: collector.keys() >= expected)
        assert collector.keys() == expected
    finally:
        publisher.close()
        ingestor.stop(forget_session=True)
        raw_listener.stop()
    topic, payload = raw[0]
    assert topic == f"fabnet/{tag}/laser%2F1/laser_power"
    body = json.loads(payload)
    first = body[0] if batch else body
    assert set(first) == {"timestamp", "value", "unit", "part_id"} and first["unit"] == "kW"
    pocket = next(s for s in collector.samples if s.name == "pocket_depth")
    assert pocket.lower_limit is not None and pocket.lower_limit < pocket.value < pocket.upper_limit + 1


@pytest.mark.mqtt
def test_no_sample_lost_when_the_connection_drops(broker: tuple[str, int], tag: str) -> None:
    """The subscriber's connection is cut mid-stream; its persistent session keeps the QoS-1 messages."""
    host, port = broker
    if port != 1883:
        pytest.skip("the in-process amqtt fallback does not redeliver a dropped persistent session's QoS-1 queue")
    collector = Collector()
    ingestor = MqttIngestor(host, port, f"fabnet-test-{tag}", collector, topic=f"fabnet/{tag}/#")
    ingestor.start()
    publisher = MqttPublisher(host, port)
    publisher.connect()
    try:
        records = list(_simulator(tag).stream(60))
        for n, record in enumerate(records):
            publisher.publish(record.samples)
            if n == 40:
                ingestor.drop_connection()
                assert wait_until(lambda: ingestor.connects >= 2, 10)  # it noticed the loss and came back
        assert publisher.flush()
        expected = {(s.machine_id, s.name, s.part_id, s.value) for r in records for s in r.samples}
        assert wait_until(lambda: collector.keys() >= expected, 30)
        assert ingestor.connects >= 2
    finally:
        publisher.close()
        ingestor.stop(forget_session=True)


@pytest.mark.mqtt
def test_no_sample_lost_when_the_broker_restarts(own_mosquitto: OwnMosquitto, tag: str) -> None:
    """Mosquitto goes down mid-stream and comes back (persistent sessions saved on shutdown)."""
    port = own_mosquitto.port
    collector = Collector()
    ingestor = MqttIngestor("127.0.0.1", port, f"fabnet-test-{tag}", collector, topic=f"fabnet/{tag}/#",
                            max_backoff=2)
    ingestor.start()
    publisher = MqttPublisher("127.0.0.1", port, client_id=f"fabnet-pub-{tag}")
    publisher.connect()
    try:
        records = list(_simulator(tag).stream(40))  # 80 parts: 40 before the restart, 40 while it is down
        for record in records[:40]:
            publisher.publish(record.samples)
        assert publisher.flush()
        own_mosquitto.stop()
        assert wait_until(lambda: not ingestor.connected.is_set(), 10)
        for record in records[40:]:
            publisher.publish(record.samples)  # queued by the client while the broker is away
        own_mosquitto.start()
        expected = {(s.machine_id, s.name, s.part_id, s.value) for r in records for s in r.samples}
        assert wait_until(lambda: collector.keys() >= expected, 60)
        assert (own_mosquitto.folder / "mosquitto.db").is_file()  # the sessions did go through a restart
        assert ingestor.connects >= 2
    finally:
        publisher.close()
        ingestor.stop(forget_session=True)


def test_an_unreachable_broker_is_named() -> None:
    port = free_port()
    with pytest.raises(BrokerUnavailable, match=f"127.0.0.1:{port}"):
        MqttIngestor("127.0.0.1", port, "fabnet-test-nobody", Collector()).start(timeout=1)
    with pytest.raises(BrokerUnavailable, match=f"127.0.0.1:{port}"):
        MqttPublisher("127.0.0.1", port).connect(timeout=1)


@pytest.mark.mqtt
def test_a_consumer_far_behind_loses_nothing(broker: tuple[str, int], tag: str) -> None:
    """The monitor is busy while 3,000 one-sample messages arrive: Mosquitto would keep only 20 in flight and
    1,000 queued for it and drop the rest, unless the client says it can take more (its receive maximum)."""
    host, port = broker
    collector = Collector()
    released = threading.Event()

    def slow(samples: Sequence[ReceivedSample]) -> None:
        released.wait(60)  # the monitor is stuck on its first batch while the broker keeps receiving
        collector(samples)

    ingestor = MqttIngestor(host, port, f"fabnet-test-{tag}", slow, topic=f"fabnet/{tag}/#")
    ingestor.start()
    publisher = MqttPublisher(host, port)
    publisher.connect()
    try:
        records = list(_simulator(tag).stream(500))  # 2 machines × 500 parts × 4 samples
        for record in records:
            publisher.publish(record.samples)
        assert publisher.flush()
        released.set()
        expected = {(s.machine_id, s.name, s.part_id, s.value) for r in records for s in r.samples}
        assert len(expected) > 3000
        assert wait_until(lambda: collector.keys() >= expected, 60)
    finally:
        released.set()
        publisher.close()
        ingestor.stop(forget_session=True)


@pytest.mark.mqtt
def test_bad_payloads_are_counted_and_ingestion_goes_on(broker: tuple[str, int], tag: str) -> None:
    host, port = broker
    collector = Collector()
    ingestor = MqttIngestor(host, port, f"fabnet-test-{tag}", collector, topic=f"fabnet/{tag}/#")
    ingestor.start()
    publisher = MqttPublisher(host, port)
    publisher.connect()
    try:
        publisher.publish_payload(f"fabnet/{tag}/m1/temperature", b"{not json")
        publisher.publish_payload(f"fabnet/{tag}/m1/temperature", b'{"value": "hot"}')
        publisher.publish_payload(f"fabnet/{tag}/m1/temperature", b'[{"value": 20.5, "part_id": "p1"}, {"value": 21}]')
        assert publisher.flush()
        assert wait_until(lambda: len(collector.samples) == 2 and ingestor.rejected == 2)
    finally:
        publisher.close()
        ingestor.stop(forget_session=True)
    assert "$.value" in (ingestor.last_error or "") and f"fabnet/{tag}/m1/temperature" in ingestor.last_error
    assert [(s.machine_id, s.name, s.value, s.part_id) for s in collector.samples] == [
        ("m1", "temperature", 20.5, "p1"), ("m1", "temperature", 21.0, None)]
