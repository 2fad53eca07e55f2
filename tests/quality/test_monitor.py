"""The stream monitor: phase I, the schemes, actions, independent streams, and snapshot / restore."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.domain.part import Measurement
from fabnet.quality.monitor import (
    Alarm,
    CusumDesign,
    EwmaDesign,
    FlagMachine,
    HoldPart,
    KnownLimits,
    MonitorConfig,
    MonitorState,
    ReworkRequest,
    StreamMonitor,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def feed(monitor: StreamMonitor, values, machine: str = "laser-1", characteristic: str = "hole_diameter",
         start: int = 0) -> list[tuple[int, Alarm]]:
    out = []
    for i, value in enumerate(values, start=start):
        for alarm in monitor.observe_values(machine, characteristic, float(value), f"p-{i}", float(i)):
            out.append((i, alarm))
    return out


def test_phase_one_learns_the_limits_and_raises_nothing() -> None:
    rng = np.random.default_rng(0)
    monitor = StreamMonitor(MonitorConfig(phase1_samples=50))
    assert feed(monitor, 10 + 0.02 * rng.normal(size=50)) == []
    center, sigma = monitor.limits("laser-1", "hole_diameter")
    assert center == pytest.approx(10.0, abs=0.01)
    assert sigma == pytest.approx(0.02, rel=0.3)
    assert monitor.limits("laser-1", "other") is None


def test_a_shift_is_detected_and_the_actions_hold_and_flag() -> None:
    rng = np.random.default_rng(1)
    config = MonitorConfig(limits=(KnownLimits(machine_id="laser-1", characteristic="hole_diameter",
                                               center=10.0, sigma=0.02),))
    monitor = StreamMonitor(config)
    values = 10 + 0.02 * rng.normal(size=300)
    values[200:] += 0.04  # a 2σ shift
    alarms = feed(monitor, values)
    first_after = min(i for i, _ in alarms if i >= 200)
    assert first_after - 200 < 20
    index, alarm = next((i, a) for i, a in alarms if i == first_after)
    assert alarm.part_id == f"p-{index}" and alarm.machine_id == "laser-1"
    assert HoldPart(f"p-{index}") in alarm.actions and FlagMachine("laser-1") in alarm.actions
    assert not any(isinstance(a, ReworkRequest) for a in alarm.actions)
    assert alarm.rule in {"SHEWHART", "EWMA"}  # the default scheme: 3.5σ on single values and the EWMA


def test_out_of_specification_asks_for_rework_through_the_measurement_path() -> None:
    config = MonitorConfig(phase1_samples=5, actions={"rework_operations": {"hole_diameter": "op-rework-ream"}})
    monitor = StreamMonitor(config)

    def measurement(i: int, value: float) -> Measurement:
        return Measurement(characteristic="hole_diameter", value=value, timestamp=T0 + timedelta(minutes=i),
                           part_id=f"p-{i}", machine_id="laser-1", lower_limit=9.9, upper_limit=10.1)

    alarms = [a for i, v in enumerate([10.0, 10.01, 9.99, 10.0, 10.02]) for a in monitor.observe(measurement(i, v))]
    assert alarms == []
    alarms = monitor.observe(measurement(5, 10.2))
    spec = next(a for a in alarms if a.rule == "SPEC")
    assert spec.timestamp == T0 + timedelta(minutes=5)
    assert spec.actions == (HoldPart("p-5"), ReworkRequest("p-5", "laser-1", "op-rework-ream"))
    assert spec.to_dict()["actions"][1] == {"action": "ReworkRequest", "part_id": "p-5", "machine_id": "laser-1",
                                            "operation": "op-rework-ream"}


def test_streams_are_independent() -> None:
    rng = np.random.default_rng(2)
    monitor = StreamMonitor(MonitorConfig(phase1_samples=30))
    feed(monitor, 5 + rng.normal(size=30), machine="a")
    feed(monitor, 50 + 10 * rng.normal(size=30), machine="b")
    assert monitor.limits("a", "hole_diameter")[0] == pytest.approx(5, abs=1)
    assert monitor.limits("b", "hole_diameter")[0] == pytest.approx(50, abs=10)
    # a value normal for b is far out for a
    assert monitor.observe_values("b", "hole_diameter", 55.0) == []
    assert any(a.rule == "SHEWHART" for a in monitor.observe_values("a", "hole_diameter", 55.0))


def test_in_control_false_alarm_rate_matches_the_schemes() -> None:
    # known limits, 3σ only: ARL0 370 → about 27 alarms per 10,000
    rng = np.random.default_rng(3)
    config = MonitorConfig(shewhart_limit=None, rules="shewhart", ewma=None, cusum=None,
                           limits=(KnownLimits(machine_id="m", characteristic="c", center=0, sigma=1),))
    monitor = StreamMonitor(config)
    alarms = feed(monitor, rng.normal(size=40_000), machine="m", characteristic="c")
    assert len(alarms) == pytest.approx(40_000 * 0.0027, rel=0.25)


def test_reset_after_alarm_restarts_the_cusum() -> None:
    limits = (KnownLimits(machine_id="m", characteristic="c", center=0, sigma=1),)
    cusum = CusumDesign()
    resetting = StreamMonitor(MonitorConfig(shewhart_limit=None, ewma=None, cusum=cusum, limits=limits))
    keeping = StreamMonitor(MonitorConfig(shewhart_limit=None, ewma=None, cusum=cusum, limits=limits,
                                          reset_after_alarm=False))
    values = [2.0] * 10
    assert [i for i, _ in feed(resetting, values, "m", "c")] == [3, 7]  # C+ grows 1.5 a point: > 5 at the 4th
    assert [i for i, _ in feed(keeping, values, "m", "c")] == [3, 4, 5, 6, 7, 8, 9]


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.sampled_from(["nelson", "western-electric"]))
def test_snapshot_and_restore_continue_exactly(split: int, rules: str) -> None:
    rng = np.random.default_rng(split)
    values = rng.normal(size=400)
    values[250:] += np.linspace(0, 3, 150)
    config = MonitorConfig(phase1_samples=40, rules=rules, cusum=CusumDesign())
    whole = StreamMonitor(config)
    expected = [(i, a.rule) for i, a in feed(whole, values)]
    first = StreamMonitor(config)
    got = [(i, a.rule) for i, a in feed(first, values[:split])]
    state = MonitorState.model_validate_json(first.snapshot().model_dump_json())  # as if persisted
    second = StreamMonitor.restore(state)
    got += [(i, a.rule) for i, a in feed(second, values[split:], start=split)]
    assert got == expected
    assert second.samples == whole.samples == 400


def test_bad_configuration_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown rule set"):
        MonitorConfig(rules="westernelectric")
    with pytest.raises(ValueError):
        KnownLimits(machine_id="m", characteristic="c", center=0, sigma=0)


def test_the_default_scheme_keeps_false_alarms_below_a_3_sigma_chart() -> None:
    """Known limits: 3.5σ on single values plus EWMA λ=0.10, L=3.0 has an in-control ARL of about 650, so
    fewer false alarms than the textbook 3σ chart (ARL 370) — while the run rules and CUSUM stay opt-in."""
    rng = np.random.default_rng(4)
    limits = (KnownLimits(machine_id="m", characteristic="c", center=0, sigma=1),)
    values = rng.normal(size=100_000)
    default = len(feed(StreamMonitor(MonitorConfig(limits=limits)), values, "m", "c"))
    everything = len(feed(StreamMonitor(MonitorConfig(limits=limits, shewhart_limit=None, rules="western-electric",
                                                      cusum=CusumDesign())), values, "m", "c"))
    assert 100_000 / 370 * 0.35 < default < 100_000 / 370  # ≈ 150: fewer than the 3σ chart's ≈ 270
    assert everything > 4 * default  # the old all-rules default: ARL0 ≈ 65


def test_a_version_1_state_restores_with_the_schemes_it_ran() -> None:
    """Snapshots from before the default changed keep their western-electric + EWMA + CUSUM monitor."""
    old = MonitorConfig(phase1_samples=30, shewhart_limit=None, rules="western-electric", ewma=EwmaDesign(),
                        cusum=CusumDesign())
    state = json.loads(MonitorState(config=old, samples=0, streams=[]).model_dump_json())
    state["version"] = 1
    del state["config"]["shewhart_limit"]
    restored = StreamMonitor.restore(MonitorState.model_validate(state))
    assert restored.config == old
