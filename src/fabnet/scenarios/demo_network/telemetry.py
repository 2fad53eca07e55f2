"""Machine telemetry over MQTT for the network demo: the broker on 127.0.0.1:1883 when one runs, else an amqtt broker
in this process. With a running (MQTT 5) broker the company's node watches its own telemetry and the demo only plays
the plant (`run_quality_on_node`); with the in-process one each simulated part's samples are published (QoS 1) and
handed to the demo's own quality monitor as they are received back from the broker (`mqtt_carrier`)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import httpx

from fabnet.domain import Part, RegionalNetwork
from fabnet.planning.problem import Problem, Solution
from fabnet.quality.genealogy import GenealogyRecorder
from fabnet.scenarios.demo.results import QualityAlarm, QualityResult, RescheduleResult, TelemetryResult
from fabnet.scenarios.demo.schedules import ScheduledCompany
from fabnet.scenarios.demo.zero_defects import (
    DRIFT_START,
    PHASE1_PARTS,
    REWORK_MINUTES,
    PlannedPart,
    export_passports,
    identity_of,
    measured_at_end,
    plant_of,
    record_made,
    rework_result,
)
from fabnet.service.node_telemetry import TelemetryStatus
from fabnet.standards.mqtt import BrokerUnavailable, MqttPublisher, ReceivedSample, check_reachable, decode, topic_for
from fabnet.twin.signals import PartRecord, Sample

T = TypeVar("T")
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


NODE_CONNECT_TIMEOUT_S = 60.0
REWORK_TIMEOUT_S = 120.0
PROGRESS_EVERY = 50


def node_settings(broker: tuple[str, int] | None) -> dict[str, object]:
    """What the demo's nodes need to watch their machines' telemetry themselves: the broker (an MQTT 5 one, such
    as Mosquitto; the in-process amqtt broker speaks only MQTT 3.1.1), the demo's phase I and rework time."""
    if broker is None:
        return {}
    return {"mqtt_url": f"mqtt://{broker[0]}:{broker[1]}", "monitor_phase1_samples": PHASE1_PARTS,
            "rework_minutes": REWORK_MINUTES}


def node_broker(preferred: tuple[str, int] = DEFAULT_BROKER) -> tuple[str, int] | None:
    """The running broker the nodes can subscribe to, if there is one."""
    try:
        check_reachable(*preferred, timeout=1.0)
    except ConnectionError:
        return None
    return preferred


