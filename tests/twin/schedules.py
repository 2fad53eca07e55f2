"""Test problems and a tiny list scheduler (semi-active, setups before operations, calendar-aware)."""

from __future__ import annotations

import random

from fabnet.planning.problem import Assignment, Job, Mode, Problem, ProblemMachine, ProblemOperation, Setup, Solution


def _fits(unavailable: tuple[tuple[int, int], ...], t: int, setup: int, duration: int) -> int:
    moved = True
    while moved:
        moved = False
        for begin, end in unavailable:
            begin_busy, end_busy = t - setup, t + duration
            inside = max(begin_busy, begin) < min(end_busy, end) if end_busy > begin_busy else begin < t < end
            if inside:
                t = end + setup
                moved = True
    return t


def greedy_schedule(problem: Problem) -> Solution:
    """Operations in job-round-robin topological order, each on the mode that ends first."""
    machines = {m.id: m for m in problem.machines}
    free = dict.fromkeys(machines, 0)
    family = {m.id: m.initial_family for m in problem.machines}
    table = problem.setup_table()
    preds = problem.predecessors()
    operations = problem.operations()
    ends: dict[str, int] = {}
    assignments: list[Assignment] = []
    pending = list(operations)
    while pending:
        ready = [op_id for op_id in pending if all(p in ends for p in preds[op_id])]
        ready.sort(key=lambda op_id: max([0, *(ends[p] for p in preds[op_id])]))
        op_id = ready[0]
        job, op = operations[op_id]
        earliest = max([job.release, op.release or 0, *(ends[p] for p in preds[op_id])])
        best = None
        for mode in op.modes:
            k = mode.machine
            setup = table[k].get((family[k], op.family), 0) if family[k] and op.family else 0
            start = _fits(machines[k].unavailable, max(earliest, free[k] + setup), setup, mode.duration)
            candidate = (start + mode.duration, start, k)
            best = candidate if best is None or candidate < best else best
        assert best is not None
        end, start, k = best
        assignments.append(Assignment(id=op_id, machine=k, start=start, end=end))
        ends[op_id] = end
        free[k] = end
        family[k] = op.family
        pending.remove(op_id)
    return Solution(status="FEASIBLE", operations=tuple(assignments), makespan=max(ends.values()))


def random_problem(seed: int, jobs: int = 6, machines: int = 3, ops_per_job: int = 3,
                   unavailable: bool = True) -> Problem:
    """A small flexible job shop with families, setups, releases, due dates and maintenance windows."""
    rng = random.Random(seed)
    machine_ids = [f"m{k}" for k in range(machines)]
    families = ["A", "B", "C"]
    problem_machines = tuple(
        ProblemMachine(
            id=m, initial_family=rng.choice(families),
            unavailable=((rng.randint(20, 60), rng.randint(70, 90)),) if unavailable and rng.random() < 0.7 else (),
        )
        for m in machine_ids
    )
    job_list = []
    for j in range(jobs):
        ops = []
        for o in range(ops_per_job):
            eligible = rng.sample(machine_ids, rng.randint(1, min(2, machines)))
            ops.append(ProblemOperation(
                id=f"j{j}-o{o}", family=rng.choice(families),
                modes=tuple(Mode(machine=m, duration=rng.randint(0 if o == 1 else 1, 15)) for m in eligible),
            ))
        job_list.append(Job(id=f"j{j}", release=rng.randint(0, 10), due=rng.randint(20, 80),
                            weight=rng.randint(1, 3), operations=tuple(ops)))
    setups = tuple(
        Setup(machine=m, from_family=a, to_family=b, duration=rng.randint(1, 6))
        for m in machine_ids for a in families for b in families if a != b
    )
    return Problem(machines=problem_machines, jobs=tuple(job_list), setups=setups)
