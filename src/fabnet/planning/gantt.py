"""Gantt chart data for a solution: one row per machine with operations, changeovers and unavailable time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from fabnet.planning.problem import Problem, Solution


@dataclass(frozen=True)
class Bar:
    kind: Literal["operation", "setup", "unavailable"]
    start: int
    end: int
    label: str
    job: str | None = None
    family: str | None = None
    late: bool = False


@dataclass(frozen=True)
class Row:
    machine: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class GanttChart:
    title: str
    horizon: int
    rows: tuple[Row, ...]
    jobs: tuple[str, ...]


def build_gantt(problem: Problem, solution: Solution, title: str = "schedule") -> GanttChart:
    """Bars per machine; each changeover is drawn as a block ending where the operation after it starts."""
    operations = problem.operations()
    setups = problem.setup_table()
    ends: dict[str, int] = {}
    for a in solution.operations:
        job_id = operations[a.id][0].id
        ends[job_id] = max(ends.get(job_id, 0), a.end)
    late = {job.id for job in problem.jobs if job.due is not None and ends.get(job.id, 0) > job.due}
    by_machine: dict[str, list] = defaultdict(list)
    for a in solution.operations:
        by_machine[a.machine].append(a)
    rows = []
    for machine in problem.machines:
        bars: list[Bar] = [Bar("unavailable", b, e, f"{machine.id} unavailable") for b, e in machine.unavailable]
        previous = machine.initial_family
        for a in sorted(by_machine.get(machine.id, []), key=lambda a: (a.start, a.end)):
            job, op = operations[a.id]
            minutes = setups[machine.id].get((previous, op.family), 0) if previous and op.family else 0
            if minutes:
                label = f"changeover {previous} → {op.family}: {minutes} min"
                bars.append(Bar("setup", a.start - minutes, a.start, label))
            bars.append(Bar("operation", a.start, a.end, a.id, job.id, op.family, job.id in late))
            previous = op.family
        rows.append(Row(machine.id, tuple(sorted(bars, key=lambda b: (b.start, b.end)))))
    horizon = max([a.end for a in solution.operations] + [e for m in problem.machines for _, e in m.unavailable] + [1])
    return GanttChart(title, horizon, tuple(rows), tuple(job.id for job in problem.jobs))
