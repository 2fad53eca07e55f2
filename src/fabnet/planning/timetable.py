"""Semi-active timetabling: earliest start times once machines and sequences are chosen."""

from __future__ import annotations

from dataclasses import dataclass

from fabnet.planning.problem import Assignment
from fabnet.planning.schedule.data import ScheduleData


def earliest_fit(windows: tuple[tuple[int, int], ...], earliest: int, setup: int, duration: int) -> int:
    """First start `t >= earliest` such that `[t - setup, t + duration)` avoids every unavailable window.

    The changeover is placed as one block right before the operation, so it also runs in available time.
    """
    t = earliest
    moved = True
    while moved:
        moved = False
        for w_begin, w_end in windows:
            begin, end = t - setup, t + duration
            collides = max(begin, w_begin) < min(end, w_end) if end > begin else w_begin < t < w_end
            if collides:
                t = w_end + setup
                moved = True
    return t


@dataclass(frozen=True)
class Placement:
    operation: int
    machine: int
    start: int
    end: int


def timetable(data: ScheduleData, sequences: dict[int, list[int]]) -> list[Placement] | None:
    """Earliest starts for the given machine choice and per-machine order, or None if the order contradicts
    the precedences. Frozen operations keep their fixed start (even when that leaves a conflict)."""
    position = {op: (k, n) for k, seq in sequences.items() for n, op in enumerate(seq)}
    indegree = {}
    for i, op in enumerate(data.operations):
        indegree[i] = len(op.predecessors) + (1 if position[i][1] > 0 else 0)
    ready = [i for i, d in indegree.items() if d == 0]
    ends: dict[int, int] = {}
    placed: list[Placement] = []
    while ready:
        i = ready.pop()
        op = data.operations[i]
        k, n = position[i]
        duration = next(m.duration for m in op.modes if m.machine == k)
        earliest = max([op.release, *(ends[p] for p in op.predecessors)])
        if n > 0:
            previous = sequences[k][n - 1]
            setup = data.setup(k, data.operations[previous].family, op.family)
            earliest = max(earliest, ends[previous] + setup)
        else:
            setup = data.initial_setup(k, op.family)
            earliest = max(earliest, setup)
        start = op.fixed_start if op.fixed_start is not None else earliest_fit(
            data.machines[k].unavailable, earliest, setup, duration
        )
        ends[i] = start + duration
        placed.append(Placement(i, k, start, start + duration))
        for s in data.successors[i]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
        if n + 1 < len(sequences[k]):
            nxt = sequences[k][n + 1]
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    if len(placed) != len(data.operations):
        return None
    return placed


def to_assignments(data: ScheduleData, placements: list[Placement]) -> tuple[Assignment, ...]:
    ordered = sorted(placements, key=lambda p: p.operation)
    return tuple(
        Assignment(id=data.operations[p.operation].id, machine=data.machines[p.machine].id, start=p.start, end=p.end)
        for p in ordered
    )
