"""The monitor benchmark: simulated samples published over MQTT (QoS 1) by one process, ingested into the
stream monitor by another, timed from the first message to the last sample."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from multiprocessing.sharedctypes import Synchronized

from fabnet.standards.mqtt import (
    MqttIngestor,
    MqttPublisher,
    ReceivedSample,
    check_reachable,
    sample_payload,
    topic_for,
)
from fabnet.twin.signals import CharacteristicSpec, Fault, MachineProfile, SignalSimulator, SignalSpec

MACHINES = 20


def _profiles(tag: str) -> list[MachineProfile]:
    signals = (SignalSpec("spindle_load", "%", 45.0, 2.0), SignalSpec("temperature", "degC", 35.0, 0.8),
               SignalSpec("vibration", "mm/s", 2.5, 0.2))
    characteristic = (CharacteristicSpec("pocket_depth", 25.0, 24.96, 25.04, 0.01),)
    return [MachineProfile(f"m{k:02d}", tag, signals, characteristic) for k in range(MACHINES)]


def _payloads(tag: str, samples: int, batch: int, origin: datetime) -> list[tuple[str, str]]:
    """(topic, JSON) messages holding `samples` samples, `batch` per message, per-stream order kept."""
    profiles = _profiles(tag)
    parts = -(-samples // (MACHINES * 4))
    faults = [Fault("m03", "shift", parts // 2, 2.0), Fault("m07", "drift", parts // 3, 3.0)]
    simulator = SignalSimulator(profiles, faults, seed=1, origin=origin)
    by_topic: dict[str, list[dict[str, object]]] = {}
    for record in simulator.stream(parts):
        for sample in record.samples:
            by_topic.setdefault(topic_for(sample.company_id, sample.machine_id, sample.name), []).append(
                sample_payload(sample))
    messages = []
    for topic, items in by_topic.items():
        for start in range(0, len(items), batch):
            messages.append((topic, json.dumps(items[start:start + batch])))
    return messages


WINDOW = 500
"""Messages the publisher may run ahead of the consumer: Mosquitto queues at most 1000 QoS-1 messages per client
(`max_queued_messages`) and drops the rest, so an unthrottled publisher would lose samples, not measure them."""


def _publisher_process(host: str, port: int, tag: str, samples: int, batch: int, origin: datetime,
                       consumed: Synchronized) -> None:  # type: ignore[type-arg]
    messages = _payloads(tag, samples, batch, origin)
    publisher = MqttPublisher(host, port)
    publisher.connect()
    for n, (topic, text) in enumerate(messages):
        while n - consumed.value > WINDOW:
            time.sleep(0.0005)
        publisher.publish_payload(topic, text)
    publisher.flush(120.0)
    publisher.close()


def run_monitor_benchmark(host: str, port: int, samples: int, batch: int, *, tag: str,
                          origin: datetime) -> dict[str, float | int]:
    """Figures of one run (the publisher runs in its own process, so the consumer has its core)."""
    from fabnet.quality.monitor import MonitorConfig, StreamMonitor

    check_reachable(host, port)
    monitor = StreamMonitor(MonitorConfig(phase1_samples=100))
    expected = sum(len(json.loads(text)) for _, text in _payloads(tag, samples, batch, origin))
    received = [0]
    alarms = [0]
    first: list[float] = []
    finished = threading.Event()
    cpu: list[float] = []

    def on_samples(batch_samples: Sequence[ReceivedSample]) -> None:
        if not first:
            first.append(time.perf_counter())
            cpu.append(time.thread_time())
        observe = monitor.observe_values
        for s in batch_samples:
            alarms[0] += len(observe(s.machine_id, s.name, s.value, s.part_id, s.timestamp, s.lower_limit,
                                     s.upper_limit))
        received[0] += len(batch_samples)
        consumed.value += 1
        if received[0] >= expected:
            cpu.append(time.thread_time())
            first.append(time.perf_counter())
            finished.set()

    context = multiprocessing.get_context("spawn")
    consumed = context.Value("q", 0)  # messages consumed so far, read by the publisher for flow control
    ingestor = MqttIngestor(host, port, f"fabnet-{tag}", on_samples, topic=f"fabnet/{tag}/#")
    ingestor.start()
    publisher = context.Process(target=_publisher_process, args=(host, port, tag, samples, batch, origin, consumed))
    publisher.start()
    try:
        finished.wait(300.0)
    finally:
        publisher.join(60.0)
        ingestor.stop(forget_session=True)
    seconds = (first[1] - first[0]) if len(first) == 2 else float("nan")
    cpu_seconds = (cpu[1] - cpu[0]) if len(cpu) == 2 else float("nan")
    return {
        "samples_expected": expected, "samples_received": received[0], "messages": ingestor.messages,
        "batch": batch, "seconds": seconds, "samples_per_second": received[0] / seconds if seconds else 0.0,
        "consumer_cpu_seconds": cpu_seconds,
        "samples_per_cpu_second": received[0] / cpu_seconds if cpu_seconds else 0.0,
        "alarms": alarms[0], "streams": len(monitor.snapshot().streams),
    }
