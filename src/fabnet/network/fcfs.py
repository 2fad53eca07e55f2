"""First-come-first-served dispatch: the baseline a schedule's changeover savings are measured against.

Jobs are taken in order of release (ties: the order they are listed, i.e. arrival); each job's operations
in precedence order; each operation goes to the machine of its modes where it would finish first, after
that machine's previous operation and the changeover to its family, in available time. No look-ahead,
no grouping of families — the way a shop without a scheduler works its queue.
"""

from fabnet.planning.problem import Problem, Solution
from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.schedule.solver import placements_to_solution
from fabnet.planning.timetable import Placement, earliest_fit


def fcfs_placements(data: ScheduleData) -> list[Placement]:
    """The FCFS schedule of prepared data, operation by operation."""
    topo = {op: n for n, op in enumerate(data.topological_order)}
    job_rank = {j: n for n, j in enumerate(sorted(range(len(data.jobs)), key=lambda j: (data.jobs[j].release, j)))}
    queue = sorted(range(len(data.operations)), key=lambda i: (job_rank[data.operations[i].job], topo[i]))
    machine_free = [0] * len(data.machines)
    family: list[str | None] = [m.initial_family for m in data.machines]
    ends: dict[int, int] = {}
    placed: list[Placement] = []
    while queue:
        # an operation waiting for a predecessor of a later job is passed over until that one is placed
        i = next(i for i in queue if all(p in ends for p in data.operations[i].predecessors))
        queue.remove(i)
        op = data.operations[i]
        ready = max([op.release, *(ends[p] for p in op.predecessors)])
        best: Placement | None = None
        for mode in op.modes:
            k = mode.machine
            setup = data.setup(k, family[k], op.family)
            if op.fixed_start is not None:
                start = op.fixed_start
            else:
                start = earliest_fit(data.machines[k].unavailable, max(ready, machine_free[k] + setup), setup,
                                     mode.duration)
            if best is None or start + mode.duration < best.end:
                best = Placement(i, k, start, start + mode.duration)
        assert best is not None  # every operation has at least one mode
        placed.append(best)
        ends[i] = best.end
        machine_free[best.machine] = max(machine_free[best.machine], best.end)
        family[best.machine] = op.family
    return placed


def fcfs(problem: Problem) -> Solution:
    """The FCFS schedule of a problem as a `Solution` (status FEASIBLE), with its objective figures."""
    data = ScheduleData.from_problem(problem)
    return placements_to_solution(data, fcfs_placements(data), "FEASIBLE", 0.0)
