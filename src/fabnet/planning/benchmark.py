"""The scheduling benchmark harness: the same instances and limits for fabnet, PyJobShop and a dispatching rule."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fabnet.planning.dispatch import atcs
from fabnet.planning.problem import Problem, Solution
from fabnet.planning.schedule import ScheduleData, SolveOptions, solve
from fabnet.planning.schedule.solver import placements_to_solution

SUITE_LABELS = {"sdst-pfsp": "SDST-PFSP", "tt-pfsp": "TT-PFSP"}

SolverRun = Callable[[Problem, float, int], Solution]


def run_fabnet(problem: Problem, time_limit: float, workers: int) -> Solution:
    return solve(problem, SolveOptions(time_limit=time_limit, workers=workers))


def run_dispatch(problem: Problem, time_limit: float, workers: int) -> Solution:
    """The ATCS dispatching rule alone (no search), as the baseline a planner would get from a simple MES."""
    del time_limit, workers
    started = time.monotonic()
    data = ScheduleData.from_problem(problem)
    placements = atcs(data)
    return placements_to_solution(data, placements, "FEASIBLE", time.monotonic() - started)


def run_pyjobshop(problem: Problem, time_limit: float, workers: int) -> Solution:
    from fabnet.planning.pyjobshop_baseline import solve_with_pyjobshop  # imported late: PyJobShop is optional

    return solve_with_pyjobshop(problem, time_limit, workers)


SOLVERS: dict[str, SolverRun] = {"fabnet": run_fabnet, "pyjobshop": run_pyjobshop, "dispatch": run_dispatch}


def parse_bks_json(text: str) -> dict[str, int]:
    """ScheduleOpt `bks.json`: instance -> upper bound (the best solution known)."""
    return {name: int(values["upper_bound"]) for name, values in json.loads(text).items()}


def parse_bks_csv(text: str, suite: str) -> dict[str, int]:
    """PyJobShop experiments `bks.csv` rows `problem,instance,bks` for one suite; keys drop the `.txt`."""
    label = SUITE_LABELS.get(suite, suite.upper())
    rows = csv.DictReader(io.StringIO(text))
    return {row["instance"].removesuffix(".txt"): int(row["bks"]) for row in rows if row["problem"] == label}


@dataclass(frozen=True)
class Result:
    solver: str
    status: str
    value: int | None
    gap: float | None
    runtime_s: float
    feasible: bool


@dataclass
class Row:
    instance: str
    best_known: int | None
    results: dict[str, Result] = field(default_factory=dict)


def gap(value: int | None, best_known: int | None) -> float | None:
    if value is None or best_known is None:
        return None
    if best_known == 0:
        return 0.0 if value == 0 else None
    return (value - best_known) / best_known


def run_benchmark(
    instances: Sequence[tuple[str, Problem]],
    best_known: dict[str, int],
    solvers: Sequence[str],
    time_limit: float,
    workers: int,
    on_result: Callable[[str, Result], None] | None = None,
) -> list[Row]:
    """Each instance with each solver under the same limits; every value is the checker-recomputed objective."""
    from fabnet.planning.check import check

    rows = []
    for name, problem in instances:
        row = Row(name, best_known.get(name))
        for solver in solvers:
            solution = SOLVERS[solver](problem, time_limit, workers)
            feasible = bool(solution.operations) and check(problem, solution).feasible
            value = solution.objective if feasible else None
            result = Result(solver, solution.status, value, gap(value, row.best_known), solution.runtime_s, feasible)
            row.results[solver] = result
            if on_result is not None:
                on_result(name, result)
        rows.append(row)
    return rows


def mean_gap(rows: Sequence[Row], solver: str) -> float | None:
    gaps = [row.results[solver].gap for row in rows if solver in row.results]
    if not gaps or any(g is None for g in gaps):
        return None
    return sum(g for g in gaps if g is not None) / len(gaps)


def to_json(rows: Sequence[Row], suite: str, time_limit: float, workers: int, solvers: Sequence[str]) -> dict:
    return {
        "suite": suite,
        "time_limit_s": time_limit,
        "workers": workers,
        "mean_gap": {s: mean_gap(rows, s) for s in solvers},
        "instances": [
            {"instance": r.instance, "best_known": r.best_known,
             "results": {s: vars(res) for s, res in r.results.items()}}
            for r in rows
        ],
    }
