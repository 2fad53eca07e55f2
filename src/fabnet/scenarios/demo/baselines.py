"""The schedules a shop gets without optimisation: first come, first served, and ATCS dispatching.

First come, first served is what a planner without a scheduler does: every operation on its quickest eligible
machine, and every machine working through its operations in order of the jobs' release (then the job's own
operation order). That order agrees with every precedence, so the timetable always exists.
"""

from __future__ import annotations

import time

from fabnet.planning.dispatch import atcs
from fabnet.planning.problem import Problem, Solution
from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.schedule.solver import placements_to_solution
from fabnet.planning.timetable import timetable


def first_come_first_served(problem: Problem) -> Solution:
    started = time.monotonic()
    data = ScheduleData.from_problem(problem)
    rank = {i: n for n, i in enumerate(data.topological_order)}
    sequences: dict[int, list[int]] = {k: [] for k in range(len(data.machines))}
    for i, op in enumerate(data.operations):
        quickest = min(op.modes, key=lambda mode: mode.duration)
        sequences[quickest.machine].append(i)
    for sequence in sequences.values():
        sequence.sort(key=lambda i: (data.jobs[data.operations[i].job].release, data.operations[i].job, rank[i]))
    placements = timetable(data, sequences)
    if placements is None:  # cannot happen for precedence-consistent sequences; kept as a clear failure
        raise RuntimeError("first-come-first-served sequences contradict the precedences")
    return placements_to_solution(data, placements, "FEASIBLE", time.monotonic() - started)


def atcs_dispatch(problem: Problem) -> Solution:
    started = time.monotonic()
    data = ScheduleData.from_problem(problem)
    return placements_to_solution(data, atcs(data), "FEASIBLE", time.monotonic() - started)