@dataclass
class NodeLink:
    """The company's node as the plant sees it: parts registered and telemetry status over HTTP."""

    http: httpx.Client
    url: str
    headers: dict[str, str]

    def get(self, path: str) -> dict:
        response = self.http.get(self.url + path, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"node {self.url}: GET {path} answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def status(self) -> TelemetryStatus:
        return TelemetryStatus.model_validate(self.get("/api/v1/quality/telemetry"))

    def wait(self, done: Callable[[TelemetryStatus], bool], timeout: float, what: str) -> TelemetryStatus:
        """Poll the node's telemetry status until `done` (bounded: TimeoutError naming `what`)."""
        return self.poll(self.status, done, timeout, what)

    def poll(self, read: Callable[[], T], done: Callable[[T], bool], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        step = 0.002
        while True:
            value = read()
            if done(value):
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"node {self.url}: {what} within {timeout:g} s (last error: "
                                   f"{self.status().last_error})")
            time.sleep(step)
            step = min(step * 2, 0.1)

    def measured(self, part_id: str) -> int:
        """How many measurements of the part the node holds."""
        return len(self.get(f"/api/v1/parts/{quote(part_id)}")["measurements"])

    def alarms_on(self, machine_id: str) -> int:
        return int(self.get(f"/api/v1/quality/alarms?machine_id={quote(machine_id)}&limit=1")["total"])

    def register(self, part: Part) -> None:
        response = self.http.post(self.url + "/api/v1/parts", headers=self.headers, json=part.model_dump(mode="json"))
        if response.status_code != 201:
            raise RuntimeError(f"node {self.url}: part {part.id} refused ({response.status_code}): "
                               f"{response.text[:200]}")


def run_quality_on_node(
    network: RegionalNetwork, scheduled: list[ScheduledCompany], node: NodeLink, broker: Broker,
    schedules_folder: Path, passports_folder: Path, root: Path, *, seed: int,
    on_progress: Callable[[str], None] = lambda _detail: None,
) -> tuple[QualityResult, TelemetryResult]:
    """The demo plays the plant: each part of the busiest machine (with the drift) is registered at its company's
    node and its samples published to the broker; the node's own monitor watches them. The plant stops when the
    node reports an alarm after the drift began; the alarm, the held parts, the repaired schedule and the
    passports are read back from the node."""
    plant = plant_of(network, scheduled, seed)
    machine_id = plant.machine.id
    on_progress(f"waiting for {plant.company.result.company_id}'s node to subscribe to its telemetry")
    base = node.wait(lambda s: s.connected, NODE_CONNECT_TIMEOUT_S, "no subscription to the broker")
    on_progress(f"the node watches {base.topic} on {base.broker}; {machine_id} makes parts")
    recorder = GenealogyRecorder()
    publisher = MqttPublisher(broker.host, broker.port)
    publisher.connect()
    alarms_seen, false_alarms = node.alarms_on(machine_id), 0
    part_ids: dict[int, str] = {}
    caught: tuple[PlannedPart, str] | None = None
    try:
        for planned in plant.parts:
            record = measured_at_end(network, planned, plant.simulator.next_part(machine_id))
            part_ids[planned.index] = record.part_id
            record_made(network, plant, planned, record, recorder)
            node.register(recorder.part(identity_of(network, planned, record.part_id)))
            publisher.publish(record.samples, batch=True)
            # the node answers for this part and this machine only: others may publish to the same broker
            node.poll(lambda p=record.part_id: node.measured(p), lambda n, n_=len(record.characteristics): n >= n_,
                      RECEIVE_TIMEOUT_S, f"part {record.part_id}'s measurements did not arrive")
            if planned.index % PROGRESS_EVERY == 0:
                on_progress(f"{planned.index} parts made and monitored by the node")
            alarms = node.alarms_on(machine_id)
            if alarms > alarms_seen:
                alarms_seen = alarms
                if planned.index < DRIFT_START:
                    false_alarms += 1
                else:
                    caught = (planned, record.part_id)
                    break  # the flagged machine stops: no more parts until the setter has been
        publisher.flush(10)
    finally:
        publisher.close()
    if caught is None:
        raise ValueError(f"the node raised no alarm on {machine_id} within {len(part_ids)} parts of the drift")
    planned, part_id = caught
    on_progress(f"the node raised the alarm at part {planned.index}; waiting for its rework and repaired schedule")
    status = node.wait(lambda s: any(r.part_id == part_id for r in s.reworks) or (
        s.reworks_pending == 0 and bool(s.reworks)), REWORK_TIMEOUT_S, "no rework scheduled after the alarm")
    rework = next((r for r in status.reworks if r.part_id == part_id), status.reworks[-1])
    raised = node.get(f"/api/v1/quality/alarms?machine_id={quote(machine_id)}&limit=1000")["items"]
    first = next(a for a in reversed(raised) if a["part_id"] == part_id)
    held = node.get("/api/v1/parts?verdict=held&limit=1000")["items"]
    alarm = QualityAlarm(
        rule=first["rule"], description=first["description"], characteristic=first["characteristic"],
        value=round(first["value"], 4), part_id=part_id, part_index=planned.index,
        parts_after_drift_start=planned.index - DRIFT_START,
        machine_flagged=any(a.get("action") == "FlagMachine" for a in first["actions"]),
        parts_held=tuple(sorted(p["id"] for p in held)))
    documents = node.get("/api/v1/schedule/documents")
    reschedule = rework_result(
        plant.company, Problem.model_validate(documents["problem"]), Solution.model_validate(documents["solution"]),
        schedules_folder, root, RescheduleResult.model_construct(**rework.model_dump(
            include=set(RescheduleResult.model_fields) - {"company_id", "solution_file", "gantt_file"})))
    chosen = [part_ids[index] for index in sorted({0, DRIFT_START, planned.index})]
    passports, verdicts = export_passports(
        [Part.model_validate(node.get(f"/api/v1/parts/{quote(p)}")) for p in chosen], passports_folder, root)
    quality = QualityResult(
        machine_id=machine_id, company_id=plant.company.result.company_id, fault=plant.fault_text,
        parts_simulated=len(part_ids), phase1_parts=PHASE1_PARTS, false_alarms_before_drift=false_alarms,
        alarm=alarm, reschedule=reschedule, passports=passports, passport_verdicts=verdicts, monitored_by="node")
    telemetry = TelemetryResult(broker=f"{broker.host}:{broker.port}", broker_kind=broker.kind,  # type: ignore[arg-type]
                                messages_published=publisher.published,
                                samples_received=status.samples - base.samples)
    return quality, telemetry
