"""Parts as made: their route through the factory, measurements and verdict (the passport's source)."""

from enum import StrEnum

from pydantic import AwareDatetime, Field

from fabnet.domain.base import DomainModel, Identifier, NonNegativeFloat


class PartVerdict(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    HELD = "held"
    REWORK = "rework"
    SCRAPPED = "scrapped"


class Measurement(DomainModel):
    """A measured quality characteristic of a part, or a machine signal sample."""

    characteristic: str = Field(min_length=1)
    value: float
    unit: str = "mm"
    timestamp: AwareDatetime
    part_id: Identifier | None = None
    machine_id: Identifier | None = None
    lower_limit: float | None = None
    upper_limit: float | None = None

    @property
    def in_specification(self) -> bool | None:
        if self.lower_limit is None and self.upper_limit is None:
            return None
        return (self.lower_limit is None or self.value >= self.lower_limit) and (
            self.upper_limit is None or self.value <= self.upper_limit
        )


class RouteStep(DomainModel):
    """One operation the part went through."""

    operation_id: Identifier
    machine_id: Identifier
    start: AwareDatetime
    end: AwareDatetime
    instructions: dict[str, str | float | int] = Field(default_factory=dict)
    signals_summary: dict[str, float] = Field(default_factory=dict)
    energy_kwh: NonNegativeFloat = 0.0


class Part(DomainModel):
    """A physical part made for an order: its genealogy."""

    id: Identifier
    order_id: Identifier
    design_id: Identifier
    serial: str = Field(min_length=1)
    material_lot: str = ""
    route: tuple[RouteStep, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    verdict: PartVerdict = PartVerdict.PENDING
    co2_kg: NonNegativeFloat = 0.0
