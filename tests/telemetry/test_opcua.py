"""OPC UA telemetry with a real asyncua server and client: the address space, every sample, a server restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from asyncua import Client, ua

from fabnet.domain import Machine, MachineSkill
from fabnet.standards.mqtt import ReceivedSample
from fabnet.standards.opcua import NAMESPACE_URI, OpcUaIngestor, OpcUaTelemetryServer, ServerUnavailable
from fabnet.twin.signals import SignalSimulator
from telemetry.conftest import free_port

ORIGIN = datetime(2026, 11, 30, tzinfo=UTC)


def _simulator() -> SignalSimulator:
    machines = [
        Machine(id="kp-laser-1", company_id="kempenplaat", name="Laser", hourly_rate_eur="90.00", power_kw=20.0,
                skills=(MachineSkill(skill="cut.laser", parameters={"power_kw": 6.0}),)),
        Machine(id="dd-turn-1", company_id="dommeldraai", name="Lathe", hourly_rate_eur="70.00", power_kw=15.0,
                skills=(MachineSkill(skill="turn.cnc"),)),
    ]
    return SignalSimulator.for_machines(machines, seed=5, origin=ORIGIN)


async def _wait(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline and not condition():
        await asyncio.sleep(0.05)
    return bool(condition())


def test_server_ingestor_and_restart() -> None:
    async def scenario() -> None:
        simulator = _simulator()
        port = free_port()
        server = OpcUaTelemetryServer(list(simulator.profiles.values()), port=port)
        await server.start()
        received: list[ReceivedSample] = []
        ingestor = OpcUaIngestor(server.url, received.extend, publishing_ms=20)
        await ingestor.start()
        try:
            # the address space, as any OPC UA client sees it
            async with Client(server.url) as browser:
                index = await browser.get_namespace_index(NAMESPACE_URI)
                laser = browser.get_node(ua.NodeId("kp-laser-1", index))
                names = {(await n.read_browse_name()).Name for n in await laser.get_children()}
                assert {"laser_power", "temperature", "vibration", "hole_diameter", "part_id"} <= names
                power = browser.get_node(ua.NodeId("kp-laser-1/laser_power", index))
                assert await power.read_data_type_as_variant_type() == ua.VariantType.Double
                assert (await power.read_description()).Text == "kW"

            records = list(simulator.stream(15))
            for record in records:
                await server.write_part(record)
            expected = {(r.machine_id, s.name, s.part_id, s.value) for r in records for s in r.samples}
            got = lambda: {(s.machine_id, s.name, s.part_id, s.value) for s in received}  # noqa: E731
            assert await _wait(lambda: got() >= expected)
            assert got() == expected
            sample = next(s for s in received if s.name == "shaft_diameter")
            assert sample.company_id == "dommeldraai" and sample.unit == "mm" and sample.timestamp.tzinfo is not None

            # the server stops listening and comes back: the client re-activates its session, and what the
            # machines wrote meanwhile waits in the subscription's queue instead of being lost
            await server.stop()
            assert await _wait(lambda: not ingestor.connected)
            later = list(simulator.stream(5))
            for record in later:
                await server.write_part(record)
            await server.start()
            assert await _wait(lambda: ingestor.connected, 60)
            expected_later = {(r.machine_id, s.name, s.part_id, s.value) for r in later for s in r.samples}
            assert await _wait(lambda: got() >= expected_later)
            assert ingestor.connects == 1  # one initial connection; the rest was asyncua's supervisor
        finally:
            await ingestor.stop()
            await server.stop()

    asyncio.run(scenario())


def test_an_unreachable_server_is_named() -> None:
    url = f"opc.tcp://127.0.0.1:{free_port()}/fabnet/"

    async def scenario() -> None:
        with pytest.raises(ServerUnavailable, match=url.replace(".", r"\.")):
            await OpcUaIngestor(url, lambda samples: None, timeout=1).start(attempts=2)

    asyncio.run(scenario())
