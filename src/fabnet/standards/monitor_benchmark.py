"""The monitor benchmark: simulated samples published over MQTT (QoS 1) by one process, ingested into the
stream monitor by another, timed from the first sample to the last.

The publisher process stands for a plant's machine gateways: `connections` MQTT 5 connections (machines spread
over them), each keeping at most the broker's receive maximum of QoS-1 messages in flight. With `batch` 1 every
message is one JSON sample object (the telemetry payload of `fabnet.standards.mqtt`); with `batch` > 1 a JSON
array of that many samples of one topic.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from multiprocessing.sharedctypes import Synchronized

import mqtt5

from fabnet.standards.mqtt import MqttIngestor, ReceivedSample, check_reachable, sample_payload, topic_for
from fabnet.standards.mqtt_session import BrokerConnection, SessionOptions
from fabnet.twin.signals import CharacteristicSpec, Fault, MachineProfile, SignalSimulator, SignalSpec

MACHINES = 20


def _profiles(tag: str) -> list[MachineProfile]:
    signals = (SignalSpec("spindle_load", "%", 45.0, 2.0), SignalSpec("temperature", "degC", 35.0, 0.8),
               SignalSpec("vibration", "mm/s", 2.5, 0.2))
    characteristic = (CharacteristicSpec("pocket_depth", 25.0, 24.96, 25.04, 0.01),)
    return [MachineProfile(f"m{k:02d}", tag, signals, characteristic) for k in range(MACHINES)]


def payloads(tag: str, samples: int, batch: int, origin: datetime) -> list[tuple[str, int, bytes]]:
    """(topic, samples in it, JSON) messages in the order the plant makes them; per-topic order kept."""
    profiles = _profiles(tag)
    parts = -(-samples // (MACHINES * 4))
    faults = [Fault("m03", "shift", parts // 2, 2.0), Fault("m07", "drift", parts // 3, 3.0)]
    simulator = SignalSimulator(profiles, faults, seed=1, origin=origin)
    messages: list[tuple[str, int, bytes]] = []
    waiting: dict[str, list[dict[str, object]]] = {}
    for record in simulator.stream(parts):
        for sample in record.samples:
            topic = topic_for(sample.company_id, sample.machine_id, sample.name)
            if batch == 1:
                messages.append((topic, 1, json.dumps(sample_payload(sample)).encode()))
                continue
            items = waiting.setdefault(topic, [])
            items.append(sample_payload(sample))
            if len(items) == batch:
                messages.append((topic, batch, json.dumps(items).encode()))
                waiting[topic] = []
    messages += [(topic, len(items), json.dumps(items).encode()) for topic, items in waiting.items() if items]
    return messages


WINDOW = 5000
"""Samples the publisher may run ahead of the consumer. Mosquitto drops messages for a client that falls too far
behind (beyond its receive maximum plus `max_queued_messages`, and earlier for large messages), so an
unthrottled publisher would lose samples, not measure them."""


class _Progress:
    def __init__(self, consumed: Synchronized, window: int) -> None:  # type: ignore[type-arg]
        self.sent = 0
        self.consumed = consumed
        self.window = window

    def room(self) -> int:
        return self.window - (self.sent - self.consumed.value)


async def _gateway(host: str, port: int, client_id: str, messages: Sequence[tuple[str, int, bytes]],
                   progress: _Progress) -> None:
    """One publishing connection: QoS 1, never more in flight than the broker's receive maximum and never more
    than the window of samples ahead of the consumer."""
    connection = await BrokerConnection.open(SessionOptions(host, port, client_id, clean_start=True,
                                                            session_expiry=0, keepalive=30))
    limit = min(connection.connack.receive_max, 65535)
    # encoded before the clock matters: the machines' cost of making a message is not the monitor's
    qos1 = mqtt5.QoS.AT_LEAST_ONCE
    packets = [mqtt5.PublishPacket(topic, body, qos=qos1, packet_id=n % 65535 + 1).write()
               for n, (topic, _, body) in enumerate(messages)]
    samples_per_message = messages[0][1]
    puback = mqtt5.PubAckPacket
    inflight = sent = 0
    while sent < len(packets) or inflight:
        room = min(limit - inflight, progress.room() // samples_per_message, len(packets) - sent)
        if room > 0:
            connection.send(b"".join(packets[sent:sent + room]))
            sent += room
            inflight += room
            progress.sent += room * samples_per_message
        if inflight:
            inflight -= sum(type(p) is puback for p in await connection.packets())
        else:
            await asyncio.sleep(0.0005)  # the consumer is a window behind: let it catch up
    await connection.close()


def _publisher_process(host: str, port: int, tag: str, samples: int, batch: int, origin: datetime,
                       connections: int, consumed: Synchronized, window: int = WINDOW) -> None:  # type: ignore[type-arg]
    """Publish the benchmark's messages, never more than `window` samples ahead of what the consumer has done."""
    messages = payloads(tag, samples, batch, origin)
    machines = sorted({topic.split("/")[2] for topic, _, _ in messages})
    gateway_of = {machine: k % connections for k, machine in enumerate(machines)}
    shares: list[list[tuple[str, int, bytes]]] = [[] for _ in range(connections)]
    for message in messages:
        shares[gateway_of[message[0].split("/")[2]]].append(message)

    async def publish_all() -> None:
        progress = _Progress(consumed, max(window, 2 * batch))  # room for at least two messages
        await asyncio.gather(*(_gateway(host, port, f"fabnet-{tag}-gw{k}", share, progress)
                               for k, share in enumerate(shares) if share))

    asyncio.run(publish_all())


