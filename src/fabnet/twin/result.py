"""What one twin replication produced: operations as run, per-job completion, per-machine time, energy, material."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class OperationRun:
    """An operation as the twin ran it, next to its plan (minutes from the horizon start)."""

    id: str
    job: str
    machine: str
    planned_start: int
    planned_end: int
    start: float
    end: float
    setup_start: float
    setup_minutes: float
    attempts: int = 1
    scrapped: int = 0
    reworked: int = 0
    breakdowns: int = 0


@dataclass(frozen=True, slots=True)
class JobRun:
    id: str
    completion: float
    due: int | None
    weight: int

    @property
    def tardiness(self) -> float:
        return max(0.0, self.completion - self.due) if self.due is not None else 0.0

    @property
    def on_time(self) -> bool:
        return self.due is None or self.completion <= self.due


@dataclass(frozen=True, slots=True)
class MachineRun:
    """Where a machine's time went, with OEE = availability × performance × quality.

    Loading time is the time the machine was committed to work (setups, processing, repairs). Availability is
    the share of it spent processing; performance is planned over actual processing minutes (capped at 1);
    quality is first-time-right operations over all processed attempts.
    """

    id: str
    available_minutes: float
    processing_minutes: float
    planned_processing_minutes: float
    setup_minutes: float
    down_minutes: float
    operations: int
    attempts: int
    good: int
    energy_kwh: float
    material_used_kg: float
    material_scrapped_kg: float
    breakdowns: int

    @property
    def utilisation(self) -> float:
        return self.processing_minutes / self.available_minutes if self.available_minutes > 0 else 0.0

    @property
    def availability(self) -> float:
        loading = self.processing_minutes + self.setup_minutes + self.down_minutes
        return self.processing_minutes / loading if loading > 0 else 1.0

    @property
    def performance(self) -> float:
        if self.processing_minutes <= 0:
            return 1.0
        return min(1.0, self.planned_processing_minutes / self.processing_minutes)

    @property
    def quality(self) -> float:
        return self.good / self.attempts if self.attempts else 1.0

    @property
    def oee(self) -> float:
        return self.availability * self.performance * self.quality


@dataclass(frozen=True, slots=True)
class Disruption:
    """An event the floor raises for rescheduling: a breakdown (machine down for `minutes`) or a rework."""

    kind: Literal["breakdown", "rework"]
    time: float
    machine: str
    operation: str | None
    minutes: float


@dataclass(frozen=True)
class ReplicationResult:
    """One replication: every operation as run, per job and per machine, and the events the twin processed."""

    seed: int
    repaired: bool
    operations: tuple[OperationRun, ...]
    jobs: tuple[JobRun, ...]
    machines: tuple[MachineRun, ...]
    disruptions: tuple[Disruption, ...]
    events: int
    makespan: float
    repairs: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def total_weighted_tardiness(self) -> float:
        return sum(job.weight * job.tardiness for job in self.jobs)

    def to_json_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["total_weighted_tardiness"] = self.total_weighted_tardiness
        for machine, record in zip(data["machines"], self.machines, strict=True):
            machine.update(utilisation=record.utilisation, availability=record.availability,
                           performance=record.performance, quality=record.quality, oee=record.oee)
        return data
