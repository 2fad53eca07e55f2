"""Explains why a problem has no schedule: frozen operations, releases, precedences and downtime that clash."""

from __future__ import annotations

from fabnet.planning.schedule.data import ScheduleData


def explain_infeasibility(data: ScheduleData) -> list[str]:
    """Reasons that each name the job and operation involved (empty if no simple reason is found)."""
    reasons: list[str] = []
    earliest_end: dict[int, int] = {}
    earliest_start: dict[int, int] = {}
    for i in data.topological_order:
        op = data.operations[i]
        job = data.jobs[op.job].id
        ready = op.release
        cause = "its release"
        for p in op.predecessors:
            if earliest_end[p] > ready:
                ready, cause = earliest_end[p], f"its predecessor {data.operations[p].id!r}"
        if op.fixed_start is not None:
            if op.fixed_start < ready:
                reasons.append(f"job {job!r}, operation {op.id!r}: frozen at {op.fixed_start} but {cause} allows "
                               f"{ready} at the earliest")
            ready = op.fixed_start
        earliest_start[i] = ready
        earliest_end[i] = ready + min(m.duration for m in op.modes)
    frozen = [i for i, op in enumerate(data.operations) if op.fixed_start is not None and len(op.modes) == 1]
    for i in frozen:
        op = data.operations[i]
        mode = op.modes[0]
        start, end = op.fixed_start or 0, (op.fixed_start or 0) + mode.duration
        machine = data.machines[mode.machine]
        for begin, stop in machine.unavailable:
            if start < stop and begin < end:
                reasons.append(f"job {data.jobs[op.job].id!r}, operation {op.id!r}: frozen at [{start}, {end}) on "
                               f"{machine.id}, which is unavailable [{begin}, {stop})")
        for j in frozen:
            other = data.operations[j]
            if j <= i or other.modes[0].machine != mode.machine:
                continue
            o_start = other.fixed_start or 0
            if start < o_start + other.modes[0].duration and o_start < end:
                reasons.append(f"operations {op.id!r} (job {data.jobs[op.job].id!r}) and {other.id!r} (job "
                               f"{data.jobs[other.job].id!r}) are both frozen on {machine.id} at overlapping times")
    return reasons
