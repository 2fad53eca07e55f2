"""CP-SAT decision variables of the schedule model: times, mode choices, sequencing arcs, objective parts."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from fabnet.planning.schedule.data import ScheduleData


@dataclass
class OperationVars:
    start: cp_model.IntVar
    end: cp_model.IntVar
    presence: list[cp_model.IntVar | bool]  # per mode; `True` when there is only one mode
    intervals: list[cp_model.IntervalVar]  # per mode


@dataclass
class Variables:
    operations: list[OperationVars]
    # (machine, from node, to node) -> literal; node 0 is the depot, node n is machine_entries[machine][n - 1]
    arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = field(default_factory=dict)
    job_arcs: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # permutation flow shop
    job_before: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # general permutation
    # (op, mode) -> (changeover minutes before it, changeover start, changeover + operation length)
    setup_before: dict[tuple[int, int], tuple[cp_model.IntVar, cp_model.IntVar, cp_model.IntVar]] = field(
        default_factory=dict
    )
    tardiness: dict[int, cp_model.IntVar] = field(default_factory=dict)
    makespan: cp_model.IntVar | None = None
    moved: dict[int, cp_model.IntVar] = field(default_factory=dict)  # repair: operation differs from the old plan


def make_variables(model: cp_model.CpModel, data: ScheduleData) -> Variables:
    horizon = data.horizon
    operations = []
    for i, op in enumerate(data.operations):
        shortest = min(m.duration for m in op.modes)
        longest = max(m.duration for m in op.modes)
        if op.fixed_start is not None:
            start = model.new_constant(op.fixed_start)
        else:
            start = model.new_int_var(op.release, horizon, f"start[{op.id}]")
        end = model.new_int_var(op.release + shortest, horizon + longest, f"end[{op.id}]")
        presence: list[cp_model.IntVar | bool] = []
        intervals = []
        if len(op.modes) == 1:
            presence.append(True)
            intervals.append(model.new_interval_var(start, op.modes[0].duration, end, f"op[{op.id}]"))
        else:
            for m, mode in enumerate(op.modes):
                literal = model.new_bool_var(f"mode[{op.id},{m}]")
                presence.append(literal)
                intervals.append(
                    model.new_optional_fixed_size_interval_var(start, mode.duration, literal, f"op[{op.id},{m}]")
                )
                model.add(end == start + mode.duration).only_enforce_if(literal)
            model.add_exactly_one(presence)
        operations.append(OperationVars(start, end, presence, intervals))
        del i
    return Variables(operations)
