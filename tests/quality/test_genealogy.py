"""Part genealogy: the recorder assembles route, signal summaries, measurements, verdict and CO2 into a Part."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from fabnet.domain.part import Measurement, PartVerdict, RouteStep
from fabnet.quality.genealogy import GenealogyRecorder, PartIdentity
from fabnet.quality.monitor import KnownLimits, MonitorConfig, StreamMonitor

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def identity(part_id: str) -> PartIdentity:
    return PartIdentity(part_id=part_id, order_id="o-1", design_id="d-bracket", serial=part_id.upper(),
                        material_lot="lot-42", grid_kg_co2_per_kwh=0.3)


def step(operation: str, machine: str, minute: int, kwh: float) -> RouteStep:
    return RouteStep(operation_id=operation, machine_id=machine, start=T0 + timedelta(minutes=minute),
                     end=T0 + timedelta(minutes=minute + 5), energy_kwh=kwh, instructions={"program": "auto"})


def measured(part: str, value: float) -> Measurement:
    return Measurement(characteristic="hole_diameter", value=value, timestamp=T0, part_id=part,
                       machine_id="laser-1", lower_limit=9.9, upper_limit=10.1)


def test_a_clean_part_is_accepted_with_its_route_summaries_and_co2() -> None:
    recorder = GenealogyRecorder()
    recorder.record_step("p-1", step("op-bend", "press-1", 10, 0.5))
    recorder.record_step("p-1", step("op-cut", "laser-1", 0, 1.5))
    power = [4.0, 4.1, 3.9, 4.05]
    for value in power:
        recorder.record_signal("p-1", "op-cut", "laser_power", value)
    recorder.record_measurement(measured("p-1", 10.02))
    part = recorder.part(identity("p-1"))
    assert [s.operation_id for s in part.route] == ["op-cut", "op-bend"]  # in time order
    summary = part.route[0].signals_summary
    assert summary["laser_power.mean"] == pytest.approx(np.mean(power))
    assert summary["laser_power.std"] == pytest.approx(np.std(power, ddof=1))
    assert summary["laser_power.max"] == 4.1 and summary["laser_power.count"] == 4
    assert part.route[1].signals_summary == {}
    assert part.verdict is PartVerdict.ACCEPTED
    assert part.co2_kg == pytest.approx(2.0 * 0.3)
    assert part.material_lot == "lot-42" and len(part.measurements) == 1
    assert type(part).model_validate_json(part.model_dump_json()) == part


def test_monitor_alarms_decide_the_verdict() -> None:
    monitor = StreamMonitor(MonitorConfig(limits=(KnownLimits(machine_id="laser-1", characteristic="hole_diameter",
                                                              center=10.0, sigma=0.02),)))
    recorder = GenealogyRecorder()
    for part, value in (("p-ok", 10.0), ("p-signal", 10.07), ("p-spec", 10.15)):
        m = measured(part, value)
        recorder.record_measurement(m)
        for alarm in monitor.observe(m):
            recorder.record_alarm(alarm)
    assert recorder.verdict("p-ok") is PartVerdict.ACCEPTED
    assert recorder.verdict("p-signal") is PartVerdict.HELD  # 3.5σ: in spec, but the process moved
    assert recorder.verdict("p-spec") is PartVerdict.REWORK
    assert recorder.verdict("p-never-seen") is PartVerdict.PENDING
    assert {a.rule for a in recorder.alarms("p-spec")} >= {"SPEC"}


def test_out_of_spec_without_rework_is_scrapped() -> None:
    monitor = StreamMonitor(MonitorConfig(phase1_samples=5, actions={"rework_out_of_spec": False}))
    recorder = GenealogyRecorder()
    m = measured("p-bad", 9.5)
    recorder.record_measurement(m)
    for alarm in monitor.observe(m):
        recorder.record_alarm(alarm)
    assert recorder.verdict("p-bad") is PartVerdict.SCRAPPED


def test_a_measurement_without_part_is_refused() -> None:
    with pytest.raises(ValueError, match="no part_id"):
        GenealogyRecorder().record_measurement(Measurement(characteristic="x", value=1.0, timestamp=T0))