def _publisher_session(*args: object) -> None:
    """The publisher as its own session: it stands for machines elsewhere, and Linux shares CPU between sessions
    (autogroups), so within the benchmark's session it would take its CPU from the monitor being measured."""
    os.setsid()
    _publisher_process(*args)  # type: ignore[arg-type]


def run_monitor_benchmark(host: str, port: int, samples: int, batch: int, *, tag: str, origin: datetime,
                          connections: int = 4) -> dict[str, float | int]:
    """Figures of one run (the publisher runs in its own process, so the consumer has its core)."""
    from fabnet.quality.monitor import StreamMonitor

    check_reachable(host, port)
    monitor = StreamMonitor()
    expected = sum(count for _, count, _ in payloads(tag, samples, batch, origin))
    received = [0]
    alarms = [0]
    wall: list[float] = []
    cpu: list[float] = []
    finished = threading.Event()

    def on_samples(batch_samples: Sequence[ReceivedSample]) -> None:
        if not wall:
            wall.append(time.perf_counter())
            cpu.append(time.thread_time())
        observe = monitor.observe_values
        raised = 0
        for s in batch_samples:
            raised += len(observe(s.machine_id, s.name, s.value, s.part_id, s.timestamp, s.lower_limit,
                                  s.upper_limit))
        alarms[0] += raised
        received[0] += len(batch_samples)
        consumed.value = received[0]
        if received[0] >= expected:
            cpu.append(time.thread_time())
            wall.append(time.perf_counter())
            finished.set()

    context = multiprocessing.get_context("spawn")
    consumed = context.Value("q", 0, lock=False)  # samples consumed so far, read by the publisher
    ingestor = MqttIngestor(host, port, f"fabnet-{tag}", on_samples, topic=f"fabnet/{tag}/#")
    ingestor.start()
    publisher = context.Process(target=_publisher_session,
                                args=(host, port, tag, samples, batch, origin, connections, consumed))
    publisher.start()
    try:
        finished.wait(300.0)
    finally:
        publisher.join(60.0)
        ingestor.stop(forget_session=True)
    seconds = (wall[1] - wall[0]) if len(wall) == 2 else float("nan")
    cpu_seconds = (cpu[1] - cpu[0]) if len(cpu) == 2 else float("nan")
    return {
        "samples_expected": expected, "samples_received": received[0], "messages": ingestor.messages,
        "batch": batch, "publisher_connections": connections, "seconds": seconds,
        "samples_per_second": received[0] / seconds if seconds else 0.0,
        "consumer_cpu_seconds": cpu_seconds,
        "samples_per_cpu_second": received[0] / cpu_seconds if cpu_seconds else 0.0,
        "consumer_core_share": cpu_seconds / seconds if seconds else 0.0,
        "alarms": alarms[0], "streams": len(monitor.snapshot().streams),
    }
