"""CP-SAT constraints: precedences, machine sequencing with setups, unavailability, permutation."""

from __future__ import annotations

from ortools.sat.python import cp_model

from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.schedule.variables import Variables


def add_precedences(model: cp_model.CpModel, data: ScheduleData, v: Variables) -> None:
    for i, op in enumerate(data.operations):
        for p in op.predecessors:
            model.add(v.operations[i].start >= v.operations[p].end)


def _window_intervals(model: cp_model.CpModel, data: ScheduleData, machine: int) -> list[cp_model.IntervalVar]:
    return [
        model.new_fixed_size_interval_var(begin, end - begin, f"down[{data.machines[machine].id},{begin}]")
        for begin, end in data.machines[machine].unavailable
    ]


def _extended_interval(
    model: cp_model.CpModel, data: ScheduleData, v: Variables, op: int, mode: int, setup: cp_model.LinearExprT
) -> cp_model.IntervalVar:
    """The operation with its incoming changeover in front: the changeover also needs available machine time."""
    ov = v.operations[op]
    duration = data.operations[op].modes[mode].duration
    horizon = data.horizon
    setup_var = model.new_int_var(0, horizon, f"setup_before[{data.operations[op].id},{mode}]")
    model.add(setup_var == setup)
    begin = model.new_int_var(-horizon, horizon, f"setup_start[{data.operations[op].id},{mode}]")
    model.add(begin == ov.start - setup_var)
    size = model.new_int_var(duration, duration + horizon, f"setup_size[{data.operations[op].id},{mode}]")
    model.add(size == setup_var + duration)
    v.setup_before[(op, mode)] = (setup_var, begin, size)
    end = ov.start + duration
    present = ov.presence[mode]
    if present is True:
        return model.new_interval_var(begin, size, end, f"ext[{data.operations[op].id}]")
    return model.new_optional_interval_var(begin, size, end, present, f"ext[{data.operations[op].id},{mode}]")


def _machine_circuit(model: cp_model.CpModel, data: ScheduleData, v: Variables, machine: int) -> None:
    """Successor arcs on one machine (node 0 = start/end): an arc enforces the changeover between its ends."""
    entries = data.machine_entries[machine]
    ancestors = data.ancestors
    arcs: dict[tuple[int, int], cp_model.IntVar] = {}
    incoming: dict[int, list[tuple[cp_model.IntVar, int]]] = {n: [] for n in range(1, len(entries) + 1)}
    graph = []
    optional = False
    for n, (op, mode) in enumerate(entries, start=1):
        ov = v.operations[op]
        family = data.operations[op].family
        present = ov.presence[mode]
        if present is not True:
            optional = True
            graph.append((n, n, ~present))
        first = model.new_bool_var(f"first[{data.machines[machine].id},{data.operations[op].id}]")
        last = model.new_bool_var(f"last[{data.machines[machine].id},{data.operations[op].id}]")
        graph += [(0, n, first), (n, 0, last)]
        arcs[(0, n)], arcs[(n, 0)] = first, last
        initial = data.initial_setup(machine, family)
        if initial:
            model.add(ov.start >= initial).only_enforce_if(first)
            incoming[n].append((first, initial))
        for m, (other, other_mode) in enumerate(entries, start=1):
            if other == op or ancestors[op] >> other & 1:
                continue  # `other` must finish before `op` starts, so `op` can never directly precede it
            literal = model.new_bool_var(f"arc[{data.machines[machine].id},{data.operations[op].id}->{m}]")
            graph.append((n, m, literal))
            arcs[(n, m)] = literal
            setup = data.setup(machine, family, data.operations[other].family)
            model.add(v.operations[other].start >= ov.start + data.operations[op].modes[mode].duration + setup)\
                .only_enforce_if(literal)
            if setup:
                incoming[m].append((literal, setup))
            del other_mode
    if optional:
        empty = model.new_bool_var(f"empty[{data.machines[machine].id}]")
        graph.append((0, 0, empty))
        arcs[(0, 0)] = empty
    model.add_circuit(graph)
    v.arcs[machine] = arcs
    _no_overlap(model, data, v, machine, {n: sum(lit * s for lit, s in pairs) for n, pairs in incoming.items()})


