"""Solving: build the CP-SAT model from the data, warm-start it, run it, and turn the answer into a `Solution`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ortools.sat.python import cp_model

from fabnet.planning.check import check, evaluate
from fabnet.planning.cp_sat import cp_solver
from fabnet.planning.problem import Problem, Solution
from fabnet.planning.schedule.constraints import add_machine_constraints, add_precedences
from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.schedule.lns import large_neighbourhood_search
from fabnet.planning.schedule.objective import Stability, add_objective
from fabnet.planning.schedule.variables import Variables, make_variables
from fabnet.planning.timetable import Placement, to_assignments


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0
    warm_start: bool = True
    log: bool = False
    # permutation flow shops: this share of the time goes to iterated greedy before CP-SAT takes over
    search_share: float = 0.85
    # problems of 40+ operations: after CP-SAT on the whole model, this share of the time goes to LNS
    lns_share: float = 0.75


@dataclass(frozen=True)
class Progress:
    """One improving solution found while solving."""

    solutions: int  # CP-SAT's solution count; 0 = the warm start, -1 = found by large-neighbourhood search
    objective: float
    bound: float
    elapsed_s: float


ProgressCallback = Callable[[Progress], None]


class Solver(Protocol):
    def solve(self, problem: Problem, options: SolveOptions, on_progress: ProgressCallback | None = None) -> Solution:
        ...


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_progress: ProgressCallback, started: float) -> None:
        super().__init__()
        self._on_progress = on_progress
        self._started = started
        self._count = 0

    def on_solution_callback(self) -> None:
        self._count += 1
        self._on_progress(
            Progress(self._count, self.objective_value, self.best_objective_bound, time.monotonic() - self._started)
        )


@dataclass
class ScheduleModel:
    """The CP-SAT model of one problem: variables, constraints and objective, built once."""

    data: ScheduleData
    model: cp_model.CpModel
    variables: Variables

    @classmethod
    def build(cls, data: ScheduleData, stability: Stability | None = None) -> ScheduleModel:
        model = cp_model.CpModel()
        variables = make_variables(model, data)
        add_precedences(model, data, variables)
        add_machine_constraints(model, data, variables)
        add_objective(model, data, variables, stability)
        return cls(data, model, variables)

    def add_hint(self, placements: list[Placement], stability: Stability | None = None) -> None:
        """Hint every decision of a known schedule, arcs included, so CP-SAT starts from a complete solution."""
        data, model, v = self.data, self.model, self.variables
        where = {p.operation: p for p in placements}
        for p in placements:
            ov = v.operations[p.operation]
            if data.operations[p.operation].fixed_start is None:
                model.add_hint(ov.start, p.start)
            model.add_hint(ov.end, p.end)
            for m, mode in enumerate(data.operations[p.operation].modes):
                if ov.presence[m] is not True:
                    model.add_hint(ov.presence[m], mode.machine == p.machine)
        sequences: dict[int, list[int]] = {}
        for p in sorted(placements, key=lambda p: (p.start, p.end)):
            sequences.setdefault(p.machine, []).append(p.operation)
        setup_in: dict[int, int] = {}
        for k, arcs in v.arcs.items():
            node = {op: n for n, (op, mode) in enumerate(data.machine_entries[k], start=1)
                    if data.operations[op].modes[mode].machine == k and where[op].machine == k}
            chain = [0, *(node[op] for op in sequences.get(k, []))]
            chosen = {(chain[n], chain[n + 1]) for n in range(len(chain) - 1)}
            if len(chain) > 1:
                chosen.add((chain[-1], 0))
            else:
                chosen.add((0, 0))
            for arc, literal in arcs.items():
                model.add_hint(literal, arc in chosen)
        if v.job_arcs:
            first_machine = sequences.get(0, [])
            jobs = [data.operations[op].job + 1 for op in first_machine]
            chain = [0, *jobs, 0]
            chosen = {(chain[n], chain[n + 1]) for n in range(len(chain) - 1)}
            for arc, literal in v.job_arcs.items():
                model.add_hint(literal, arc in chosen)
        if v.job_before:
            first_start: dict[int, int] = {}
            for p in placements:
                job = data.operations[p.operation].job
                first_start[job] = min(p.start, first_start.get(job, p.start))
            for (a, b), literal in v.job_before.items():
                model.add_hint(literal, first_start[a] <= first_start[b])
        for k, seq in sequences.items():
            previous = None
            for op in seq:
                family = data.operations[op].family
                setup_in[op] = data.initial_setup(k, family) if previous is None else data.setup(
                    k, data.operations[previous].family, family
                )
                previous = op
        for (op, mode), (setup_var, begin, size) in v.setup_before.items():
            minutes = setup_in[op] if where[op].machine == data.operations[op].modes[mode].machine else 0
            model.add_hint(setup_var, minutes)
            model.add_hint(begin, where[op].start - minutes)
            model.add_hint(size, data.operations[op].modes[mode].duration + minutes)
        if v.makespan is not None:
            model.add_hint(v.makespan, max(p.end for p in placements))
        for j, var in v.tardiness.items():
            due = data.jobs[j].due or 0
            model.add_hint(var, max(0, max(where[i].end for i in data.jobs[j].operations) - due))
        if stability is not None:
            for i, var in v.moved.items():
                machine, start = stability.previous[i]
                model.add_hint(var, not (where[i].machine == machine and where[i].start == start))

    def placements(self, solver: cp_model.CpSolver) -> list[Placement]:
        result = []
        for i, op in enumerate(self.data.operations):
            ov = self.variables.operations[i]
            mode = next(m for m, present in enumerate(ov.presence) if present is True or solver.boolean_value(present))
            start = solver.value(ov.start)
            result.append(Placement(i, op.modes[mode].machine, start, start + op.modes[mode].duration))
        return result


_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.UNKNOWN: "UNKNOWN",
}


def placements_to_solution(
    data: ScheduleData, placements: list[Placement], status: str, runtime_s: float, lower_bound: int | None = None
) -> Solution:
    assignments = to_assignments(data, placements)
    metrics = evaluate(data.problem, assignments)
    return Solution(
        status=status,  # type: ignore[arg-type]
        objective=metrics.objective,
        lower_bound=lower_bound,
        makespan=metrics.makespan,
        total_setup=metrics.total_setup,
        total_weighted_tardiness=metrics.total_weighted_tardiness,
        runtime_s=round(runtime_s, 3),
        operations=assignments,
    )


def solve_data(
    data: ScheduleData,
    options: SolveOptions = SolveOptions(),
    on_progress: ProgressCallback | None = None,
    warm_start: list[Placement] | None = None,
    stability: Stability | None = None,
) -> Solution:
    """Solve prepared data; `warm_start` overrides the built-in heuristic start."""
    started = time.monotonic()
    built = ScheduleModel.build(data, stability)
    hint = warm_start
    if hint is None and options.warm_start:
        from fabnet.planning.dispatch import initial_schedule  # dispatch reads this package's data: import late

        search = options.search_share * options.time_limit if data.problem.permutation else 0.0
        hint = initial_schedule(data, search, options.seed)
    if hint and warm_start is None and stability is None and built.variables.makespan is not None \
            and data.makespan_only and not data.problem.permutation \
            and all(op.fixed_start is None for op in data.operations):
        # only schedules at least as short as the warm start are of interest: a tight horizon for propagation
        built.model.add(built.variables.makespan <= max(p.end for p in hint))
    if hint is not None:
        built.add_hint(hint, stability)
        if on_progress is not None:
            value = placements_to_solution(data, hint, "FEASIBLE", 0.0).objective or 0
            on_progress(Progress(0, value, 0.0, time.monotonic() - started))
    solver = cp_solver()
    solver.parameters.max_time_in_seconds = max(0.0, options.time_limit - (time.monotonic() - started))
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    solver.parameters.log_search_progress = options.log
    # probing in presolve can eat most of a short time limit on circuit-heavy models for little gain
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_presolve_iterations = 1
    if options.lns_share > 0 and len(data.operations) >= 40:
        solver.parameters.max_time_in_seconds *= 1 - options.lns_share
    reporter = _Reporter(on_progress, started) if on_progress is not None else None
    code = solver.solve(built.model, reporter)
    status = _STATUS.get(code, "UNKNOWN")
    deadline = started + options.time_limit
    if status == "FEASIBLE" and options.lns_share > 0 and time.monotonic() < deadline - 0.5:
        placements, value = large_neighbourhood_search(
            built, built.placements(solver), solver.objective_value, deadline, options.workers, options.seed,
            None if on_progress is None else lambda value: on_progress(
                Progress(-1, value, solver.best_objective_bound, time.monotonic() - started)
            ),
        )
        bound = None if stability is not None else int(solver.best_objective_bound)
        final = "OPTIMAL" if bound is not None and value <= bound else "FEASIBLE"
        return placements_to_solution(data, placements, final, time.monotonic() - started, bound)
    runtime = time.monotonic() - started
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"internal error: invalid CP-SAT model ({built.model.validate()})")
    if status == "UNKNOWN" and hint is not None:
        # the time ran out before CP-SAT reported a solution: the warm start is still a schedule, if a valid one
        fallback = placements_to_solution(data, hint, "FEASIBLE", runtime, None)
        if check(data.problem, fallback).feasible:
            return fallback
    if status in ("INFEASIBLE", "UNKNOWN"):
        return Solution(status=status, runtime_s=round(runtime, 3))  # type: ignore[arg-type]
    bound = None if stability is not None else int(solver.best_objective_bound)
    return placements_to_solution(data, built.placements(solver), status, runtime, bound)


def solve(
    problem: Problem, options: SolveOptions = SolveOptions(), on_progress: ProgressCallback | None = None
) -> Solution:
    """Schedule `problem` with CP-SAT, warm-started from ATCS (or NEH for permutation flow shops)."""
    return solve_data(ScheduleData.from_problem(problem), options, on_progress)


class CpSatSolver:
    """The `Solver` that fabnet ships: CP-SAT on the model in this package."""

    def solve(self, problem: Problem, options: SolveOptions, on_progress: ProgressCallback | None = None) -> Solution:
        return solve(problem, options, on_progress)
