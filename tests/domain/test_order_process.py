"""Orders, process plans and schedules: quantities, dates, precedences; errors name the field."""

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.samples import ORIGIN, order, process_plan, schedule
from fabnet.domain import Operation, Order, ProcessPlan, Schedule, ScheduledOperation
from fabnet.domain.errors import describe


def error_of(record_type: type, /, **fields: object) -> str:
    with pytest.raises(ValidationError) as raised:
        record_type(**fields)
    return describe(raised.value)


def order_fields(**changes: object) -> dict[str, object]:
    return {**order().model_dump(), **changes}


@pytest.mark.parametrize("quantity", [0, -1, -1000])
def test_zero_or_negative_quantity_is_refused_naming_the_field(quantity: int) -> None:
    assert error_of(Order, **order_fields(quantity=quantity)) == "quantity: Input should be greater than 0"


def test_order_dates_must_be_aware_and_in_order() -> None:
    assert error_of(Order, **order_fields(due=ORIGIN - timedelta(hours=1))).startswith("input: due 2026-03-01T23:00")
    assert error_of(Order, **order_fields(release=datetime(2026, 3, 2))).startswith(
        "release: Input should have timezone info"
    )
    assert error_of(Order, **order_fields(status="lost")).startswith("status: Input should be")
    assert error_of(Order, **order_fields(weight=0)).startswith("weight:")


def test_order_minutes_from_an_origin() -> None:
    # released at 01:00+01:00 = 00:00 UTC, due a week later
    assert order().minutes_from(ORIGIN) == (0, 7 * 1440)


def plan_fields(**changes: object) -> dict[str, object]:
    return {**process_plan().model_dump(), **changes}


def operation(op_id: str, *predecessors: str) -> dict[str, object]:
    return {"id": op_id, "skill": "cut.laser", "name": op_id, "setup_family": "f", "predecessors": predecessors,
            "modes": [{"machine_id": "m1", "duration_min": 5}]}


def test_precedence_cycle_is_refused_naming_the_operations() -> None:
    message = error_of(ProcessPlan, **plan_fields(operations=[operation("a"), operation("b", "a", "d"),
                                                              operation("c", "b"), operation("d", "c")]))
    assert message == "input: operations: precedence cycle among b, c, d"


def test_self_loop_unknown_predecessor_and_duplicate_ids_are_refused() -> None:
    assert error_of(ProcessPlan, **plan_fields(operations=[operation("a", "a")])).endswith("precedence cycle among a")
    assert error_of(ProcessPlan, **plan_fields(operations=[operation("a", "z")])) == (
        "input: operation 'a': unknown predecessor 'z'"
    )
    assert error_of(ProcessPlan, **plan_fields(operations=[operation("a"), operation("a")])) == (
        "input: operations: operation ids must be unique"
    )


def test_operation_fields_are_named() -> None:
    twice = {**operation("a"), "modes": [{"machine_id": "m1", "duration_min": 5}, {"machine_id": "m1",
                                                                                    "duration_min": 6}]}
    assert error_of(Operation, **twice) == "input: operation 'a': a machine appears twice in its modes"
    assert error_of(Operation, **{**operation("a"), "modes": []}).startswith("modes:")
    assert error_of(Operation, **{**operation("a"), "skill": "fold.origami"}).startswith("skill: unknown skill")
    assert error_of(ProcessPlan, **plan_fields(operations=[])).startswith("operations:")
    assert error_of(ProcessPlan, **plan_fields(quantity=0)).startswith("quantity:")


def test_topological_order_puts_predecessors_first() -> None:
    plan = ProcessPlan(design_id="d", company_id="c", operations=[
        Operation(**operation("pack", "weld", "coat")), Operation(**operation("coat", "weld")),
        Operation(**operation("weld", "cut")), Operation(**operation("cut"))])
    assert [op.id for op in plan.topological_order()] == ["cut", "weld", "coat", "pack"]
    assert [op.id for op in process_plan().topological_order()] == ["cut", "bend"]


def test_schedule_checks_and_derived_figures() -> None:
    assert schedule().makespan == 380
    assert schedule().at(380) == ORIGIN + timedelta(minutes=380)
    assert Schedule(company_id="c", origin=ORIGIN).makespan == 0
    assert error_of(ScheduledOperation, operation_id="x", machine_id="m", start=10, end=5) == (
        "input: operation 'x': end 5 before start 10"
    )
    assert error_of(Schedule, company_id="c", origin=ORIGIN, status="GREAT").startswith("status:")
