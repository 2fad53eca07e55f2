"""Independent feasibility check of a `Solution` against its `Problem`, and recomputation of the objective.

Written from the interchange format's rules, not from the CP-SAT model, so it catches model bugs too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from fabnet.planning.problem import Assignment, Problem, Solution


@dataclass(frozen=True)
class Violation:
    kind: str  # missing, unknown, duplicate, machine, duration, release, precedence, overlap, setup, unavailable,
    # fixed_machine, fixed_start, permutation, reported, status
    operation: str | None
    message: str


@dataclass(frozen=True)
class Metrics:
    makespan: int
    total_setup: int
    total_weighted_tardiness: int
    objective: int


@dataclass(frozen=True)
class CheckReport:
    violations: tuple[Violation, ...]
    metrics: Metrics | None  # None when operations are missing or unknown

    @property
    def feasible(self) -> bool:
        return not self.violations


def _down_minutes(windows: tuple[tuple[int, int], ...], begin: int, end: int) -> int:
    """Unavailable minutes inside [begin, end), overlapping windows counted once."""
    merged: list[list[int]] = []
    for w_begin, w_end in sorted(windows):
        if merged and w_begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], w_end)
        else:
            merged.append([w_begin, w_end])
    return sum(max(0, min(end, w_end) - max(begin, w_begin)) for w_begin, w_end in merged)


def evaluate(problem: Problem, assignments: tuple[Assignment, ...]) -> Metrics:
    """Makespan, total changeover (consecutive operations per machine, from the initial family on) and
    total weighted tardiness of a complete set of assignments."""
    setups = problem.setup_table()
    operations = problem.operations()
    machines = {m.id: m for m in problem.machines}
    by_machine: dict[str, list[Assignment]] = defaultdict(list)
    for a in assignments:
        by_machine[a.machine].append(a)
    total_setup = 0
    for machine, items in by_machine.items():
        previous = machines[machine].initial_family
        for a in sorted(items, key=lambda a: (a.start, a.end)):
            family = operations[a.id][1].family
            if previous is not None and family is not None:
                total_setup += setups[machine].get((previous, family), 0)
            previous = family
    ends = {a.id: a.end for a in assignments}
    makespan = max((a.end for a in assignments), default=0)
    tardiness = 0
    for job in problem.jobs:
        if job.due is not None:
            completion = max(ends[op.id] for op in job.operations)
            tardiness += job.weight * max(0, completion - job.due)
    w = problem.objective
    objective = w.weighted_tardiness * tardiness + w.total_setup * total_setup + w.makespan * makespan
    return Metrics(makespan, total_setup, tardiness, objective)


def check(problem: Problem, solution: Solution) -> CheckReport:
    """Every rule of `fabnet.problem/1` that the solution breaks, each naming its operation."""
    violations: list[Violation] = []
    operations = problem.operations()
    given: dict[str, Assignment] = {}
    for a in solution.operations:
        if a.id not in operations:
            violations.append(Violation("unknown", a.id, f"operation {a.id!r} is not in the problem"))
        elif a.id in given:
            violations.append(Violation("duplicate", a.id, f"operation {a.id!r} is scheduled twice"))
        else:
            given[a.id] = a
    if solution.status in ("INFEASIBLE", "UNKNOWN") and not solution.operations:
        violations.append(Violation("status", None, f"the solution has no schedule (status {solution.status})"))
        return CheckReport(tuple(violations), None)
    for op_id in operations:
        if op_id not in given:
            violations.append(Violation("missing", op_id, f"operation {op_id!r} is not scheduled"))
    complete = len(given) == len(operations) and not violations

    for a in given.values():
        job, op = operations[a.id]
        durations = {m.machine: m.duration for m in op.modes}
        if a.machine not in durations:
            violations.append(Violation("machine", a.id, f"{a.id}: machine {a.machine!r} is not one of its modes"))
        elif a.end - a.start != durations[a.machine]:
            violations.append(
                Violation("duration", a.id, f"{a.id}: runs {a.end - a.start} min on {a.machine}, "
                          f"its duration there is {durations[a.machine]}")
            )
        release = max(job.release, op.release or 0)
        if a.start < release:
            violations.append(Violation("release", a.id, f"{a.id}: starts at {a.start} before its release {release}"))
        if op.fixed_machine is not None and a.machine != op.fixed_machine:
            violations.append(
                Violation("fixed_machine", a.id, f"{a.id}: frozen on {op.fixed_machine}, scheduled on {a.machine}")
            )
        if op.fixed_start is not None and a.start != op.fixed_start:
            violations.append(
                Violation("fixed_start", a.id, f"{a.id}: frozen at {op.fixed_start}, scheduled at {a.start}")
            )
    for op_id, preds in problem.predecessors().items():
        for pred in preds:
            if op_id in given and pred in given and given[op_id].start < given[pred].end:
                violations.append(
                    Violation("precedence", op_id, f"{op_id}: starts at {given[op_id].start} before its predecessor "
                              f"{pred} ends at {given[pred].end}")
                )

    setups = problem.setup_table()
    by_machine: dict[str, list[Assignment]] = defaultdict(list)
    for a in given.values():
        by_machine[a.machine].append(a)
    for machine in problem.machines:
        items = sorted(by_machine.get(machine.id, []), key=lambda a: (a.start, a.end))
        for a in items:
            for begin, end in machine.unavailable:
                if a.start < end and begin < a.end:
                    violations.append(
                        Violation("unavailable", a.id, f"{a.id}: runs [{a.start}, {a.end}) while {machine.id} is "
                                  f"unavailable [{begin}, {end})")
                    )
        previous_family = machine.initial_family
        previous_end = 0
        previous_id: str | None = None
        for a in items:
            family = operations[a.id][1].family
            if previous_id is not None and a.start < previous_end:
                violations.append(
                    Violation("overlap", a.id, f"{a.id}: starts at {a.start} on {machine.id} while {previous_id} "
                              f"runs until {previous_end}")
                )
            elif previous_family is not None and family is not None:
                needed = setups[machine.id].get((previous_family, family), 0)
                available = a.start - previous_end - _down_minutes(machine.unavailable, previous_end, a.start)
                if available < needed:
                    after = f"after {previous_id}" if previous_id else f"from the initial family {previous_family!r}"
                    violations.append(
                        Violation("setup", a.id, f"{a.id}: changeover {after} on {machine.id} needs {needed} min of "
                                  f"available time, only {available} min left")
                    )
            previous_family, previous_end, previous_id = family, max(previous_end, a.end), a.id

    if problem.permutation:
        violations.extend(_permutation_violations(problem, by_machine))

    metrics = evaluate(problem, tuple(given.values())) if complete else None
    if metrics is not None and solution.objective is not None:
        for name, reported, actual in (
            ("objective", solution.objective, metrics.objective),
            ("makespan", solution.makespan, metrics.makespan),
            ("total_setup", solution.total_setup, metrics.total_setup),
            ("total_weighted_tardiness", solution.total_weighted_tardiness, metrics.total_weighted_tardiness),
        ):
            if reported is not None and reported != actual:
                violations.append(Violation("reported", None, f"reported {name} {reported}, recomputed {actual}"))
    return CheckReport(tuple(violations), metrics)


def _permutation_violations(problem: Problem, by_machine: dict[str, list[Assignment]]) -> list[Violation]:
    operations = problem.operations()
    first_machine: dict[tuple[str, str], str] = {}
    order: dict[tuple[str, str], bool] = {}
    result = []
    for machine, items in by_machine.items():
        starts: dict[str, int] = {}
        for a in items:
            job = operations[a.id][0].id
            starts[job] = min(a.start, starts.get(job, a.start))
        for x, y in combinations(sorted(starts), 2):
            x_first = starts[x] < starts[y]
            if (x, y) in order and order[(x, y)] != x_first:
                result.append(
                    Violation("permutation", None, f"jobs {x} and {y} are in one order on {first_machine[(x, y)]} "
                              f"and in the other on {machine}")
                )
            order.setdefault((x, y), x_first)
            first_machine.setdefault((x, y), machine)
    return result
