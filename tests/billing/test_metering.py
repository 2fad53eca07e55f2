"""Metering: idempotent events and the five aggregations per period and group."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fabnet.billing.errors import IdempotencyConflict
from fabnet.billing.metering import STANDARD_METERS, Aggregation, EventLog, MeterDefinition, UsageEvent, aggregate
from fabnet.billing.period import BillingPeriod

NOV = BillingPeriod(2026, 11)


def event(key: str, subject: str = "oem", minutes: int | str = 10, day: int = 3, **props: object) -> UsageEvent:
    return UsageEvent(idempotency_key=key, subject=subject, meter="machine_minutes",
                      timestamp=datetime(2026, 11, day, 8, tzinfo=UTC),
                      properties={"minutes": minutes, "machine_id": "LC-01", **props})


def meter(aggregation: Aggregation, prop: str | None = "minutes") -> MeterDefinition:
    return MeterDefinition(code="m", event_meter="machine_minutes", aggregation=aggregation, value_property=prop)


def test_redelivered_event_counts_once_and_changed_reuse_is_refused() -> None:
    log = EventLog()
    assert log.record(event("e1"))
    assert not log.record(event("e1"))
    assert len(log) == 1
    with pytest.raises(IdempotencyConflict, match="e1"):
        log.record(event("e1", minutes=11))
    assert aggregate(meter(Aggregation.SUM), log, NOV)[0].value == 10


def test_aggregations_per_group_and_period() -> None:
    events = [event("a", minutes=10, day=1), event("b", minutes=30, day=5), event("c", minutes=20, day=9),
              event("d", subject="other", minutes="7.5"), event("old", minutes=99, day=1).model_copy(
                  update={"timestamp": datetime(2026, 10, 31, 23, 59, tzinfo=UTC)})]
    values = {agg: {tuple(r.group.values()): r.value for r in aggregate(meter(agg), events, NOV)}
              for agg in (Aggregation.SUM, Aggregation.MAX, Aggregation.LAST)}
    assert values[Aggregation.SUM] == {("oem",): 60, ("other",): Decimal("7.5")}
    assert values[Aggregation.MAX][("oem",)] == 30
    assert values[Aggregation.LAST][("oem",)] == 20
    count = aggregate(meter(Aggregation.COUNT, None), events, NOV)
    assert [(r.group["subject"], r.value, r.events) for r in count] == [("oem", 3, 3), ("other", 1, 1)]
    unique = aggregate(meter(Aggregation.UNIQUE_COUNT, "machine_id"), [*events, event("e", machine_id="PB")], NOV)
    assert unique[0].value == 2


def test_meter_needs_a_property_unless_it_counts() -> None:
    with pytest.raises(ValidationError, match="value_property"):
        MeterDefinition(code="x", event_meter="x", aggregation=Aggregation.SUM)
    assert {m.aggregation for m in STANDARD_METERS} == set(Aggregation)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 500)), max_size=30), st.randoms())
def test_any_redelivery_order_gives_the_same_totals(deliveries: list[tuple[int, int]], rnd) -> None:  # type: ignore[no-untyped-def]
    unique = {key: minutes for key, minutes in deliveries}
    first = [event(f"k{key}", minutes=minutes) for key, minutes in unique.items()]
    redelivered = first + [e for e in first if rnd.random() < 0.5]
    rnd.shuffle(redelivered)
    log = EventLog(redelivered)
    readings = aggregate(meter(Aggregation.SUM), log, NOV)
    assert sum((r.value for r in readings), Decimal(0)) == sum(unique.values())
