"""Schedules: which machine runs which operation when, in minutes from the horizon start."""

from datetime import datetime
from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from fabnet.domain.base import DomainModel, Identifier, NonNegativeInt


class ScheduledOperation(DomainModel):
    operation_id: Identifier
    machine_id: Identifier
    start: NonNegativeInt
    end: NonNegativeInt

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"operation {self.operation_id!r}: end {self.end} before start {self.start}")
        return self


class Schedule(DomainModel):
    """A company's schedule for a horizon that starts at `origin`."""

    company_id: Identifier
    origin: AwareDatetime
    operations: tuple[ScheduledOperation, ...] = ()
    status: str = Field(default="FEASIBLE", pattern=r"^(OPTIMAL|FEASIBLE|INFEASIBLE|UNKNOWN)$")
    objective: float | None = None

    @property
    def makespan(self) -> int:
        return max((op.end for op in self.operations), default=0)

    def at(self, minute: int) -> datetime:
        from datetime import timedelta

        return self.origin + timedelta(minutes=minute)
