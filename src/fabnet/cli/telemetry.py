"""`fabnet telemetry`: Machine-signal simulator over OPC UA and MQTT; also `fabnet quality monitor`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fabnet.cli.bench import app as bench_app
from fabnet.cli.quality import app as quality_app
from fabnet.cli.root import console, err_console, fail, group, write_text
from fabnet.domain.errors import describe
from fabnet.twin.signals import Fault, SignalSimulator, parse_fault

if TYPE_CHECKING:
    from fabnet.standards.mqtt import ReceivedSample

app = group("telemetry", "Machine-signal simulator over OPC UA and MQTT.")


def parse_address(text: str, option: str = "--mqtt") -> tuple[str, int]:
    """`host:port` or `mqtt://host:port` (port defaults to 1883); a one-line error naming the option otherwise."""
    text = text.removeprefix("mqtt://").rstrip("/")
    host, _, port_text = text.rpartition(":") if ":" in text else (text, "", "1883")
    try:
        port = int(port_text)
    except ValueError:
        fail(f"{option}: port {port_text!r} in {text!r} is not a number")
    if not host or not 0 < port < 65536:
        fail(f"{option}: expected host:port, got {text!r}")
    return host, port


def _write_json(path: Path, data: object) -> None:
    write_text(path, json.dumps(data, indent=2, default=str))


@app.command("simulate")
def simulate(
    scenario: Annotated[str, typer.Option(help="reference scenario whose machines to simulate")] = "brainport",
    mqtt: Annotated[str | None, typer.Option(help="MQTT broker host:port to publish to",
                                             envvar="FABNET_MQTT_URL")] = None,
    opcua: Annotated[int | None, typer.Option(min=1, max=65535,
                                              help="serve an OPC UA server on 127.0.0.1:PORT too")] = None,
    fault: Annotated[list[str] | None, typer.Option(help="machine:kind:start[:magnitude]; kind = shift, drift, "
                                                          "variance or spike; start = part index")] = None,
    parts: Annotated[int, typer.Option(min=1, help="parts per machine")] = 100,
    rate: Annotated[float, typer.Option(min=0, help="parts per second per machine (0 = as fast as possible)")] = 0.0,
    company: Annotated[str | None, typer.Option(help="only this company's machines")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    batch: Annotated[int, typer.Option(min=1, help="samples per MQTT message (a JSON array per topic); 1 = one "
                                                   "sample per message")] = 1,
    json_out: Annotated[Path | None, typer.Option("--json", help="write a run summary as JSON")] = None,
) -> None:
    """Stream seeded machine signals and part measurements, with injected faults, over MQTT and/or OPC UA."""
    from fabnet.scenarios.loader import load_scenario

    logging.getLogger("asyncua").setLevel(logging.ERROR)  # its security-policy notices are not the user's concern
    try:
        network = load_scenario(scenario)
    except ValueError as error:
        fail(f"--scenario: {error}")
    machines = [m for m in network.machines if company is None or m.company_id == company]
    if not machines:
        fail(f"--company: no machines for company {company!r} in scenario {scenario!r}")
    faults: list[Fault] = []
    for spec in fault or []:
        try:
            faults.append(parse_fault(spec, [m.id for m in machines]))
        except ValueError as error:
            fail(f"--fault: {error}")
    if mqtt is None and opcua is None:
        fail("--mqtt or --opcua: name at least one place to send the signals")
    address = parse_address(mqtt) if mqtt else None
    simulator = SignalSimulator.for_machines(machines, faults, seed=seed, origin=network.origin)
    summary = asyncio.run(_stream(simulator, len(machines), parts, rate, address, opcua, batch))
    console.print(f"sent {summary['parts']} parts, {summary['samples']} samples "
                  f"({summary['mqtt_messages']} MQTT messages) in {summary['seconds']:.1f} s")
    if json_out:
        _write_json(json_out, {**summary, "faults": [vars(f) for f in faults], "scenario": scenario, "seed": seed})


async def _stream(simulator: SignalSimulator, machines: int, parts: int, rate: float,
                  address: tuple[str, int] | None, opcua_port: int | None, batch: int) -> dict[str, object]:
    from fabnet.standards.mqtt import BrokerUnavailable, MqttPublisher
    from fabnet.standards.opcua import OpcUaTelemetryServer, ServerUnavailable

    publisher = None
    if address is not None:
        publisher = MqttPublisher(*address)
        try:
            publisher.connect()
        except BrokerUnavailable as error:
            fail(str(error))
    server = None
    if opcua_port is not None:
        server = OpcUaTelemetryServer(list(simulator.profiles.values()), "127.0.0.1", opcua_port)
        try:
            await server.start()
        except ServerUnavailable as error:
            fail(str(error))
        console.print(f"OPC UA server at {server.url}")
    samples = 0
    started = time.perf_counter()
    total = parts * machines
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task("streaming parts", total=total)
            waiting = []  # parts not yet published: `batch` rounds of one part per machine
            for n, record in enumerate(simulator.stream(parts), start=1):
                waiting.append(record)
                samples += len(record.samples)
                if server is not None:
                    await server.write_part(record)
                if n % machines == 0 or n == total:
                    if publisher is not None and (len(waiting) >= batch * machines or n == total):
                        publisher.publish([s for r in waiting for s in r.samples], batch=batch > 1)
                        waiting = []
                    progress.advance(task, machines if n % machines == 0 else n % machines)
                    if rate > 0:  # pace by rounds: one part per machine every 1/rate seconds
                        wait = started + (n / machines) / rate - time.perf_counter()
                        if wait > 0:
                            await asyncio.sleep(wait)
                    else:
                        await asyncio.sleep(0)
        if publisher is not None and not publisher.flush(30.0):
            err_console.print(f"warning: not every MQTT message was acknowledged by {address[0]}:{address[1]}")
    finally:
        if publisher is not None:
            publisher.close()
        if server is not None:
            await server.stop()
    return {"parts": total, "samples": samples, "mqtt_messages": publisher.published if publisher else 0,
            "seconds": time.perf_counter() - started}


@quality_app.command("monitor")
def monitor(
    mqtt: Annotated[str, typer.Option(help="MQTT broker host:port to subscribe to",
                                      envvar="FABNET_MQTT_URL")] = "127.0.0.1:1883",
    opcua: Annotated[str | None, typer.Option(help="subscribe to this OPC UA server (opc.tcp://host:port/fabnet/) "
                                                   "instead of MQTT")] = None,
    topic: Annotated[str, typer.Option(help="topic filter")] = "fabnet/#",
    client_id: Annotated[str, typer.Option(help="fixed client id of the persistent session")] = "fabnet-monitor",
    state: Annotated[Path | None, typer.Option(help="resume from / save the monitor state in this JSON file")] = None,
    phase1: Annotated[int, typer.Option(min=5, help="values per stream that estimate centre and σ")] = 200,
    rules: Annotated[str, typer.Option(help="extra run rules on individual values (western-electric, nelson, "
                                            "shewhart = 3σ, none); each adds false alarms")] = "none",
    duration: Annotated[float | None, typer.Option(min=0, help="stop after this many seconds")] = None,
    max_samples: Annotated[int | None, typer.Option(min=1, help="stop after this many samples")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write alarms and counts as JSON")] = None,
) -> None:
    """Watch live telemetry from MQTT: SPC rules, EWMA and CUSUM per stream; alarms with hold/flag/rework."""
    from fabnet.quality.monitor import MonitorConfig, MonitorState, StreamMonitor

    host, port = parse_address(mqtt)
    if state is not None and state.exists():
        try:
            stream_monitor = StreamMonitor.restore(MonitorState.model_validate_json(state.read_text("utf-8")))
        except ValidationError as error:
            fail(describe(error, str(state)))
        except OSError as error:
            fail(f"{state}: cannot read ({error.strerror or error})")
        console.print(f"resumed {len(stream_monitor.snapshot().streams)} streams from {state}")
    else:
        try:
            stream_monitor = StreamMonitor(MonitorConfig(phase1_samples=phase1, rules=rules))
        except ValidationError as error:
            fail(describe(error, "options"))
    alarms: list[dict[str, object]] = []
    lock = threading.Lock()
    done = threading.Event()
    counted = [0]

    def on_samples(samples: Sequence[ReceivedSample]) -> None:
        with lock:
            for s in samples:
                raised = stream_monitor.observe_values(s.machine_id, s.name, s.value, s.part_id, s.timestamp,
                                                       s.lower_limit, s.upper_limit)
                for alarm in raised:
                    alarms.append(alarm.to_dict())
                    console.print(f"[bold red]ALARM[/] {alarm.machine_id} {alarm.characteristic} "
                                  f"{alarm.rule} part {alarm.part_id} value {alarm.value:.4g}", highlight=False)
            counted[0] += len(samples)
            if max_samples is not None and counted[0] >= max_samples:
                done.set()

    if opcua is not None:
        reconnects = _watch_opcua(opcua, on_samples, done, duration)
    else:
        reconnects = _watch_mqtt(host, port, client_id, topic, on_samples, done, duration)
    with lock:
        snapshot = stream_monitor.snapshot()
    if state is not None:
        _write_json(state, json.loads(snapshot.model_dump_json()))
    console.print(f"{counted[0]} samples, {len(alarms)} alarms, {len(snapshot.streams)} streams, "
                  f"{reconnects} reconnects")
    if json_out:
        _write_json(json_out, {"samples": counted[0], "alarms": alarms, "streams": len(snapshot.streams),
                               "reconnects": reconnects})


def _watch_mqtt(host: str, port: int, client_id: str, topic: str,
                on_samples: Callable[[Sequence[ReceivedSample]], None], done: threading.Event,
                duration: float | None) -> int:
    """Ingest until done or duration; returns the number of reconnects."""
    from fabnet.standards.mqtt import BrokerUnavailable, MqttIngestor

    ingestor = MqttIngestor(host, port, client_id, on_samples, topic=topic)
    try:
        ingestor.start()
    except BrokerUnavailable as error:
        fail(str(error))
    console.print(f"monitoring {topic} on {host}:{port} as {client_id!r} (Ctrl-C to stop)")
    started = time.perf_counter()
    was_connected = True
    try:
        while not done.is_set():
            if duration is not None and time.perf_counter() - started >= duration:
                break
            done.wait(0.2)
            if was_connected != ingestor.connected.is_set():
                was_connected = ingestor.connected.is_set()
                console.print(f"broker {host}:{port} " + ("back; resuming with the kept state" if was_connected
                                                          else "lost; reconnecting with back-off"))
    except KeyboardInterrupt:
        pass
    finally:
        ingestor.stop()
    return max(0, ingestor.connects - 1)


def _watch_opcua(url: str, on_samples: Callable[[Sequence[ReceivedSample]], None], done: threading.Event,
                 duration: float | None) -> int:
    from fabnet.standards.opcua import OpcUaIngestor, ServerUnavailable

    logging.getLogger("asyncua").setLevel(logging.ERROR)
    losses = [0]  # connection losses asyncua's supervisor recovered from

    async def watch() -> None:
        ingestor = OpcUaIngestor(url, on_samples)
        try:
            await ingestor.start()
        except ServerUnavailable as error:
            fail(str(error))
        console.print(f"monitoring {url} (Ctrl-C to stop)")
        started = time.perf_counter()
        was_connected = True
        try:
            while not done.is_set():
                if duration is not None and time.perf_counter() - started >= duration:
                    break
                await asyncio.sleep(0.2)
                losses[0] = ingestor.losses
                if was_connected != ingestor.connected:
                    was_connected = ingestor.connected
                    console.print(f"server {url} " + ("back; resuming with the kept state" if was_connected
                                                      else "lost; reconnecting with back-off"))
        finally:
            await ingestor.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(watch())
    return losses[0]


@bench_app.command("monitor")
def bench_monitor(
    mqtt: Annotated[str, typer.Option(help="MQTT broker host:port")] = "127.0.0.1:1883",
    samples: Annotated[int, typer.Option(min=1000, help="samples to push through")] = 200_000,
    batch: Annotated[int, typer.Option(min=1, help="samples per MQTT message: 1 = one JSON sample object per "
                                                   "message (the telemetry payload); N = a JSON array of N")] = 1,
    connections: Annotated[int, typer.Option(min=1, max=64, help="publisher connections (machine gateways)")] = 4,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the figures as JSON")] = None,
) -> None:
    """Samples per second from MQTT (QoS 1) through the stream monitor into alarms, on one consumer core."""
    from fabnet.standards.monitor_benchmark import run_monitor_benchmark
    from fabnet.standards.mqtt import BrokerUnavailable

    host, port = parse_address(mqtt)
    with console.status(f"pushing {samples:,} samples through {host}:{port}"):
        try:
            figures = run_monitor_benchmark(host, port, samples, batch, tag=f"bench-{os.getpid()}",
                                            origin=datetime(2026, 1, 5, tzinfo=UTC), connections=connections)
        except BrokerUnavailable as error:
            fail(str(error))
    load = os.getloadavg()[0]
    console.print(f"{figures['samples_received']:,} samples in {figures['seconds']:.2f} s → "
                  f"{figures['samples_per_second']:,.0f} samples/s end to end; consumer CPU "
                  f"{figures['consumer_cpu_seconds']:.2f} s → {figures['samples_per_cpu_second']:,.0f} samples per "
                  f"CPU-second (it had {figures['consumer_core_share']:.0%} of a core); {figures['alarms']} alarms "
                  f"({figures['messages']:,} messages of {batch}; load average {load:.1f})")
    if json_out:
        _write_json(json_out, {**figures, "load_average": load})
