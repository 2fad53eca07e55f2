"""OPC UA telemetry with a real asyncua server and client: the address space, every sample, a dropped
connection, and the quality monitor fed from OPC UA."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asyncua import Client, ua
from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.domain import Machine, MachineSkill
from fabnet.standards.mqtt import ReceivedSample
from fabnet.standards.opcua import NAMESPACE_URI, OpcUaIngestor, OpcUaTelemetryServer, ServerUnavailable
from fabnet.twin.signals import Fault, SignalSimulator
from telemetry.conftest import free_port

ORIGIN = datetime(2026, 11, 30, tzinfo=UTC)


class ServerThread:
    """An OpcUaTelemetryServer running in its own event loop on a background thread (as a machine gateway)."""

    def __init__(self) -> None:
        machines = [
            Machine(id="kp-laser-1", company_id="kempenplaat", name="Laser", hourly_rate_eur="90.00", power_kw=20.0,
                    skills=(MachineSkill(skill="cut.laser", parameters={"power_kw": 6.0}),)),
            Machine(id="dd-turn-1", company_id="dommeldraai", name="Lathe", hourly_rate_eur="70.00", power_kw=15.0,
                    skills=(MachineSkill(skill="turn.cnc"),)),
        ]
        self.simulator = SignalSimulator.for_machines(machines, [Fault("dd-turn-1", "shift", 60, 5.0)], seed=5,
                                                      origin=ORIGIN)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = OpcUaTelemetryServer(list(self.simulator.profiles.values()), port=free_port())
        self.call(self.server.start())

    def call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(60)

    async def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Await work on the server's loop from another loop without blocking it."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def close(self) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def gateway() -> Iterator[ServerThread]:
    server = ServerThread()
    yield server
    server.close()


async def _wait(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline and not condition():
        await asyncio.sleep(0.05)
    return bool(condition())


def test_address_space_every_sample_and_a_dropped_connection(gateway: ServerThread) -> None:
    server = gateway.server

    async def scenario() -> None:
        received: list[ReceivedSample] = []
        ingestor = OpcUaIngestor(server.url, received.extend, publishing_ms=20)
        await ingestor.start()
        got = lambda: {(s.machine_id, s.name, s.part_id, s.value) for s in received}  # noqa: E731
        try:
            async with Client(server.url) as browser:  # the address space, as any OPC UA client sees it
                index = await browser.get_namespace_index(NAMESPACE_URI)
                laser = browser.get_node(ua.NodeId("kp-laser-1", index))
                names = {(await n.read_browse_name()).Name for n in await laser.get_children()}
                assert {"laser_power", "temperature", "vibration", "hole_diameter", "part_id"} <= names
                power = browser.get_node(ua.NodeId("kp-laser-1/laser_power", index))
                assert await power.read_data_type_as_variant_type() == ua.VariantType.Double
                assert (await power.read_description()).Text == "kW"

            records = list(gateway.simulator.stream(15))
            for record in records:
                await gateway.run(server.write_part(record))
            expected = {(r.machine_id, s.name, s.part_id, s.value) for r in records for s in r.samples}
            assert await _wait(lambda: got() >= expected)
            assert got() == expected
            sample = next(s for s in received if s.name == "shaft_diameter")
            assert sample.company_id == "dommeldraai" and sample.unit == "mm" and sample.timestamp.tzinfo is not None

            # the network drops: the client re-activates its session, and what the machines wrote meanwhile
            # waits in the server's subscription queue instead of being lost
            ingestor.drop_connection()
            later = list(gateway.simulator.stream(5))
            for record in later:
                await gateway.run(server.write_part(record))
            assert await _wait(lambda: ingestor.losses == 1 and ingestor.connected, 60)
            expected_later = {(r.machine_id, s.name, s.part_id, s.value) for r in later for s in r.samples}
            assert await _wait(lambda: got() >= expected_later)
            assert ingestor.connects == 1  # one initial connection; the rest was asyncua's supervisor
        finally:
            await ingestor.stop()

    asyncio.run(scenario())


def test_the_quality_monitor_reads_opc_ua(gateway: ServerThread, tmp_path: Path) -> None:
    stop = threading.Event()

    def machines_at_work() -> None:  # parts keep coming until the monitor has seen enough
        while not stop.is_set():
            for record in gateway.simulator.stream(1):
                gateway.call(gateway.server.write_part(record))
            stop.wait(0.01)

    worker = threading.Thread(target=machines_at_work, daemon=True)
    worker.start()
    try:
        result = CliRunner().invoke(app, ["quality", "monitor", "--opcua", gateway.server.url, "--phase1", "20",
                                          "--max-samples", "600", "--duration", "120",
                                          "--json", str(tmp_path / "alarms.json")])
    finally:
        stop.set()
        worker.join(30)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "alarms.json").read_text())
    assert report["samples"] >= 600 and report["streams"] == 8
    assert any(a["machine_id"] == "dd-turn-1" for a in report["alarms"])  # the 5σ shift from part 60


def test_an_unreachable_server_is_named() -> None:
    url = f"opc.tcp://127.0.0.1:{free_port()}/fabnet/"

    async def scenario() -> None:
        with pytest.raises(ServerUnavailable, match=url.replace(".", r"\.")):
            await OpcUaIngestor(url, lambda samples: None, timeout=1).start(attempts=2)

    asyncio.run(scenario())
    result = CliRunner().invoke(app, ["quality", "monitor", "--opcua", url, "--duration", "1"])
    assert result.exit_code == 2 and url in result.output


def _gateway_process(port: int, seed: int) -> subprocess.Popen[str]:
    """`fabnet telemetry simulate --opcua PORT` as its own process (a machine gateway one can kill)."""
    command = [sys.executable, "-c", "from fabnet.cli import app; app(prog_name='fabnet')", "telemetry", "simulate",
               "--company", "vonkwerk", "--opcua", str(port), "--parts", "100000", "--rate", "5", "--seed", str(seed)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if "OPC UA server at" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    assert ready.wait(90), "the gateway process did not start its OPC UA server"
    return process


def _vonkwerk_samples(seed: int, parts: int) -> set[tuple[str, str, str | None, float]]:
    from fabnet.scenarios.loader import load_scenario

    network = load_scenario("brainport")
    machines = [m for m in network.machines if m.company_id == "vonkwerk"]
    simulator = SignalSimulator.for_machines(machines, [], seed=seed, origin=network.origin)
    return {(s.machine_id, s.name, s.part_id, s.value) for r in simulator.stream(parts) for s in r.samples}


def test_the_ingestor_comes_back_after_the_server_process_is_killed_and_restarted() -> None:
    port = free_port()
    url = f"opc.tcp://127.0.0.1:{port}/fabnet/"
    gateway = _gateway_process(port, seed=1)
    received: list[ReceivedSample] = []
    lock = threading.Lock()

    def collect(samples: list[ReceivedSample]) -> None:
        with lock:
            received.extend(samples)

    def seen() -> set[tuple[str, str, str | None, float]]:
        with lock:
            return {(s.machine_id, s.name, s.part_id, s.value) for s in received}

    async def scenario() -> None:
        ingestor = OpcUaIngestor(url, collect, publishing_ms=50, max_backoff=2.0, timeout=2.0)
        await ingestor.start(attempts=5)
        try:
            assert await _wait(lambda: len(seen() & _first_parts[1]) > 20, 60)
            gateway.kill()  # the gateway dies without a goodbye ...
            gateway.wait(10)
            assert await _wait(lambda: not ingestor.connected, 30)
            await asyncio.sleep(3)  # ... stays away for a while (the client keeps retrying with back-off) ...
            restarted = _gateway_process(port, seed=2)  # ... and comes back on the same port with new values
            try:
                assert await _wait(lambda: ingestor.connected and len(seen() & _first_parts[2]) > 20, 90)
            finally:
                restarted.kill()
                restarted.wait(10)
            assert ingestor.losses >= 1 and ingestor.connects == 1  # asyncua's supervisor did the reconnecting
            assert all(s.value != 0.0 for s in received)  # no placeholder value of the fresh server as a sample
        finally:
            await ingestor.stop()

    _first_parts = {1: _vonkwerk_samples(1, 30), 2: _vonkwerk_samples(2, 30)}
    try:
        asyncio.run(scenario())
    finally:
        if gateway.poll() is None:
            gateway.kill()
