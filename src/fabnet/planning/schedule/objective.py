"""The CP-SAT objective: weighted tardiness, total changeover and makespan, plus the repair's stability term."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.schedule.variables import Variables


@dataclass(frozen=True)
class Stability:
    """Repair: the old machine and start of each operation; each one that changes costs `weight`."""

    previous: dict[int, tuple[int, int]]  # operation index -> (machine index, start)
    weight: int = 1


def total_setup_expression(data: ScheduleData, v: Variables) -> cp_model.LinearExprT:
    terms: list[cp_model.LinearExprT] = []
    for k, arcs in v.arcs.items():
        entries = data.machine_entries[k]
        for (a, b), literal in arcs.items():
            if b == 0 or a == b:
                continue
            after = data.operations[entries[b - 1][0]].family
            setup = data.initial_setup(k, after) if a == 0 else data.setup(
                k, data.operations[entries[a - 1][0]].family, after
            )
            if setup:
                terms.append(setup * literal)
    for (a, b), literal in v.job_arcs.items():
        if b == 0:
            continue
        setup = 0
        for k in range(len(data.machines)):
            after = data.operations[data.job_operation_on(b - 1, k)].family
            if a == 0:
                setup += data.initial_setup(k, after)
            else:
                setup += data.setup(k, data.operations[data.job_operation_on(a - 1, k)].family, after)
        if setup:
            terms.append(setup * literal)
    return sum(terms) if terms else 0


def _add_load_bounds(model: cp_model.CpModel, data: ScheduleData, v: Variables, makespan: cp_model.IntVar) -> None:
    """Redundant linear bounds for the LP relaxation: every machine's load, and the total load spread over all
    machines, fit before the makespan (no-overlap alone gives the LP no such bound)."""
    total: list[cp_model.LinearExprT] = []
    for entries in data.machine_entries:
        load: list[cp_model.LinearExprT] = []
        for op, mode in entries:
            present = v.operations[op].presence[mode]
            duration = data.operations[op].modes[mode].duration
            load.append(duration if present is True else duration * present)
        if load:
            model.add(makespan >= sum(load))
            total += load
    if total and len(data.machines) > 1:
        model.add(len(data.machines) * makespan >= sum(total))


def add_objective(
    model: cp_model.CpModel, data: ScheduleData, v: Variables, stability: Stability | None = None
) -> cp_model.LinearExprT:
    weights = data.problem.objective
    horizon = data.horizon
    terms: list[cp_model.LinearExprT] = []
    sinks = [i for i, succ in enumerate(data.successors) if not succ]
    if weights.makespan:
        v.makespan = model.new_int_var(0, 2 * horizon, "makespan")
        for i in sinks:
            model.add(v.makespan >= v.operations[i].end)
        if not data.problem.permutation:
            _add_load_bounds(model, data, v, v.makespan)
        terms.append(weights.makespan * v.makespan)
    if weights.weighted_tardiness:
        for j, job in enumerate(data.jobs):
            if job.due is None or job.weight == 0:
                continue
            tardiness = model.new_int_var(0, 2 * horizon, f"tardiness[{job.id}]")
            for i in job.operations:
                if not data.successors[i] or all(data.operations[s].job != j for s in data.successors[i]):
                    model.add(tardiness >= v.operations[i].end - job.due)
            v.tardiness[j] = tardiness
            terms.append(weights.weighted_tardiness * job.weight * tardiness)
    if weights.total_setup:
        terms.append(weights.total_setup * total_setup_expression(data, v))
    if stability is not None:
        for i, (machine, start) in stability.previous.items():
            op = data.operations[i]
            if op.fixed_start is not None:
                continue
            moved = model.new_bool_var(f"moved[{op.id}]")
            v.moved[i] = moved
            model.add(v.operations[i].start == start).only_enforce_if(~moved)
            for m, mode in enumerate(op.modes):
                present = v.operations[i].presence[m]
                if mode.machine == machine and present is not True:
                    model.add_implication(~moved, present)
            terms.append(stability.weight * moved)
    objective = sum(terms) if terms else 0
    model.minimize(objective)
    return objective