def _no_overlap(
    model: cp_model.CpModel,
    data: ScheduleData,
    v: Variables,
    machine: int,
    incoming_setup: dict[int, cp_model.LinearExprT] | None,
) -> None:
    entries = data.machine_entries[machine]
    windows = _window_intervals(model, data, machine)
    if windows and incoming_setup is not None:
        intervals = [
            _extended_interval(model, data, v, op, mode, incoming_setup[n])
            for n, (op, mode) in enumerate(entries, start=1)
        ]
    else:
        intervals = [v.operations[op].intervals[mode] for op, mode in entries]
    if len(intervals) + len(windows) > 1:
        model.add_no_overlap(intervals + windows)


def _flow_shop_permutation(model: cp_model.CpModel, data: ScheduleData, v: Variables) -> None:
    """One job sequence shared by all machines: a single circuit over jobs, its arcs apply on every machine."""
    jobs = range(1, len(data.jobs) + 1)
    graph = []
    for a in jobs:
        first = model.new_bool_var(f"job_first[{a}]")
        last = model.new_bool_var(f"job_last[{a}]")
        graph += [(0, a, first), (a, 0, last)]
        v.job_arcs[(0, a)], v.job_arcs[(a, 0)] = first, last
        for b in jobs:
            if a != b:
                literal = model.new_bool_var(f"job_arc[{a}->{b}]")
                graph.append((a, b, literal))
                v.job_arcs[(a, b)] = literal
    model.add_circuit(graph)
    for k in range(len(data.machines)):
        incoming: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
        for b in jobs:
            op_b = data.job_operation_on(b - 1, k)
            family_b = data.operations[op_b].family
            incoming[b] = []
            initial = data.initial_setup(k, family_b)
            if initial:
                model.add(v.operations[op_b].start >= initial).only_enforce_if(v.job_arcs[(0, b)])
                incoming[b].append((v.job_arcs[(0, b)], initial))
            for a in jobs:
                if a == b:
                    continue
                op_a = data.job_operation_on(a - 1, k)
                setup = data.setup(k, data.operations[op_a].family, family_b)
                model.add(v.operations[op_b].start >= v.operations[op_a].end + setup).only_enforce_if(
                    v.job_arcs[(a, b)]
                )
                if setup:
                    incoming[b].append((v.job_arcs[(a, b)], setup))
        # machine entries are ordered like jobs in a flow shop, so entry n is job n's operation
        by_entry = {
            n: sum(lit * s for lit, s in incoming[data.operations[op].job + 1])
            for n, (op, _) in enumerate(data.machine_entries[k], start=1)
        }
        _no_overlap(model, data, v, k, by_entry)


def _job_order_permutation(model: cp_model.CpModel, data: ScheduleData, v: Variables) -> None:
    """General shops: one 'a before b' literal per job pair, obeyed on every machine both jobs use."""
    for a in range(len(data.jobs)):
        for b in range(a + 1, len(data.jobs)):
            before = model.new_bool_var(f"before[{a},{b}]")
            v.job_before[(a, b)] = before
            for k, entries in enumerate(data.machine_entries):
                del k
                for op_a, mode_a in entries:
                    if data.operations[op_a].job != a:
                        continue
                    for op_b, mode_b in entries:
                        if data.operations[op_b].job != b:
                            continue
                        both = [
                            lit for lit in (v.operations[op_a].presence[mode_a], v.operations[op_b].presence[mode_b])
                            if lit is not True
                        ]
                        model.add(v.operations[op_b].start >= v.operations[op_a].end).only_enforce_if([before, *both])
                        model.add(v.operations[op_a].start >= v.operations[op_b].end).only_enforce_if(
                            [~before, *both]
                        )


def add_machine_constraints(model: cp_model.CpModel, data: ScheduleData, v: Variables) -> None:
    flow_permutation = data.problem.permutation and data.is_flow_shop
    if flow_permutation:
        _flow_shop_permutation(model, data, v)
    elif data.problem.permutation:
        _job_order_permutation(model, data, v)
    for k in range(len(data.machines)):
        if flow_permutation:
            continue
        if data.machine_has_setups[k]:
            _machine_circuit(model, data, v, k)
        else:
            _no_overlap(model, data, v, k, None)
