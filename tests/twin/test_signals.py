"""The machine-signal simulator: reproducible, faults land at the known part, bad fault specs are named."""

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.domain import Machine, MachineSkill
from fabnet.twin.signals import DRIFT_PARTS, Fault, SignalSimulator, parse_fault, profile_for

ORIGIN = datetime(2026, 1, 5, tzinfo=UTC)


def _machine(machine_id: str, skill: str, **parameters: float) -> Machine:
    return Machine(id=machine_id, company_id="acme", name=machine_id, hourly_rate_eur="80.00", power_kw=12.0,
                   skills=(MachineSkill(skill=skill, parameters=parameters),))


LASER = _machine("laser-1", "cut.laser", power_kw=6.0)
MILL = _machine("mill-1", "mill.cnc_3axis")


def test_signals_follow_the_machine_skills() -> None:
    laser, mill = profile_for(LASER), profile_for(MILL)
    assert [s.name for s in laser.signals] == ["laser_power", "temperature", "vibration"]
    assert laser.signals[0].mean == 6.0
    assert mill.signals[0].name == "spindle_load"
    char = laser.characteristics[0]
    assert char.lower < char.nominal < char.upper
    assert (char.upper - char.lower) / (6 * char.sigma) == pytest.approx(4 / 3)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_same_seed_same_stream_and_independent_of_other_machines(seed: int) -> None:
    alone = SignalSimulator.for_machines([LASER], seed=seed, origin=ORIGIN)
    together = SignalSimulator.for_machines([MILL, LASER], seed=seed, origin=ORIGIN)
    a = [s.value for r in alone.parts("laser-1", 5) for s in r.samples]
    b = [s.value for r in together.parts("laser-1", 5) for s in r.samples]
    assert a == b
    other = SignalSimulator.for_machines([LASER], seed=seed + 1, origin=ORIGIN)
    assert a != [s.value for r in other.parts("laser-1", 5) for s in r.samples]


@pytest.mark.parametrize("kind", ["shift", "drift", "variance", "spike"])
def test_fault_starts_at_its_part(kind: str) -> None:
    fault = Fault("laser-1", kind, start_part=400, magnitude={"shift": 2, "drift": 3, "variance": 3, "spike": 6}[kind])
    sim = SignalSimulator.for_machines([LASER], [fault], seed=7, origin=ORIGIN)
    records = list(sim.parts("laser-1", 800))
    assert not any(r.disturbed for r in records[:400])
    assert records[400].disturbed
    sigma = sim.profiles["laser-1"].characteristics[0].sigma
    z = (np.array([r.characteristics[0].value for r in records]) - 10.0) / sigma
    before, after = z[:400], z[400:]
    assert abs(before.mean()) < 0.2 and 0.85 < before.std() < 1.15
    if kind == "shift":
        assert after.mean() == pytest.approx(2.0, abs=0.2)
    elif kind == "drift":
        assert z[799] - z[400] == pytest.approx(3.0 * 399 / DRIFT_PARTS, abs=4)
        assert after[-100:].mean() == pytest.approx(3.0 * 350 / DRIFT_PARTS, abs=0.4)
    elif kind == "variance":
        assert after.std() == pytest.approx(3.0, rel=0.15)
    else:
        assert z[400] > 3.0
        assert 0.02 < np.mean([r.disturbed for r in records[401:]]) < 0.09


def test_stream_is_in_time_order_and_measurements_are_domain_objects() -> None:
    sim = SignalSimulator.for_machines([LASER, MILL], seed=1, origin=ORIGIN)
    records = list(sim.stream(3))
    assert [r.end for r in records] == sorted(r.end for r in records)
    assert {r.machine_id for r in records} == {"laser-1", "mill-1"}
    measurement = records[0].measurements[0]
    assert measurement.machine_id == records[0].machine_id
    assert measurement.in_specification is not None


def test_parse_fault_spec() -> None:
    assert parse_fault("laser-1:drift:10:1.5", ["laser-1"]) == Fault("laser-1", "drift", 10, 1.5)
    assert parse_fault("laser-1:shift:3").magnitude == 2.0
    with pytest.raises(ValueError, match="unknown machine 'ghost'"):
        parse_fault("ghost:shift:3", ["laser-1"])
    with pytest.raises(ValueError, match="unknown kind 'wobble'"):
        parse_fault("laser-1:wobble:3")
    with pytest.raises(ValueError, match="start part 'x'"):
        parse_fault("laser-1:shift:x")
    with pytest.raises(ValueError, match="unknown machine"):
        SignalSimulator.for_machines([LASER], [Fault("mill-1", "shift", 0, 1.0)], origin=ORIGIN)
