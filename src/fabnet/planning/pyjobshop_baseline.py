"""The same `Problem` modelled in PyJobShop (CP-SAT backend), the reference solver of the benchmark harness."""

from __future__ import annotations

import time

import pyjobshop
from pyjobshop import Model

from fabnet.planning.check import evaluate
from fabnet.planning.problem import Assignment, Problem, Solution

_STATUS = {"Optimal": "OPTIMAL", "Feasible": "FEASIBLE", "Infeasible": "INFEASIBLE"}


def pyjobshop_model(problem: Problem) -> Model:
    """Machines with breaks, jobs with release/due/weight, one task per operation with its modes, precedences,
    setup times per task pair (from families), same-sequence for permutation shops, the weighted objective.
    A machine's initial family has no PyJobShop counterpart and is left out."""
    model = Model()
    machines = {m.id: model.add_machine(breaks=list(m.unavailable) or None, name=m.id) for m in problem.machines}
    tasks = {}
    families = {}
    for job in problem.jobs:
        pj_job = model.add_job(weight=job.weight, release_date=job.release, due_date=job.due, name=job.id)
        for op in job.operations:
            earliest = max(job.release, op.release or 0)
            fixed = op.fixed_start
            task = model.add_task(
                job=pj_job,
                earliest_start=fixed if fixed is not None else earliest,
                latest_start=fixed if fixed is not None else pyjobshop.constants.MAX_VALUE,
                name=op.id,
            )
            tasks[op.id] = task
            families[op.id] = op.family
            for mode in op.modes:
                if op.fixed_machine is None or mode.machine == op.fixed_machine:
                    model.add_mode(task, machines[mode.machine], mode.duration)
    for op_id, preds in problem.predecessors().items():
        for pred in preds:
            model.add_end_before_start(tasks[pred], tasks[op_id])
    table = problem.setup_table()
    by_machine: dict[str, list[str]] = {m.id: [] for m in problem.machines}
    for job in problem.jobs:
        for op in job.operations:
            for mode in op.modes:
                by_machine[mode.machine].append(op.id)
    for machine, op_ids in by_machine.items():
        if not table[machine]:
            continue
        for a in op_ids:
            for b in op_ids:
                if a != b and families[a] is not None and families[b] is not None:
                    duration = table[machine].get((families[a], families[b]), 0)
                    if duration:
                        model.add_setup_time(machines[machine], tasks[a], tasks[b], duration)
    if problem.permutation:
        first = problem.machines[0].id
        for other in problem.machines[1:]:
            model.add_same_sequence(
                machines[first], machines[other.id],
                [tasks[o] for o in by_machine[first]], [tasks[o] for o in by_machine[other.id]],
            )
    w = problem.objective
    model.set_objective(
        weight_makespan=w.makespan, weight_total_tardiness=w.weighted_tardiness, weight_total_setup_time=w.total_setup
    )
    return model


def solve_with_pyjobshop(problem: Problem, time_limit: float, workers: int = 2) -> Solution:
    """Solve with PyJobShop's CP-SAT model; the objective is recomputed by fabnet's checker for a fair table."""
    started = time.monotonic()
    model = pyjobshop_model(problem)
    result = model.solve(solver="ortools", time_limit=time_limit, num_workers=workers, display=False)
    runtime = time.monotonic() - started
    status = _STATUS.get(result.status.value, "UNKNOWN")
    if status not in ("OPTIMAL", "FEASIBLE"):
        return Solution(status=status, runtime_s=round(runtime, 3))  # type: ignore[arg-type]
    resources = [m.id for m in problem.machines]
    op_ids = [op.id for job in problem.jobs for op in job.operations]
    assignments = tuple(
        Assignment(id=op_ids[n], machine=resources[task.resources[0]], start=task.start, end=task.end)
        for n, task in enumerate(result.best.tasks)
    )
    metrics = evaluate(problem, assignments)
    return Solution(
        status=status,  # type: ignore[arg-type]
        objective=metrics.objective,
        lower_bound=int(result.lower_bound),
        makespan=metrics.makespan,
        total_setup=metrics.total_setup,
        total_weighted_tardiness=metrics.total_weighted_tardiness,
        runtime_s=round(runtime, 3),
        operations=assignments,
    )
