"""A whole network's open orders as one scheduling problem with a dispatch schedule (the twin's big test case)."""

from __future__ import annotations

import math

from fabnet.domain import RegionalNetwork
from fabnet.planning.problem import Job, Mode, Problem, Solution


def network_problem(network: RegionalNetwork, *, horizon_days: int = 35, min_operations: int = 0) -> Problem:
    """Every company's open orders on its own machines, side by side in one problem.

    When fewer than `min_operations` operations result, each order is split into equal transfer lots (its
    durations divided, rounded up) until there are enough: the same work, released in smaller batches.
    """
    from fabnet.planning.orders import problem_from_orders

    parts: list[Problem] = []
    for company in network.companies:
        if not network.machines_of(company.id):
            continue
        try:
            problem, _warnings = problem_from_orders(network, company.id, horizon_days=horizon_days)
        except ValueError:
            continue  # a company without open orders it can work on adds nothing
        parts.append(problem)
    if not parts:
        raise ValueError(f"network {network.name!r}: no company has open orders it can schedule")
    jobs = [job for part in parts for job in part.jobs]
    operations = sum(len(job.operations) for job in jobs)
    lots = max(1, math.ceil(min_operations / operations)) if operations else 1
    if lots > 1:
        jobs = [lot for job in jobs for lot in _split(job, lots)]
    return Problem(
        machines=tuple(m for part in parts for m in part.machines),
        jobs=tuple(jobs),
        setups=tuple(s for part in parts for s in part.setups),
    )


def _split(job: Job, lots: int) -> list[Job]:
    result = []
    for lot in range(1, lots + 1):
        suffix = f"#lot{lot}"
        operations = tuple(
            op.model_copy(update={
                "id": op.id + suffix,
                "modes": tuple(Mode(machine=m.machine, duration=math.ceil(m.duration / lots)) for m in op.modes),
                "after": None if op.after is None else tuple(p + suffix for p in op.after),
            })
            for op in job.operations
        )
        result.append(job.model_copy(update={"id": job.id + suffix, "operations": operations}))
    return result


def dispatch_schedule(problem: Problem) -> Solution:
    """A feasible schedule from the planning package's ATCS dispatching rule (no solver time)."""
    from fabnet.planning.dispatch import atcs
    from fabnet.planning.schedule.data import ScheduleData
    from fabnet.planning.timetable import to_assignments

    data = ScheduleData.from_problem(problem)
    assignments = to_assignments(data, atcs(data))
    return Solution(status="FEASIBLE", operations=assignments, makespan=max(a.end for a in assignments))
