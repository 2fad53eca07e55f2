"""Constructive heuristics: ATCS dispatching (the baseline rule and the warm start) and NEH for permutation shops.

ATCS = apparent tardiness cost with setups (Lee, Bhaskaran & Pinedo 1997): among the operations that could
start before the earliest possible completion, pick the one maximising
`w / p * exp(-max(slack, 0) / (k1 * p_mean)) * exp(-s / (k2 * s_mean))`. When the objective has no due-date
term the slack term is replaced by the job's remaining work (most-work-remaining), which suits makespan.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fabnet.planning.permutation_search import FlowShop, iterated_greedy
from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.timetable import Placement, earliest_fit, timetable


@dataclass(frozen=True)
class AtcsParameters:
    k1: float = 2.0  # due-date look-ahead
    k2: float = 0.5  # setup look-ahead


def atcs(data: ScheduleData, parameters: AtcsParameters = AtcsParameters()) -> list[Placement]:
    """A complete, feasible schedule built operation by operation (frozen operations are placed first).

    For permutation flow shops the job order that ATCS gives the first machine is timetabled on all machines.
    """
    placed = _atcs(data, parameters)
    if data.problem.permutation and data.is_flow_shop:
        first = sorted((p for p in placed if p.machine == 0), key=lambda p: p.start)
        jobs = [data.operations[p.operation].job for p in first]
        ordered = timetable(data, {k: [data.job_operation_on(j, k) for j in jobs] for k in range(len(data.machines))})
        if ordered is not None:
            return ordered
    return placed


def _atcs(data: ScheduleData, parameters: AtcsParameters) -> list[Placement]:
    operations = data.operations
    tail = data.tail
    machine_free = [0] * len(data.machines)
    machine_family: list[str | None] = [m.initial_family for m in data.machines]
    ends: dict[int, int] = {}
    placed: list[Placement] = []
    remaining_preds = [len(op.predecessors) for op in operations]
    for i in sorted((i for i, op in enumerate(operations) if op.fixed_start is not None),
                    key=lambda i: operations[i].fixed_start or 0):
        op, mode = operations[i], operations[i].modes[0]
        start = op.fixed_start or 0
        placed.append(Placement(i, mode.machine, start, start + mode.duration))
        ends[i] = start + mode.duration
        if start + mode.duration >= machine_free[mode.machine]:
            machine_free[mode.machine] = start + mode.duration
            machine_family[mode.machine] = op.family
    for i in ends:
        for s in data.successors[i]:
            remaining_preds[s] -= 1
    ready = {i for i, n in enumerate(remaining_preds) if n == 0 and i not in ends}
    mean_p = sum(min(m.duration for m in op.modes) for op in operations) / max(1, len(operations)) or 1.0
    setup_values = [v for table in data.setups for v in table.values()]
    mean_s = (sum(setup_values) / len(setup_values)) if setup_values else 1.0
    use_due = bool(data.problem.objective.weighted_tardiness) and any(j.due is not None for j in data.jobs)
    while ready:
        options: dict[int, tuple[int, int, int, int]] = {}  # op -> (end, start, machine, setup)
        for i in ready:
            op = operations[i]
            earliest = max([op.release, *(ends[p] for p in op.predecessors)])
            best: tuple[int, int, int, int] | None = None
            for mode in op.modes:
                k = mode.machine
                setup = data.setup(k, machine_family[k], op.family)
                start = earliest_fit(data.machines[k].unavailable, max(earliest, machine_free[k] + setup), setup,
                                     mode.duration)
                candidate = (start + mode.duration, start, k, setup)
                if best is None or candidate < best:
                    best = candidate
            assert best is not None
            options[i] = best
        first_end = min(v[0] for v in options.values())
        conflict = [i for i, v in options.items() if v[1] < first_end] or list(options)
        now = min(options[i][1] for i in conflict)

        scores: dict[int, float] = {}
        for i in conflict:
            op = operations[i]
            job = data.jobs[op.job]
            _, start, k, setup = options[i]
            duration = next(m.duration for m in op.modes if m.machine == k)
            setup_term = math.exp(-setup / (parameters.k2 * mean_s)) if mean_s else 1.0
            if use_due:
                due = job.due if job.due is not None else data.horizon
                slack = max(0.0, due - tail[i] - max(now, start))
                urgency = math.exp(-slack / (parameters.k1 * mean_p))
                scores[i] = (job.weight or 1) / max(duration, 1) * urgency * setup_term
            else:
                scores[i] = (tail[i] + 1) * setup_term
        chosen = max(conflict, key=lambda i: (scores[i], -options[i][1], -i))
        end, start, k, _ = options[chosen]
        placed.append(Placement(chosen, k, start, end))
        ends[chosen] = end
        machine_free[k] = end
        machine_family[k] = operations[chosen].family
        ready.discard(chosen)
        for s in data.successors[chosen]:
            remaining_preds[s] -= 1
            if remaining_preds[s] == 0 and s not in ends:
                ready.add(s)
    return placed


def neh(data: ScheduleData) -> list[Placement] | None:
    """NEH insertion (Nawaz, Enscore & Ham 1983) for flow-shop shaped permutation problems, evaluated with
    setups, release dates and the problem's objective; None when the problem is not flow-shop shaped."""
    if not data.is_flow_shop or any(op.fixed_start is not None for op in data.operations):
        return None
    shop = FlowShop.from_data(data)
    n = len(data.jobs)
    total = [sum(row) for row in shop.p]
    if shop.w_tardiness and any(due is not None for due in shop.due):
        order = sorted(range(n), key=lambda j: (shop.due[j] if shop.due[j] is not None else data.horizon, -total[j]))
    else:
        order = sorted(range(n), key=lambda j: -total[j])
    sequence: list[int] = []
    for j in order:
        _, at = shop.best_insertion(sequence, j)
        sequence.insert(at, j)
    return sequence_schedule(data, sequence)


def sequence_schedule(data: ScheduleData, sequence: list[int]) -> list[Placement] | None:
    """Timetable one job sequence on every machine of a flow-shop shaped problem."""
    machines = range(len(data.machines))
    return timetable(data, {k: [data.job_operation_on(j, k) for j in sequence] for k in machines})


def initial_schedule(data: ScheduleData, search_seconds: float = 0.0, seed: int = 0) -> list[Placement]:
    """The warm start: for permutation flow shops NEH, improved by iterated greedy for `search_seconds`;
    ATCS otherwise."""
    if data.problem.permutation and data.is_flow_shop and not any(op.fixed_start is not None for op in data.operations):
        started = time.monotonic()
        first = neh(data)
        if first is not None:
            if search_seconds <= 0:
                return first
            by_start = sorted((p for p in first if p.machine == 0), key=lambda p: p.start)
            sequence = [data.operations[p.operation].job for p in by_start]
            remaining = search_seconds - (time.monotonic() - started)
            better = sequence_schedule(data, iterated_greedy(FlowShop.from_data(data), sequence, remaining, seed))
            return better if better is not None else first
    return atcs(data)
