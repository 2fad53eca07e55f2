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
from dataclasses import dataclass
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
    from fabnet.standards.mqtt_session import BrokerSecurity

app = group("telemetry", "Machine-signal simulator over OPC UA and MQTT.")

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="read the mqtt_* settings (URL, username, password, TLS files) from this node config file")]
UsernameOption = Annotated[str | None, typer.Option(
    "--mqtt-username", help="MQTT username; the password comes from FABNET_MQTT_PASSWORD or the --config file")]
CaOption = Annotated[Path | None, typer.Option(
    "--mqtt-ca-file", help="PEM file of the CA that signed an mqtts:// broker's certificate (default: the system's)")]
CertOption = Annotated[Path | None, typer.Option("--mqtt-cert-file", help="PEM client certificate for mqtts://")]
KeyOption = Annotated[Path | None, typer.Option("--mqtt-key-file", help="PEM key of the client certificate")]


@dataclass(frozen=True)
class Broker:
    """Where a telemetry command connects and how it signs in."""

    host: str
    port: int
    security: BrokerSecurity

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def broker_settings(config: Path | None, mqtt: str | None, username: str | None, ca_file: Path | None,
                    cert_file: Path | None, key_file: Path | None, *, default: str | None = None) -> Broker | None:
    """The broker from flags over FABNET_MQTT_* over the --config file (None when no URL is set anywhere and there
    is no `default`); a one-line error naming the flag, variable or file otherwise."""
    from fabnet.service.node_config import ConfigError, load_mqtt_settings

    if mqtt is not None:
        parse_address(mqtt)  # the flag's own one-line error
    try:
        settings = load_mqtt_settings(config, mqtt_url=mqtt, mqtt_username=username, mqtt_ca_file=ca_file,
                                      mqtt_cert_file=cert_file, mqtt_key_file=key_file)
        if settings.mqtt_url is None and default is not None:
            settings = settings.model_copy(update={"mqtt_url": default})
    except ConfigError as error:
        fail(str(error))
    address = settings.mqtt
    if address is None:
        return None
    return Broker(address.host, address.port, settings.mqtt_security)


def parse_address(text: str, option: str = "--mqtt") -> tuple[str, int]:
    """`host:port`, `mqtt://host:port` (port defaults to 1883) or `mqtts://host:port` (8883); a one-line error
    naming the option otherwise."""
    default_port = "8883" if text.startswith("mqtts://") else "1883"
    text = text.removeprefix("mqtts://").removeprefix("mqtt://").rstrip("/")
    host, _, port_text = text.rpartition(":") if ":" in text else (text, "", default_port)
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
    mqtt: Annotated[str | None, typer.Option(help="MQTT broker to publish to: host:port, mqtt://host:port or "
                                                  "mqtts://host:port (TLS); default FABNET_MQTT_URL")] = None,
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
    config: ConfigOption = None,
    mqtt_username: UsernameOption = None,
    mqtt_ca_file: CaOption = None,
    mqtt_cert_file: CertOption = None,
    mqtt_key_file: KeyOption = None,
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
    broker = broker_settings(config, mqtt, mqtt_username, mqtt_ca_file, mqtt_cert_file, mqtt_key_file)
    if broker is None and opcua is None:
        fail("--mqtt or --opcua: name at least one place to send the signals")
    simulator = SignalSimulator.for_machines(machines, faults, seed=seed, origin=network.origin)
    summary = asyncio.run(_stream(simulator, len(machines), parts, rate, broker, opcua, batch))
    console.print(f"sent {summary['parts']} parts, {summary['samples']} samples "
                  f"({summary['mqtt_messages']} MQTT messages) in {summary['seconds']:.1f} s")
    if json_out:
        _write_json(json_out, {**summary, "faults": [vars(f) for f in faults], "scenario": scenario, "seed": seed})


async def _stream(simulator: SignalSimulator, machines: int, parts: int, rate: float,
                  broker: Broker | None, opcua_port: int | None, batch: int) -> dict[str, object]:
    from fabnet.standards.mqtt import BrokerUnavailable, MqttPublisher
    from fabnet.standards.opcua import OpcUaTelemetryServer, ServerUnavailable

    publisher = None
    if broker is not None:
        try:
            publisher = MqttPublisher(broker.host, broker.port, security=broker.security)
            publisher.connect()
        except (BrokerUnavailable, ValueError) as error:
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
            err_console.print(f"warning: not every MQTT message was acknowledged by {broker.address}")
    finally:
        if publisher is not None:
            publisher.close()
        if server is not None:
            await server.stop()
    return {"parts": total, "samples": samples, "mqtt_messages": publisher.published if publisher else 0,
            "seconds": time.perf_counter() - started}


@quality_app.command("monitor")
def monitor(
    mqtt: Annotated[str | None, typer.Option(help="MQTT broker to subscribe to: host:port, mqtt://host:port or "
                                                  "mqtts://host:port (TLS); default FABNET_MQTT_URL, else "
                                                  "127.0.0.1:1883")] = None,
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
    config: ConfigOption = None,
    mqtt_username: UsernameOption = None,
    mqtt_ca_file: CaOption = None,
    mqtt_cert_file: CertOption = None,
    mqtt_key_file: KeyOption = None,
) -> None:
    """Watch live telemetry from MQTT: SPC rules, EWMA and CUSUM per stream; alarms with hold/flag/rework."""
    from fabnet.quality.monitor import MonitorConfig, MonitorState, StreamMonitor
    from fabnet.service.node_config import DEFAULT_MQTT_URL

    broker = None
    if opcua is None:
        broker = broker_settings(config, mqtt, mqtt_username, mqtt_ca_file, mqtt_cert_file, mqtt_key_file,
                                 default=DEFAULT_MQTT_URL)
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
        assert broker is not None
        reconnects = _watch_mqtt(broker, client_id, topic, on_samples, done, duration)
    with lock:
        snapshot = stream_monitor.snapshot()
    if state is not None:
        _write_json(state, json.loads(snapshot.model_dump_json()))
    console.print(f"{counted[0]} samples, {len(alarms)} alarms, {len(snapshot.streams)} streams, "
                  f"{reconnects} reconnects")
    if json_out:
        _write_json(json_out, {"samples": counted[0], "alarms": alarms, "streams": len(snapshot.streams),
                               "reconnects": reconnects})


def _watch_mqtt(broker: Broker, client_id: str, topic: str,
                on_samples: Callable[[Sequence[ReceivedSample]], None], done: threading.Event,
                duration: float | None) -> int:
    """Ingest until done or duration; returns the number of reconnects."""
    from fabnet.standards.mqtt import BrokerUnavailable, MqttIngestor

    ingestor = MqttIngestor(broker.host, broker.port, client_id, on_samples, topic=topic, security=broker.security)
    try:
        ingestor.start()
    except (BrokerUnavailable, ValueError) as error:
        fail(str(error))
    host, port = broker.host, broker.port
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
