"""Metering: immutable usage events with idempotency keys, and meters that aggregate them per period and group."""

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from fabnet.billing.errors import BillingError, IdempotencyConflict
from fabnet.billing.period import BillingPeriod
from fabnet.domain.base import DomainModel, Identifier

PropertyValue = str | int | Decimal | bool


class UsageEvent(DomainModel):
    """Something billable happened once: a data transfer, machine minutes, engineering hours, …"""

    idempotency_key: str = Field(min_length=1, max_length=200)
    subject: Identifier = Field(description="the counterparty that is billed")
    meter: Identifier = Field(description="meter code, e.g. machine_minutes")
    timestamp: AwareDatetime
    properties: dict[str, PropertyValue] = Field(default_factory=dict)

    def fingerprint(self) -> str:
        """Canonical content used to tell a redelivery (same content) from a conflicting reuse of the key."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


class Aggregation(StrEnum):
    COUNT = "count"
    SUM = "sum"
    MAX = "max"
    UNIQUE_COUNT = "unique_count"
    LAST = "last"


class MeterDefinition(DomainModel):
    """How one meter turns events into a figure: which events, which property, how, and grouped by what."""

    code: Identifier
    event_meter: Identifier = Field(description="events whose `meter` equals this are counted")
    aggregation: Aggregation
    value_property: str | None = Field(default=None, description="property aggregated; not needed for count")
    group_by: tuple[str, ...] = Field(default=("subject",), description="'subject' or property names")
    unit: str = ""

    @model_validator(mode="after")
    def _property_when_needed(self) -> Self:
        if self.aggregation is not Aggregation.COUNT and not self.value_property:
            raise ValueError(f"value_property: meter {self.code!r} with {self.aggregation.value} needs a property")
        return self


class MeterReading(BaseModel):
    """The figure of one meter for one period and group."""

    model_config = ConfigDict(frozen=True)

    meter: str
    period: str
    group: dict[str, str]
    value: Decimal
    events: int
    unit: str = ""


class EventLog:
    """The events a company has accepted, keyed by idempotency key: a redelivery counts once."""

    def __init__(self, events: Iterable[UsageEvent] = ()) -> None:
        self._events: dict[str, UsageEvent] = {}
        self._fingerprints: dict[str, str] = {}
        for event in events:
            self.record(event)

    def check(self, event: UsageEvent) -> bool:
        """True when the event is new, False when it is a redelivery; IdempotencyConflict on a changed reuse."""
        known = self._fingerprints.get(event.idempotency_key)
        if known is None:
            return True
        if known != event.fingerprint():
            raise IdempotencyConflict(event.idempotency_key)
        return False

    def record(self, event: UsageEvent) -> bool:
        """Accept an event; returns False (and changes nothing) when it was already recorded."""
        if not self.check(event):
            return False
        self._events[event.idempotency_key] = event
        self._fingerprints[event.idempotency_key] = event.fingerprint()
        return True

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[UsageEvent]:
        return iter(self._events.values())


def _number(event: UsageEvent, name: str) -> Decimal:
    raw = event.properties.get(name)
    if raw is None or isinstance(raw, bool):
        raise BillingError(f"properties.{name}: event {event.idempotency_key!r} has no numeric {name!r}")
    try:
        return Decimal(str(raw))
    except InvalidOperation as error:
        raise BillingError(f"properties.{name}: event {event.idempotency_key!r} has non-numeric {raw!r}") from error


def _group_key(event: UsageEvent, group_by: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, event.subject if name == "subject" else str(event.properties.get(name, ""))) for name in group_by
    )


def aggregate(meter: MeterDefinition, events: Iterable[UsageEvent], period: BillingPeriod) -> list[MeterReading]:
    """Readings of one meter in one period, one per group, sorted by group."""
    groups: dict[tuple[tuple[str, str], ...], list[UsageEvent]] = {}
    for event in events:
        if event.meter == meter.event_meter and period.contains(event.timestamp):
            groups.setdefault(_group_key(event, meter.group_by), []).append(event)
    readings = []
    for key in sorted(groups):
        members = groups[key]
        readings.append(
            MeterReading(
                meter=meter.code,
                period=str(period),
                group=dict(key),
                value=_aggregate(meter, members),
                events=len(members),
                unit=meter.unit,
            )
        )
    return readings


def _aggregate(meter: MeterDefinition, events: list[UsageEvent]) -> Decimal:
    prop = meter.value_property or ""
    match meter.aggregation:
        case Aggregation.COUNT:
            return Decimal(len(events))
        case Aggregation.SUM:
            return sum((_number(e, prop) for e in events), Decimal(0))
        case Aggregation.MAX:
            return max(_number(e, prop) for e in events)
        case Aggregation.UNIQUE_COUNT:
            return Decimal(len({str(e.properties.get(prop)) for e in events if prop in e.properties}))
        case Aggregation.LAST:
            latest = max(events, key=lambda e: (e.timestamp, e.idempotency_key))
            return _number(latest, prop)
    raise AssertionError(meter.aggregation)


STANDARD_METERS: tuple[MeterDefinition, ...] = (
    MeterDefinition(code="machine_minutes", event_meter="machine_minutes", aggregation=Aggregation.SUM,
                    value_property="minutes", group_by=("subject", "machine_id"), unit="MIN"),
    MeterDefinition(code="changeover_minutes", event_meter="changeover_minutes", aggregation=Aggregation.SUM,
                    value_property="minutes", unit="MIN"),
    MeterDefinition(code="material_kg", event_meter="material_kg", aggregation=Aggregation.SUM,
                    value_property="kg", group_by=("subject", "material"), unit="KGM"),
    MeterDefinition(code="energy_kwh", event_meter="energy_kwh", aggregation=Aggregation.SUM,
                    value_property="kwh", unit="KWH"),
    MeterDefinition(code="engineering_hours", event_meter="engineering_hours", aggregation=Aggregation.SUM,
                    value_property="hours", unit="HUR"),
    MeterDefinition(code="data_transfers", event_meter="data_transfer", aggregation=Aggregation.COUNT,
                    group_by=("subject", "agreement_id"), unit="C62"),
    MeterDefinition(code="data_compensation_eur", event_meter="data_transfer", aggregation=Aggregation.SUM,
                    value_property="compensation_eur", group_by=("subject", "agreement_id"), unit="EUR"),
    MeterDefinition(code="datasets_shared", event_meter="data_transfer", aggregation=Aggregation.UNIQUE_COUNT,
                    value_property="dataset_id", unit="C62"),
    MeterDefinition(code="longest_job_minutes", event_meter="machine_minutes", aggregation=Aggregation.MAX,
                    value_property="minutes", unit="MIN"),
    MeterDefinition(code="last_energy_reading_kwh", event_meter="energy_meter", aggregation=Aggregation.LAST,
                    value_property="kwh", group_by=("subject", "meter_id"), unit="KWH"),
)
"""Meters every node keeps: manufacturing services, engineering, and data transfers under agreements."""


def data_transfer_event(*, transfer_id: str, agreement_id: str, consumer: str, dataset_id: str,
                        compensation_eur: Decimal, timestamp: datetime) -> UsageEvent:
    """The usage event of one completed transfer under an agreement whose policy has a `compensate` duty.

    Keyed by the transfer id, so a connector that reports the same transfer twice is billed once."""
    return UsageEvent(idempotency_key=f"transfer:{transfer_id}", subject=consumer, meter="data_transfer",
                      timestamp=timestamp, properties={"agreement_id": agreement_id, "dataset_id": dataset_id,
                                                       "compensation_eur": compensation_eur})


def machine_time_event(*, job_id: str, customer: str, machine_id: str, minutes: int, timestamp: datetime) -> UsageEvent:
    """Machine minutes done for a partner, keyed by the job (operation run) that produced them."""
    return UsageEvent(idempotency_key=f"machine:{job_id}", subject=customer, meter="machine_minutes",
                      timestamp=timestamp, properties={"machine_id": machine_id, "minutes": minutes})
