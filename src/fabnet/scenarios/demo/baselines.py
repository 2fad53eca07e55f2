"""ATCS dispatching alone: the schedule a simple MES would give, compared with CP-SAT (which starts from it).

The other baseline, first come, first served, is the network's own (`fabnet.network.fcfs`, as the hub's KPIs).
"""

from __future__ import annotations

import time

from fabnet.planning.dispatch import atcs
from fabnet.planning.problem import Problem, Solution
from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.schedule.solver import placements_to_solution


def atcs_dispatch(problem: Problem) -> Solution:
    started = time.monotonic()
    data = ScheduleData.from_problem(problem)
    return placements_to_solution(data, atcs(data), "FEASIBLE", time.monotonic() - started)
