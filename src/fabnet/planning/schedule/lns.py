"""Large-neighbourhood search around CP-SAT: free the operations of a time window or of a few machines, keep
the rest in place (same machine, same order), and let CP-SAT re-optimise the freed part from the incumbent."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from itertools import pairwise

from ortools.sat.python import cp_model

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
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, min(1.0, deadline - time.monotonic()))
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = rng.randrange(1 << 30)
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_presolve_iterations = 1
        code = solver.solve(model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if solver.objective_value < best_value:
                best, best_value = sub.placements(solver), solver.objective_value
                if on_improvement is not None:
                    on_improvement(best_value)
            if code == cp_model.OPTIMAL:
                size = min(len(data.operations), size + max(1, size // 5))
            else:
                size = max(6, size - max(1, size // 10))
        else:
            size = max(6, size - max(1, size // 10))
    return best, best_value


def _neighbourhood(data: ScheduleData, schedule: list[Placement], size: int, rng: random.Random) -> set[int]:
    """`size` operations: those starting around a random time, or all of a few random machines'."""
    ordered = sorted(schedule, key=lambda p: p.start)
    if rng.random() < 0.6 or len(data.machines) < 3:
        first = rng.randrange(max(1, len(ordered) - size + 1))
        return {p.operation for p in ordered[first: first + size]}
    machines = list(range(len(data.machines)))
    rng.shuffle(machines)
    freed: set[int] = set()
    for k in machines:
        freed |= {p.operation for p in schedule if p.machine == k}
        if len(freed) >= size:
            break
    return freed
