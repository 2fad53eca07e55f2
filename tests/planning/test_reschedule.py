"""Repair after events: started operations stay, the result is feasible for the problem after the event."""

from __future__ import annotations

import pytest

from fabnet.planning.check import check
from fabnet.planning.problem import Job, Mode, ProblemOperation, Solution
from fabnet.planning.reschedule import (
    Breakdown,
    EventFile,
    OperationDelayed,
    RepairOptions,
    RescheduleError,
    ReworkAdded,
    RushOrder,
    repair,
)
from fabnet.planning.schedule import SolveOptions, solve
from fabnet.planning.synthetic import ShopShape, random_problem

FAST = RepairOptions(time_limit=0.5)


@pytest.fixture(scope="module")
def planned():
    problem = random_problem(7, ShopShape(jobs=6, operations_per_job=4, machines=4, families=3))
    return problem, solve(problem, SolveOptions(time_limit=1.0))


def _assert_started_stay(old: Solution, new: Solution, at: int, except_ids: set[str] = frozenset()) -> None:
    now = {a.id: a for a in new.operations}
    for a in old.operations:
        if a.start < at and a.id not in except_ids:
            assert (now[a.id].machine, now[a.id].start) == (a.machine, a.start), a.id
        elif a.id in now:
            assert now[a.id].start >= at, a.id


def test_breakdown_repair_keeps_started_operations_and_avoids_the_breakdown(planned) -> None:
    problem, plan = planned
    busiest = max(problem.machines, key=lambda m: sum(1 for a in plan.operations if a.machine == m.id)).id
    at = (plan.makespan or 0) // 3
    event = Breakdown(machine=busiest, **{"from": at}, duration=40)
    result = repair(problem, plan, event, FAST)
    assert result.solution.status in ("OPTIMAL", "FEASIBLE")
    report = check(result.problem, result.solution)
    assert report.feasible, [v.message for v in report.violations]
    interrupted = {a.id for a in plan.operations if a.machine == busiest and a.start < at < a.end}
    _assert_started_stay(plan, result.solution, at, interrupted)
    for a in result.solution.operations:
        if a.machine == busiest and a.id not in {b.id for b in plan.operations if b.start < at} - interrupted:
            assert a.end <= at or a.start >= at + 40, a.id
    assert result.frozen == sum(1 for a in plan.operations if a.start < at) - len(interrupted)


def test_rush_order_delay_and_rework_are_repaired(planned) -> None:
    problem, plan = planned
    at = (plan.makespan or 0) // 4
    machine = problem.machines[0].id
    rush = RushOrder(at=at, job=Job(id="rush", due=at + 30, weight=5, operations=(
        ProblemOperation(id="rush/1", family="f1", modes=(Mode(machine=machine, duration=10),)),)))
    later = max(plan.operations, key=lambda a: a.start)
    delay = OperationDelayed(at=at, operation=later.id, until=later.start + 25)
    reworked = next(a for a in plan.operations if a.start >= at)
    rework = ReworkAdded(at=at, after=reworked.id, operation=ProblemOperation(
        id="rework-1", family="f2", modes=(Mode(machine=machine, duration=6),)))
    for event in (rush, delay, rework):
        result = repair(problem, plan, event, FAST)
        report = check(result.problem, result.solution)
        assert report.feasible, (event.kind, [v.message for v in report.violations])
        _assert_started_stay(plan, result.solution, at)
    delayed = repair(problem, plan, delay, FAST).solution
    assert next(a for a in delayed.operations if a.id == later.id).start >= later.start + 25
    reworked_plan = repair(problem, plan, rework, FAST)
    ends = {a.id: a for a in reworked_plan.solution.operations}
    assert ends["rework-1"].start >= ends[reworked.id].end


def test_events_are_parsed_from_json_and_bad_events_are_named(planned) -> None:
    problem, plan = planned
    event = EventFile.model_validate({"event": {"kind": "breakdown", "machine": "m1", "from": 50, "duration": 20}})
    assert isinstance(event.event, Breakdown) and event.event.at == 50
    with pytest.raises(RescheduleError, match="unknown machine 'press-9'"):
        repair(problem, plan, Breakdown(machine="press-9", **{"from": 5}, duration=5), FAST)
    with pytest.raises(RescheduleError, match="unknown operation 'nope'"):
        repair(problem, plan, OperationDelayed(at=0, operation="nope", until=5), FAST)


def test_finished_operations_leave_the_model_but_keep_their_place(planned) -> None:
    from fabnet.planning.reschedule import apply_event, without_finished

    problem, plan = planned
    at = (plan.makespan or 0) // 2
    event = OperationDelayed(at=at, operation=max(plan.operations, key=lambda a: a.start).id, until=at + 5)
    updated = apply_event(problem, plan, event)
    split = without_finished(updated, at)
    assert split is not None
    reduced, finished = split
    assert set(finished) == {a.id for a in plan.operations if a.end <= at}
    remaining = {op.id for job in reduced.jobs for op in job.operations}
    assert remaining.isdisjoint(finished)
    assert all(p not in finished for job in reduced.jobs for op in job.operations for p in op.after or ())
    result = repair(problem, plan, event, FAST)
    placed = {a.id: a for a in result.solution.operations}
    for op_id in finished:
        assert placed[op_id] == next(a for a in plan.operations if a.id == op_id)
