"""Large-neighbourhood search around CP-SAT: free the operations of a time window, of the critical path or of a
few machines, keep the rest in place (same machine, same order), and let CP-SAT re-optimise the freed part from
the incumbent. Equally good answers replace the incumbent too: makespan landscapes are flat, and moving across
a plateau is how the search reaches the next improvement."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from itertools import pairwise

from ortools.sat.python import cp_model

from fabnet.planning.cp_sat import cp_solver
from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.timetable import Placement


def large_neighbourhood_search(
    built: object,
    incumbent: list[Placement],
    incumbent_value: float,
    deadline: float,
    workers: int,
    seed: int = 0,
    on_improvement: Callable[[float], None] | None = None,
) -> tuple[list[Placement], float]:
    """Improve `incumbent` until `deadline`; returns the best schedule and its objective value.

    `built` is a `ScheduleModel` (its model is cloned per neighbourhood, never changed)."""
    data: ScheduleData = built.data  # type: ignore[attr-defined]
    base: cp_model.CpModel = built.model  # type: ignore[attr-defined]
    v = built.variables  # type: ignore[attr-defined]
    rng = random.Random(seed)
    size = min(len(data.operations), max(12, len(data.operations) // 8))
    best, best_value = incumbent, incumbent_value
    while time.monotonic() < deadline - 0.2:
        freed = _neighbourhood(data, best, size, rng)
        model = base.clone()
        model.clear_hints()
        by_machine: dict[int, list[Placement]] = {}
        for p in best:
            if p.operation in freed:
                continue
            op = data.operations[p.operation]
            for m, mode in enumerate(op.modes):
                present = v.operations[p.operation].presence[m]
                if present is not True:
                    model.add(present == int(mode.machine == p.machine))
            by_machine.setdefault(p.machine, []).append(p)
        for kept in by_machine.values():
            kept.sort(key=lambda p: (p.start, p.end))
            for a, b in pairwise(kept):
                model.add(v.operations[b.operation].start >= v.operations[a.operation].end)
        sub = type(built)(data, model, v)
        sub.add_hint(best)
        solver = cp_solver()
        solver.parameters.max_time_in_seconds = max(0.05, min(1.0, deadline - time.monotonic()))
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = rng.randrange(1 << 30)
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_presolve_iterations = 1
        code = solver.solve(model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if solver.objective_value <= best_value:
                improved = solver.objective_value < best_value
                best, best_value = sub.placements(solver), solver.objective_value
                if improved and on_improvement is not None:
                    on_improvement(best_value)
            if code == cp_model.OPTIMAL:
                size = min(len(data.operations), size + max(1, size // 5))
            else:
                size = max(6, size - max(1, size // 10))
        else:
            size = max(6, size - max(1, size // 10))
    return best, best_value


def _neighbourhood(data: ScheduleData, schedule: list[Placement], size: int, rng: random.Random) -> set[int]:
    """`size` operations: those starting around a random time or around a critical operation, or all of a few
    machines' (machines with critical operations first)."""
    ordered = sorted(schedule, key=lambda p: p.start)
    draw = rng.random()
    if draw < 0.35 or len(data.machines) < 3:
        first = rng.randrange(max(1, len(ordered) - size + 1))
        return {p.operation for p in ordered[first: first + size]}
    critical = critical_operations(data, schedule)
    if draw < 0.7 and critical:
        centre = schedule_position(ordered, rng.choice(sorted(critical)))
        first = min(max(0, centre - size // 2), max(0, len(ordered) - size))
        return {p.operation for p in ordered[first: first + size]}
    machines = list(range(len(data.machines)))
    rng.shuffle(machines)
    on_critical = {p.machine for p in schedule if p.operation in critical}
    machines.sort(key=lambda k: (k not in on_critical) if rng.random() < 0.5 else 0)
    freed: set[int] = set()
    for k in machines:
        freed |= {p.operation for p in schedule if p.machine == k}
        if len(freed) >= size:
            break
    return freed


def schedule_position(ordered: list[Placement], operation: int) -> int:
    return next(n for n, p in enumerate(ordered) if p.operation == operation)


def critical_operations(data: ScheduleData, schedule: list[Placement]) -> set[int]:
    """The operations on some chain of zero-slack links (job precedence or machine order) ending at the makespan."""
    if not schedule:
        return set()
    makespan = max(p.end for p in schedule)
    where = {p.operation: p for p in schedule}
    previous_on_machine: dict[int, Placement] = {}
    by_machine: dict[int, list[Placement]] = {}
    for p in schedule:
        by_machine.setdefault(p.machine, []).append(p)
    for placements in by_machine.values():
        placements.sort(key=lambda p: (p.start, p.end))
        for a, b in pairwise(placements):
            previous_on_machine[b.operation] = a
    critical = {p.operation for p in schedule if p.end == makespan}
    for p in sorted(schedule, key=lambda p: -p.end):
        if p.operation not in critical:
            continue
        before = [where[q] for q in data.operations[p.operation].predecessors if q in where]
        if p.operation in previous_on_machine:
            before.append(previous_on_machine[p.operation])
        critical |= {q.operation for q in before if q.end == p.start}
    return critical
