"""Machines: their skills with parameter ranges, rates, power, shift calendar, maintenance, changeovers."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Self, TypeVar

from pydantic import AfterValidator, Field, model_validator

from fabnet.domain.base import DomainModel, Identifier, NonNegativeFloat, NonNegativeInt, PositiveFloat
from fabnet.domain.skills import skill_definition


def _known_skill(code: str) -> str:
    skill_definition(code)
    return code


SkillCode = Annotated[str, AfterValidator(_known_skill)]


class MachineSkill(DomainModel):
    """A skill a machine has, bounded by the ranges it can handle."""

    skill: SkillCode
    materials: tuple[str, ...] = Field(default=(), description="materials it handles; empty = any")
    min_thickness_mm: NonNegativeFloat = 0.0
    max_thickness_mm: PositiveFloat | None = None
    envelope_mm: tuple[PositiveFloat, PositiveFloat, PositiveFloat] | None = Field(
        default=None, description="work envelope x, y, z in mm"
    )
    tolerance_mm: PositiveFloat | None = Field(default=None, description="best achievable tolerance (± mm)")
    parameters: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ranges_in_order(self) -> Self:
        if self.max_thickness_mm is not None and self.min_thickness_mm > self.max_thickness_mm:
            raise ValueError(
                f"thickness range is inverted: min_thickness_mm {self.min_thickness_mm} > "
                f"max_thickness_mm {self.max_thickness_mm}"
            )
        return self

    def handles_material(self, material: str) -> bool:
        return not self.materials or material in self.materials

    def fits_envelope(self, size_mm: tuple[float, float, float]) -> bool:
        """True when the part fits the envelope in some axis-aligned orientation."""
        if self.envelope_mm is None:
            return True
        return all(p <= e for p, e in zip(sorted(size_mm), sorted(self.envelope_mm), strict=True))


class Shift(DomainModel):
    """A working period on given weekdays, in minutes after midnight (end may pass midnight: up to 2880)."""

    weekdays: tuple[Annotated[int, Field(ge=0, le=6)], ...] = (0, 1, 2, 3, 4)
    start_minute: Annotated[int, Field(ge=0, lt=1440)]
    end_minute: Annotated[int, Field(gt=0, le=2880)]

    @model_validator(mode="after")
    def _positive_length(self) -> Self:
        if self.end_minute <= self.start_minute:
            raise ValueError(f"end_minute {self.end_minute} must be after start_minute {self.start_minute}")
        return self


class ShiftCalendar(DomainModel):
    """The weekly pattern of shifts in which a machine is staffed. No shifts means always available."""

    shifts: tuple[Shift, ...] = ()

    def working_windows(self, horizon_minutes: int, start_weekday: int = 0) -> list[tuple[int, int]]:
        """Working windows [start, end) in minutes from the horizon start (a Monday 00:00 by default)."""
        if not self.shifts:
            return [(0, horizon_minutes)]
        windows: list[tuple[int, int]] = []
        # day -1: a shift begun the evening before the horizon may still run past its start
        for day in range(-1, horizon_minutes // 1440 + 2):
            weekday = (start_weekday + day) % 7
            for shift in self.shifts:
                if weekday in shift.weekdays:
                    start, end = day * 1440 + shift.start_minute, day * 1440 + shift.end_minute
                    if start < horizon_minutes and end > 0:
                        windows.append((max(start, 0), min(end, horizon_minutes)))
        return merge_intervals(windows)

    def unavailable(self, horizon_minutes: int, start_weekday: int = 0) -> list[tuple[int, int]]:
        """The complement of the working windows within [0, horizon)."""
        gaps: list[tuple[int, int]] = []
        cursor = 0
        for start, end in self.working_windows(horizon_minutes, start_weekday):
            if start > cursor:
                gaps.append((cursor, start))
            cursor = max(cursor, end)
        if cursor < horizon_minutes:
            gaps.append((cursor, horizon_minutes))
        return gaps


_Time = TypeVar("_Time", int, float)


def merge_intervals(windows: Iterable[tuple[_Time, _Time]]) -> list[tuple[_Time, _Time]]:
    """Overlapping or touching intervals merged, sorted by start."""
    merged: list[tuple[_Time, _Time]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class TimeWindow(DomainModel):
    """A period [start, end) in minutes from the planning horizon start, e.g. a maintenance window."""

    start: NonNegativeInt
    end: NonNegativeInt
    reason: str = "maintenance"

    @model_validator(mode="after")
    def _positive_length(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class ChangeoverRule(DomainModel):
    """Minutes to change a machine over from one setup family to another."""

    from_family: str = Field(min_length=1)
    to_family: str = Field(min_length=1)
    minutes: NonNegativeInt


class ChangeoverMatrix(DomainModel):
    """Sequence-dependent changeover times by setup family; unlisted pairs take `default_minutes`."""

    default_minutes: NonNegativeInt = 0
    rules: tuple[ChangeoverRule, ...] = ()

    def minutes(self, from_family: str | None, to_family: str) -> int:
        if from_family is None or from_family == to_family:
            return 0
        for rule in self.rules:
            if rule.from_family == from_family and rule.to_family == to_family:
                return rule.minutes
        return self.default_minutes


class Machine(DomainModel):
    """A machine of a company with what it can do and what it costs."""

    id: Identifier
    company_id: Identifier
    name: str = Field(min_length=1)
    skills: tuple[MachineSkill, ...] = Field(min_length=1)
    hourly_rate_eur: Decimal = Field(ge=0, decimal_places=2)
    power_kw: PositiveFloat
    idle_power_kw: NonNegativeFloat = 0.0
    calendar: ShiftCalendar = ShiftCalendar()
    maintenance: tuple[TimeWindow, ...] = ()
    changeovers: ChangeoverMatrix = ChangeoverMatrix()
    initial_family: str | None = None
    manufacturer: str = ""
    model: str = ""
    year_of_construction: Annotated[int, Field(ge=1950, le=2100)] | None = None

    @model_validator(mode="after")
    def _idle_below_power(self) -> Self:
        if self.idle_power_kw > self.power_kw:
            raise ValueError(f"idle_power_kw {self.idle_power_kw} exceeds power_kw {self.power_kw}")
        return self

    def skill(self, code: str) -> MachineSkill | None:
        return next((s for s in self.skills if s.skill == code), None)
