"""The network demo's telemetry path: simulated parts published over MQTT come back to the monitor unchanged, through
the broker on 127.0.0.1:1883 or, where none answers, an amqtt broker started in process."""

import pytest

from conftest import reachable
from fabnet.scenarios import load_scenario
from fabnet.scenarios.demo.zero_defects import PHASE1_PARTS
from fabnet.scenarios.demo_network.telemetry import mqtt_broker, mqtt_carrier, node_broker, node_settings
from fabnet.twin.signals import Fault, SignalSimulator

CLOSED_PORT = ("127.0.0.1", 9)


def _parts(count: int) -> tuple[str, list]:
    network = load_scenario("brainport")
    machine = network.machines[0]
    simulator = SignalSimulator.for_machines([machine], [Fault(machine.id, "drift", 1, 3.0)], seed=7,
                                             origin=network.origin)
    return machine.company_id, [simulator.next_part(machine.id) for _ in range(count)]


@pytest.mark.parametrize("preferred", [CLOSED_PORT, ("127.0.0.1", 1883)], ids=["in-process", "mosquitto"])
def test_parts_come_back_over_mqtt_unchanged(preferred: tuple[str, int]) -> None:
    if preferred[1] == 1883 and not reachable(*preferred):
        pytest.skip("no MQTT broker on 127.0.0.1:1883")
    company_id, parts = _parts(5)
    with mqtt_broker(preferred) as broker, mqtt_carrier(broker, company_id) as carrier:
        assert broker.kind == ("in-process" if preferred == CLOSED_PORT else "external")
        received = [carrier(part) for part in parts]
    assert received == parts
    assert carrier.received == sum(len(p.samples) for p in parts) and carrier.published == len(parts) * len(
        {s.name for s in parts[0].samples})


def test_the_nodes_watch_telemetry_only_with_a_running_broker() -> None:
    assert node_broker(CLOSED_PORT) is None and node_settings(None) == {}  # the demo keeps its own monitor then
    settings = node_settings(("127.0.0.1", 1883))
    assert settings["mqtt_url"] == "mqtt://127.0.0.1:1883" and settings["monitor_phase1_samples"] == PHASE1_PARTS
    if reachable("127.0.0.1", 1883):
        assert node_broker(("127.0.0.1", 1883)) == ("127.0.0.1", 1883)
