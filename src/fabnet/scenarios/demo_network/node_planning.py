"""Scheduling and the twin by each supplier's own node: the demo asks every node over HTTP to schedule its open
orders (its own and the sub-orders it received) with CP-SAT (`POST /api/v1/schedule`) and to forecast that schedule
in its twin (`POST /api/v1/forecast`), then reads both back (GET). The demo checks every schedule again with the
independent checker, in its own process, before the later stages build on it, and writes the files the report
links (problem, solution, Gantt chart, forecast)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from fabnet.domain import RegionalNetwork
from fabnet.planning.problem import Problem, Solution
from fabnet.planning.schedule import SolveOptions
from fabnet.scenarios.demo.results import CompanyForecast, Kpis, MachineForecast, OrderForecast
from fabnet.scenarios.demo.schedules import ScheduledCompany, record_schedule
from fabnet.scenarios.demo_network.nodes import CompanyNode, RunningNetwork
from fabnet.service.api_schedule import ForecastView, ScheduleDocuments, ScheduleFigures, ScheduleView

NODES_AT_ONCE = 2
"""Nodes solving at the same time: one per core of the machine the demo is made for (each solve is CPU-bound and
runs for its time limit unless CP-SAT proves it optimal first)."""


class NodePlanningFailed(RuntimeError):
    """A node refused to schedule or forecast, or its schedule does not pass the demo's own check."""


def _answer(response: object, node: CompanyNode, what: str) -> dict:
    status = getattr(response, "status_code", 0)
    if status != 200:
        text = getattr(response, "text", "")
        raise NodePlanningFailed(f"node {node.company_id}: {what} answered {status}: {text[:200]}")
    return response.json()  # type: ignore[attr-defined]


def _kpis(figures: ScheduleFigures) -> Kpis:
    return Kpis(makespan_min=figures.makespan_min, total_changeover_min=figures.total_setup_min,
                weighted_tardiness_min=figures.total_weighted_tardiness_min)


def node_solve_options(options: SolveOptions) -> SolveOptions:
    """What each node is asked to solve with: the demo's time limit, workers and seed, as the in-process run gives
    each company. With two nodes at a time that is two workers per core, yet in the same wall time (the time limit
    bounds it) two workers per node saved 15–19 h of changeover against FCFS on brainport, one worker 13–14 h (two
    runs each, on a shared 2-core machine)."""
    return SolveOptions(time_limit=options.time_limit, workers=options.workers, seed=options.seed)


def schedule_on_node(running: RunningNetwork, network: RegionalNetwork, company_id: str, options: SolveOptions,
                     folder: Path, root: Path) -> ScheduledCompany:
    """The company's node schedules its open orders; the demo reads the schedule back and checks it itself."""
    node, http = running.node(company_id), running.http
    body = {"time_limit_s": options.time_limit, "workers": options.workers, "seed": options.seed}
    _answer(http.post(node.url + "/api/v1/schedule", json=body, headers=node.auth), node, "POST /api/v1/schedule")
    view = ScheduleView.model_validate(_answer(http.get(node.url + "/api/v1/schedule", headers=node.auth), node,
                                               "GET /api/v1/schedule"))
    documents = ScheduleDocuments.model_validate(_answer(
        http.get(node.url + "/api/v1/schedule/documents", headers=node.auth), node, "GET /api/v1/schedule/documents"))
    problem, solution = Problem.model_validate(documents.problem), Solution.model_validate(documents.solution)
    scheduled = record_schedule(network, company_id, problem, solution, tuple(view.warnings), _kpis(view.fcfs),
                                _kpis(view.atcs), folder, root)
    result = scheduled.result
    if not result.feasible:
        raise NodePlanningFailed(f"node {company_id}: the checker rejects its CP-SAT schedule: {result.violations[0]}")
    if not view.check.feasible or _kpis(view.check) != result.cpsat:
        raise NodePlanningFailed(f"node {company_id}: its own check of the schedule ({view.check}) differs from the "
                                 f"demo's ({result.cpsat}, feasible {result.feasible})")
    return scheduled


def schedule_nodes(running: RunningNetwork, network: RegionalNetwork, company_ids: list[str], options: SolveOptions,
                   folder: Path, root: Path, on_done: Callable[[ScheduledCompany], None] = lambda _: None,
                   nodes_at_once: int = NODES_AT_ONCE) -> list[ScheduledCompany]:
    """Every company's node schedules, `nodes_at_once` at a time; the results in `company_ids` order."""
    each = node_solve_options(options)

    def one(company_id: str) -> ScheduledCompany:
        scheduled = schedule_on_node(running, network, company_id, each, folder, root)
        on_done(scheduled)
        return scheduled

    with ThreadPoolExecutor(max_workers=nodes_at_once) as pool:
        return list(pool.map(one, company_ids))


def forecast_on_node(running: RunningNetwork, network: RegionalNetwork, company_id: str, replications: int,
                     seed: int, folder: Path, root: Path) -> CompanyForecast:
    """The company's node forecasts its schedule in its twin; the demo reads the forecast back."""
    node, http = running.node(company_id), running.http
    body = {"replications": replications, "seed": seed}
    _answer(http.post(node.url + "/api/v1/forecast", json=body, headers=node.auth), node, "POST /api/v1/forecast")
    view = ForecastView.model_validate(_answer(http.get(node.url + "/api/v1/forecast", headers=node.auth), node,
                                               "GET /api/v1/forecast"))
    twin_file = folder / f"{company_id}.twin.json"
    twin_file.parent.mkdir(parents=True, exist_ok=True)
    twin_file.write_text(view.model_dump_json(indent=1), encoding="utf-8")

    def minutes(at: datetime) -> float:
        return (at - network.origin).total_seconds() / 60

    orders = tuple(
        OrderForecast(
            order_id=o.order_id, due_min=round(minutes(o.due)) if o.due is not None else None,
            planned_completion_min=round(minutes(o.planned_completion)),
            p90_completion_min=round(minutes(o.p90_completion), 1),
            p90_completion_at=o.p90_completion.astimezone(network.origin.tzinfo).isoformat(timespec="minutes"),
            on_time_probability=o.on_time_probability,
        )
        for o in view.orders
    )
    machines = tuple(MachineForecast(machine_id=m.machine_id, utilisation=m.utilisation, oee=m.oee,
                                     energy_kwh=round(m.energy_kwh, 1)) for m in view.machines)
    return CompanyForecast(
        company_id=company_id, replications=view.replications, seeds=tuple(range(seed, seed + view.replications)),
        planned_makespan_min=view.planned_makespan_min, p90_makespan_min=view.p90_makespan_min,
        all_on_time_probability=view.all_on_time_probability, orders=orders, machines=machines,
        twin_file=twin_file.relative_to(root).as_posix(),
    )


def forecast_nodes(running: RunningNetwork, network: RegionalNetwork, company_ids: list[str], replications: int,
                   seed: int, folder: Path, root: Path, on_done: Callable[[CompanyForecast], None] = lambda _: None,
                   nodes_at_once: int = NODES_AT_ONCE) -> list[CompanyForecast]:
    def one(company_id: str) -> CompanyForecast:
        forecast = forecast_on_node(running, network, company_id, replications, seed, folder, root)
        on_done(forecast)
        return forecast

    with ThreadPoolExecutor(max_workers=nodes_at_once) as pool:
        return list(pool.map(one, company_ids))
