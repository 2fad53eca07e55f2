"""The twin's bridge to `planning.reschedule`: a disruption becomes a planning event, the repair a new plan."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fabnet.planning.problem import Mode, Problem, Solution
from fabnet.planning.reschedule import Breakdown, RepairOptions, RescheduleError, repair
from fabnet.twin.result import Disruption


@dataclass(frozen=True)
class PlanningRepair:
    """Repairs with CP-SAT (`planning.reschedule.repair`), warm-started from the current plan.

    A breakdown is a breakdown event; a rework pass occupies its machine like one. Operations that have begun
    are frozen at their actual start with their actual (or expected) duration, so the planner sees the floor as
    it is. A repair that fails keeps the current plan.
    """

    time_limit: float = 0.5
    workers: int = 1
    stability_weight: int = 1

    def __call__(self, problem: Problem, current: Solution, disruption: Disruption) -> Solution:
        at = math.ceil(disruption.time)
        minutes = max(1, math.ceil(disruption.minutes))
        if disruption.minutes <= 0:
            return current
        event = Breakdown.model_validate({"machine": disruption.machine, "from": at, "duration": minutes})
        try:
            result = repair(_as_run(problem, current, at), current, event,
                            RepairOptions(time_limit=self.time_limit, workers=self.workers,
                                          stability_weight=self.stability_weight))
        except RescheduleError:
            return current
        if result.solution.status not in ("OPTIMAL", "FEASIBLE"):
            return current
        return result.solution


def _as_run(problem: Problem, current: Solution, at: int) -> Problem:
    """Begun operations get their actual machine and duration as the only mode."""
    begun = {a.id: a for a in current.operations if a.start < at}
    jobs = []
    for job in problem.jobs:
        operations = tuple(
            op.model_copy(update={"modes": (Mode(machine=begun[op.id].machine,
                                                 duration=begun[op.id].end - begun[op.id].start),)})
            if op.id in begun else op
            for op in job.operations
        )
        jobs.append(job.model_copy(update={"operations": operations}))
    return problem.model_copy(update={"jobs": tuple(jobs)})
