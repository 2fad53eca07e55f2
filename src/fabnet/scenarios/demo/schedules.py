"""Demo stage, scheduling: per company, its orders and sub-orders → process plans → problem → CP-SAT (warm-started
from the better of first come first served and ATCS dispatching) → independent check, compared with both
dispatch schedules; problem, solution and Gantt chart written per company."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fabnet.domain import OrderStatus, RegionalNetwork, Schedule, ScheduledOperation
from fabnet.network.fcfs import fcfs_placements
from fabnet.planning.check import check, evaluate
from fabnet.planning.dispatch import atcs
from fabnet.planning.gantt import build_gantt
from fabnet.planning.orders import problem_from_orders
from fabnet.planning.problem import Problem, Solution
from fabnet.planning.schedule import ScheduleData, SolveOptions, solve_data
from fabnet.planning.schedule.solver import placements_to_solution
from fabnet.scenarios.demo.results import CompanySchedule, Kpis, SchedulingResult
from fabnet.standards.gantt_html import render_gantt_html
from fabnet.store import Store


@dataclass(frozen=True)
class ScheduledCompany:
    """A supplier's problem and its checked CP-SAT solution, handed to the later stages."""

    problem: Problem
    solution: Solution
    result: CompanySchedule


def suppliers(network: RegionalNetwork) -> list[str]:
    """Companies that have machines and receive orders, in scenario order."""
    return [c.id for c in network.companies if network.machines_of(c.id) and network.orders_for(c.id)]


def kpis(problem: Problem, solution: Solution) -> Kpis:
    metrics = evaluate(problem, solution.operations)
    return Kpis(makespan_min=metrics.makespan, total_changeover_min=metrics.total_setup,
                weighted_tardiness_min=metrics.total_weighted_tardiness)


def _write_json(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


def schedule_company(
    network: RegionalNetwork, company_id: str, folder: Path, root: Path, options: SolveOptions
) -> ScheduledCompany:
    """Plan, solve, check and compare one supplier's schedule; write its files."""
    problem, warnings = problem_from_orders(network, company_id)
    first_come, dispatch, solution = solve_from_best_dispatch(problem, options)
    if solution.status not in ("OPTIMAL", "FEASIBLE"):
        raise ValueError(f"company {company_id}: CP-SAT found no schedule ({solution.status}) "
                         f"within {options.time_limit:g} s")
    return record_schedule(network, company_id, problem, solution, tuple(warnings),
                           kpis(problem, first_come), kpis(problem, dispatch), folder, root)


def record_schedule(
    network: RegionalNetwork, company_id: str, problem: Problem, solution: Solution, warnings: tuple[str, ...],
    fcfs: Kpis, dispatch: Kpis, folder: Path, root: Path,
) -> ScheduledCompany:
    """Check a solved schedule independently, compare it with the dispatching baselines, write its files (problem,
    solution, Gantt chart): wherever it was solved, in this process or by the company's node."""
    company = network.company(company_id)
    report = check(problem, solution)
    problem_file = folder / f"{company_id}.problem.json"
    solution_file = folder / f"{company_id}.solution.json"
    gantt_file = folder / f"{company_id}.gantt.html"
    _write_json(problem_file, problem.model_dump_json(indent=1, by_alias=True))
    _write_json(solution_file, solution.model_dump_json(indent=1))
    chart = build_gantt(problem, solution, f"{company.name}: CP-SAT schedule")
    gantt_file.write_text(render_gantt_html(chart), encoding="utf-8")
    cpsat = kpis(problem, solution)
    result = CompanySchedule(
        company_id=company_id, company_name=company.name, jobs=len(problem.jobs),
        operations=sum(len(job.operations) for job in problem.jobs), machines=len(problem.machines),
        warnings=warnings, status=solution.status, solve_seconds=solution.runtime_s,
        lower_bound=solution.lower_bound, feasible=report.feasible,
        violations=tuple(f"{v.kind}: {v.message}" for v in report.violations),
        cpsat=cpsat, fcfs=fcfs, atcs=dispatch,
        changeover_saved_min=fcfs.total_changeover_min - cpsat.total_changeover_min,
        problem_file=problem_file.relative_to(root).as_posix(),
        solution_file=solution_file.relative_to(root).as_posix(),
        gantt_file=gantt_file.relative_to(root).as_posix(),
    )
    return ScheduledCompany(problem, solution, result)


def solve_from_best_dispatch(problem: Problem, options: SolveOptions) -> tuple[Solution, Solution, Solution]:
    """First come first served, ATCS, and CP-SAT warm-started from the better of the two, so that the schedule
    CP-SAT returns is never worse than either baseline (by the problem's objective)."""
    data = ScheduleData.from_problem(problem)
    starts = {"fcfs": fcfs_placements(data), "atcs": atcs(data)}
    baselines = {name: placements_to_solution(data, placements, "FEASIBLE", 0.0) for name, placements in starts.items()}
    best = min(starts, key=lambda name: (baselines[name].objective or 0, name))
    solution = solve_data(data, options, warm_start=starts[best])
    return baselines["fcfs"], baselines["atcs"], solution


def store_schedule(store: Store, network: RegionalNetwork, scheduled: ScheduledCompany) -> None:
    """Keep the company's schedule and mark its scheduled orders, in one transaction."""
    schedule = Schedule(
        company_id=scheduled.result.company_id, origin=network.origin, status=scheduled.solution.status,
        objective=scheduled.solution.objective,
        operations=tuple(ScheduledOperation(operation_id=a.id, machine_id=a.machine, start=a.start, end=a.end)
                         for a in scheduled.solution.operations),
    )
    with store.transaction() as uow:
        uow.schedules.put(schedule)
        for job in scheduled.problem.jobs:
            order = uow.orders.get(job.id)
            uow.orders.put(order.model_copy(update={"status": OrderStatus.SCHEDULED}))


def summarise_schedules(companies: list[CompanySchedule]) -> SchedulingResult:
    first_come = sum(c.fcfs.total_changeover_min for c in companies)
    cpsat = sum(c.cpsat.total_changeover_min for c in companies)
    return SchedulingResult(
        companies=tuple(companies), all_feasible=all(c.feasible for c in companies),
        changeover_fcfs_h=round(first_come / 60, 2), changeover_cpsat_h=round(cpsat / 60, 2),
        changeover_saved_h=round((first_come - cpsat) / 60, 2),
        weighted_tardiness_fcfs=sum(c.fcfs.weighted_tardiness_min for c in companies),
        weighted_tardiness_cpsat=sum(c.cpsat.weighted_tardiness_min for c in companies),
    )
