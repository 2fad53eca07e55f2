"""Rescheduling after a disruption: freeze what has started, repair the rest warm-started from the old plan.

Events: a machine breakdown, a rush order, a delayed operation, an added rework operation. Operations that
started before the event keep their machine and start (except the one a breakdown interrupts, which restarts);
the others may not start before the event and are re-optimised with a penalty per moved operation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fabnet.planning.check import check, evaluate
from fabnet.planning.dispatch import atcs
from fabnet.planning.problem import Job, Problem, ProblemOperation, Solution
from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.schedule.objective import Stability
from fabnet.planning.schedule.solver import ProgressCallback, SolveOptions, placements_to_solution, solve_data
from fabnet.planning.timetable import Placement, timetable


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Breakdown(_Event):
    kind: Literal["breakdown"] = "breakdown"
    machine: str
    from_time: int = Field(alias="from", ge=0)
    duration: int = Field(gt=0)

    @property
    def at(self) -> int:
        return self.from_time


class RushOrder(_Event):
    kind: Literal["rush_order"] = "rush_order"
    at: int = Field(ge=0)
    job: Job


class OperationDelayed(_Event):
    kind: Literal["delay"] = "delay"
    at: int = Field(ge=0)
    operation: str
    until: int = Field(ge=0, description="the operation cannot start before this time")


class ReworkAdded(_Event):
    kind: Literal["rework"] = "rework"
    at: int = Field(ge=0)
    after: str = Field(description="the operation whose result is reworked")
    operation: ProblemOperation


Event = Annotated[Breakdown | RushOrder | OperationDelayed | ReworkAdded, Field(discriminator="kind")]


class EventFile(BaseModel):
    """`event.json`: one event."""

    model_config = ConfigDict(frozen=True)
    event: Event


class RescheduleError(ValueError):
    """The event does not fit the problem or the solution (names the machine, job or operation)."""


@dataclass(frozen=True)
class RepairOptions:
    time_limit: float = 2.0
    workers: int = 2
    stability_weight: int = 1  # objective units per moved operation


@dataclass(frozen=True)
class RepairResult:
    problem: Problem  # the problem after the event, with frozen operations marked
    solution: Solution
    frozen: int
    moved: int


def apply_event(problem: Problem, solution: Solution, event: Event) -> Problem:
    """The problem as it stands after `event`: started operations frozen, the rest not before the event."""
    at = event.at
    placed = {a.id: a for a in solution.operations}
    operations = problem.operations()
    missing = [op_id for op_id in operations if op_id not in placed]
    if missing:
        raise RescheduleError(f"solution: operation {missing[0]!r} is not scheduled")
    machines = list(problem.machines)
    jobs = list(problem.jobs)
    interrupted: set[str] = set()
    if isinstance(event, Breakdown):
        index = next((n for n, m in enumerate(machines) if m.id == event.machine), None)
        if index is None:
            raise RescheduleError(f"event: unknown machine {event.machine!r}")
        window = (event.from_time, event.from_time + event.duration)
        machines[index] = machines[index].model_copy(
            update={"unavailable": tuple(sorted((*machines[index].unavailable, window)))}
        )
        interrupted = {a.id for a in solution.operations if a.machine == event.machine and a.start < at < a.end}
    elif isinstance(event, OperationDelayed):
        if event.operation not in operations:
            raise RescheduleError(f"event: unknown operation {event.operation!r}")
        if placed[event.operation].start < at:
            raise RescheduleError(f"event: operation {event.operation!r} started at {placed[event.operation].start}, "
                                  f"before the delay at {at}")
    elif isinstance(event, ReworkAdded) and event.after not in operations:
        raise RescheduleError(f"event: unknown operation {event.after!r} to rework")

    def frozen(op_id: str) -> bool:
        return op_id in placed and placed[op_id].start < at and op_id not in interrupted

    predecessors = problem.predecessors()
    new_jobs = []
    for job in jobs:
        ops = []
        for op in job.operations:
            update: dict[str, object] = {"after": predecessors[op.id]}
            if frozen(op.id):
                update |= {"fixed_machine": placed[op.id].machine, "fixed_start": placed[op.id].start}
            else:
                release = max(op.release or 0, at)
                if isinstance(event, OperationDelayed) and op.id == event.operation:
                    release = max(release, event.until)
                update |= {"release": release}
            if isinstance(event, ReworkAdded) and event.after in predecessors[op.id]:
                update["after"] = (*predecessors[op.id], event.operation.id)
            ops.append(op.model_copy(update=update))
            if isinstance(event, ReworkAdded) and op.id == event.after:
                rework = event.operation.model_copy(update={"after": (event.after,), "release": max(at, 0)})
                ops.append(rework)
        new_jobs.append(job.model_copy(update={"operations": tuple(ops)}))
    if isinstance(event, RushOrder):
        rush = event.job.model_copy(update={"release": max(event.job.release, at)})
        new_jobs.append(rush)
    try:
        return Problem.model_validate(
            problem.model_copy(update={"machines": tuple(machines), "jobs": tuple(new_jobs)}).model_dump(by_alias=True)
        )
    except ValueError as error:
        raise RescheduleError(f"event: the problem after the event is invalid: {error}") from error


def _warm_start(data: ScheduleData, solution: Solution) -> list[Placement]:
    """The old sequences, right-shifted where the event forces it; new operations appended on their quickest
    machine. Falls back to ATCS when the old order cannot hold."""
    placed = {a.id: a for a in solution.operations}
    machine_index = {m.id: k for k, m in enumerate(data.machines)}
    keyed: dict[int, list[tuple[int, int]]] = {k: [] for k in range(len(data.machines))}
    horizon = data.horizon
    for i in data.topological_order:
        op = data.operations[i]
        old = placed.get(op.id)
        if old is not None and machine_index[old.machine] in {m.machine for m in op.modes}:
            keyed[machine_index[old.machine]].append((old.start, i))
        else:
            best = min(op.modes, key=lambda m: m.duration)
            keyed[best.machine].append((horizon + len(keyed[best.machine]), i))
    sequences = {k: [i for _, i in sorted(items)] for k, items in keyed.items()}
    result = timetable(data, sequences)
    return result if result is not None else atcs(data)


def _best_start(
    data: ScheduleData, solution: Solution, previous: dict[int, tuple[int, int]], stability_weight: int
) -> list[Placement]:
    """The cheaper (objective + stability penalty) of the right-shifted old plan and ATCS around the frozen part."""
    candidates = [_warm_start(data, solution), atcs(data)]

    def penalised(placements: list[Placement]) -> float:
        solution_like = placements_to_solution(data, placements, "FEASIBLE", 0.0)
        if not check(data.problem, solution_like).feasible:
            return float("inf")
        moved = sum(1 for p in placements if p.operation in previous and previous[p.operation] != (p.machine, p.start))
        return (solution_like.objective or 0) + stability_weight * moved

    return min(candidates, key=penalised)


def without_finished(problem: Problem, at: int) -> tuple[Problem, tuple[str, ...]] | None:
    """The part of `problem` still open at `at`: frozen operations that ended by then are dropped; each machine
    starts from the family it was left in, and is closed until its last finished operation ended.
    Returns the smaller problem and the dropped operation ids, or None when nothing (or everything) is dropped."""
    operations = problem.operations()
    table: dict[str, tuple[int, str | None]] = {}  # machine -> (last finished end, its family)
    finished: set[str] = set()
    for op_id, (_, op) in operations.items():
        if op.fixed_start is None or op.fixed_machine is None:
            continue
        duration = next(m.duration for m in op.modes if m.machine == op.fixed_machine)
        end = op.fixed_start + duration
        if end <= at:
            finished.add(op_id)
            if end >= table.get(op.fixed_machine, (-1, None))[0]:
                table[op.fixed_machine] = (end, op.family)
    if not finished or len(finished) == len(operations):
        return None
    machines = []
    for machine in problem.machines:
        if machine.id not in table:
            machines.append(machine)
            continue
        end, family = table[machine.id]
        windows = (*machine.unavailable, (0, end)) if end > 0 else machine.unavailable
        machines.append(machine.model_copy(update={"initial_family": family, "unavailable": tuple(sorted(windows))}))
    predecessors = problem.predecessors()
    jobs = []
    for job in problem.jobs:
        ops = tuple(
            op.model_copy(update={"after": tuple(p for p in predecessors[op.id] if p not in finished)})
            for op in job.operations if op.id not in finished
        )
        if ops:
            jobs.append(job.model_copy(update={"operations": ops}))
    reduced = Problem.model_validate(
        problem.model_copy(update={"machines": tuple(machines), "jobs": tuple(jobs)}).model_dump(by_alias=True)
    )
    return reduced, tuple(sorted(finished))


def repair(
    problem: Problem,
    solution: Solution,
    event: Event,
    options: RepairOptions = RepairOptions(),
    on_progress: ProgressCallback | None = None,
) -> RepairResult:
    """Repair `solution` after `event`; the result is feasible for the returned (updated) problem.

    Operations finished before the event are taken out of the model (smaller, faster), the rest is re-optimised
    warm-started from the old plan. `options.time_limit` bounds the whole repair, preparation included."""
    began = time.monotonic()
    updated = apply_event(problem, solution, event)
    old = {a.id: a for a in solution.operations}
    frozen = sum(1 for job in updated.jobs for op in job.operations if op.fixed_start is not None)
    split = without_finished(updated, event.at)
    new: Solution | None = None
    if split is not None:
        reduced, finished = split
        part = _repair_open_part(reduced, solution, options, on_progress, began)
        if part.operations:
            assignments = tuple(sorted((*part.operations, *(old[i] for i in finished)), key=lambda a: a.id))
            metrics = evaluate(updated, assignments)
            new = part.model_copy(update={
                "objective": metrics.objective, "makespan": metrics.makespan, "total_setup": metrics.total_setup,
                "total_weighted_tardiness": metrics.total_weighted_tardiness, "operations": assignments,
                "runtime_s": round(time.monotonic() - began, 3),
            })
            if not check(updated, new).feasible:
                new = None
    if new is None:
        new = _repair_open_part(updated, solution, options, on_progress, began)
    moved = sum(
        1 for a in new.operations if a.id in old and (old[a.id].machine != a.machine or old[a.id].start != a.start)
    )
    return RepairResult(updated, new, frozen, moved)


def _repair_open_part(
    problem: Problem, solution: Solution, options: RepairOptions, on_progress: ProgressCallback | None, began: float
) -> Solution:
    data = ScheduleData.from_problem(problem)
    machine_index = {m.id: k for k, m in enumerate(data.machines)}
    old = {a.id: a for a in solution.operations}
    previous = {
        i: (machine_index[old[op.id].machine], old[op.id].start)
        for i, op in enumerate(data.operations)
        if op.id in old and op.fixed_start is None
    }
    start = _best_start(data, solution, previous, options.stability_weight)
    return solve_data(
        data,
        # a small margin for turning CP-SAT's answer into a checked solution
        SolveOptions(time_limit=max(0.1, options.time_limit - (time.monotonic() - began) - 0.15),
                     workers=options.workers),
        on_progress,
        warm_start=start,
        stability=Stability(previous, options.stability_weight),
    )
