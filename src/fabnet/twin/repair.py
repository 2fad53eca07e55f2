"""Repairers the twin can call on a disruption: keep the plan, shift it right, or ask `planning.reschedule`."""

from __future__ import annotations

from dataclasses import dataclass

from fabnet.planning.problem import Assignment, Problem, Solution
from fabnet.twin.result import Disruption


@dataclass(frozen=True)
class KeepPlan:
    """No repair: the floor keeps the current plan (the baseline the repaired runs are compared with)."""

    def __call__(self, problem: Problem, current: Solution, disruption: Disruption) -> Solution:
        return current


@dataclass(frozen=True)
class MoveOffBrokenMachine:
    """A cheap, always-consistent repair: an operation planned on a broken machine during its repair moves to
    another eligible machine whose plan is free over the same slot, at the same start and no longer duration,
    so no precedence or sequence is disturbed. Everything else keeps its plan."""

    def __call__(self, problem: Problem, current: Solution, disruption: Disruption) -> Solution:
        if disruption.kind != "breakdown" or disruption.minutes <= 0:
            return current
        until = disruption.time + disruption.minutes
        operations = problem.operations()
        planned: dict[str, list[tuple[int, int]]] = {}
        for a in current.operations:
            planned.setdefault(a.machine, []).append((a.start, a.end))
        repaired: list[Assignment] = []
        for a in current.operations:
            if a.machine != disruption.machine or not disruption.time < a.start < until:
                repaired.append(a)
                continue
            _, op = operations[a.id]
            for mode in sorted(op.modes, key=lambda m: m.duration):
                end = a.start + mode.duration
                free = all(e <= a.start or s >= end for s, e in planned.get(mode.machine, ()))
                if mode.machine != a.machine and mode.duration <= a.end - a.start and free:
                    planned.setdefault(mode.machine, []).append((a.start, end))
                    a = Assignment(id=a.id, machine=mode.machine, start=a.start, end=end)
                    break
            repaired.append(a)
        return current.model_copy(update={"operations": tuple(repaired)})
