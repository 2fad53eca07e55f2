"""Part genealogy: collects a part's route, signal summaries, measurements and the monitor's alarms into a Part.

The recorder is fed as the floor runs (O(1) per signal sample: running mean / min / max / variance per route
step and signal) and assembles the frozen `fabnet.domain.Part` that the AAS passport export turns into a
digital product passport.
"""

from dataclasses import dataclass, field
from math import sqrt

from pydantic import BaseModel, ConfigDict, Field

from fabnet.domain.part import Measurement, Part, PartVerdict, RouteStep
from fabnet.quality.monitor import Alarm, HoldPart, ReworkRequest


class PartIdentity(BaseModel):
    """Who the part is and what its energy costs in CO2."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    part_id: str
    order_id: str
    design_id: str
    serial: str
    material_lot: str = ""
    grid_kg_co2_per_kwh: float = Field(ge=0, description="emission factor of the electricity used")


@dataclass
class SignalSummary:
    """Running statistics of one signal during one route step (Welford's update, numerically stable)."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = float("inf")
    maximum: float = float("-inf")

    def add(self, value: float) -> None:
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self.m2 += delta * (value - self.mean)
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)

    def as_fields(self, signal: str) -> dict[str, float]:
        std = sqrt(self.m2 / (self.count - 1)) if self.count > 1 else 0.0
        return {
            f"{signal}.count": float(self.count), f"{signal}.mean": self.mean, f"{signal}.std": std,
            f"{signal}.min": self.minimum, f"{signal}.max": self.maximum,
        }


@dataclass
class _PartRecord:
    steps: list[RouteStep] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    signals: dict[tuple[str, str], SignalSummary] = field(default_factory=dict)
    alarms: list[Alarm] = field(default_factory=list)


class GenealogyRecorder:
    """Everything known about each part so far; `part()` assembles the domain Part."""

    def __init__(self) -> None:
        self._parts: dict[str, _PartRecord] = {}

    def _record(self, part_id: str) -> _PartRecord:
        record = self._parts.get(part_id)
        if record is None:
            record = self._parts[part_id] = _PartRecord()
        return record

    def record_step(self, part_id: str, step: RouteStep) -> None:
        self._record(part_id).steps.append(step)

    def record_measurement(self, measurement: Measurement) -> None:
        if measurement.part_id is None:
            raise ValueError(f"measurement {measurement.characteristic!r}: no part_id, cannot join a genealogy")
        self._record(measurement.part_id).measurements.append(measurement)

    def record_signal(self, part_id: str, operation_id: str, signal: str, value: float) -> None:
        signals = self._record(part_id).signals
        summary = signals.get((operation_id, signal))
        if summary is None:
            summary = signals[(operation_id, signal)] = SignalSummary()
        summary.add(value)

    def record_alarm(self, alarm: Alarm) -> None:
        """Keep an alarm for every part it names (its own, or the ones its actions hold / rework)."""
        parts = {alarm.part_id} if alarm.part_id else set()
        parts |= {a.part_id for a in alarm.actions if isinstance(a, HoldPart | ReworkRequest)}
        for part_id in parts:
            self._record(part_id).alarms.append(alarm)

    def alarms(self, part_id: str) -> list[Alarm]:
        return list(self._parts.get(part_id, _PartRecord()).alarms)

    def verdict(self, part_id: str) -> PartVerdict:
        """Rework if asked, held if an alarm held it, scrapped if out of specification with no rework asked,
        accepted if measured and clean, pending when nothing was measured yet."""
        record = self._parts.get(part_id)
        if record is None:
            return PartVerdict.PENDING
        actions = [a for alarm in record.alarms for a in alarm.actions if getattr(a, "part_id", None) == part_id]
        if any(isinstance(a, ReworkRequest) for a in actions):
            return PartVerdict.REWORK
        if any(m.in_specification is False for m in record.measurements):
            return PartVerdict.SCRAPPED
        if any(isinstance(a, HoldPart) for a in actions):
            return PartVerdict.HELD
        return PartVerdict.ACCEPTED if record.measurements else PartVerdict.PENDING

    def part(self, identity: PartIdentity) -> Part:
        """The part as made: route steps (with their signal summaries), measurements, verdict and CO2."""
        record = self._parts.get(identity.part_id, _PartRecord())
        route = []
        for step in sorted(record.steps, key=lambda s: s.start):
            summary = dict(step.signals_summary)
            for (operation_id, signal), stats in sorted(record.signals.items()):
                if operation_id == step.operation_id:
                    summary.update(stats.as_fields(signal))
            route.append(step.model_copy(update={"signals_summary": summary}))
        energy = sum(step.energy_kwh for step in route)
        return Part(
            id=identity.part_id, order_id=identity.order_id, design_id=identity.design_id, serial=identity.serial,
            material_lot=identity.material_lot, route=tuple(route), measurements=tuple(record.measurements),
            verdict=self.verdict(identity.part_id), co2_kg=energy * identity.grid_kg_co2_per_kwh,
        )
