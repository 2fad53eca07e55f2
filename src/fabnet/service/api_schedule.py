"""The company's schedule (CP-SAT over all open orders) and the twin's forecast of it (Monte Carlo in SimPy).

Both solve off the event loop (a worker thread) with bounded effort and answer with the result once stored.
"""

from datetime import datetime, timedelta
from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from fabnet.domain import Machine, OrderStatus, RegionalNetwork, Schedule, ScheduledOperation
from fabnet.network.fcfs import fcfs_placements
from fabnet.planning.check import check, evaluate
from fabnet.planning.dispatch import atcs
from fabnet.planning.gantt import build_gantt
from fabnet.planning.orders import problem_from_orders
from fabnet.planning.problem import Problem, Solution
from fabnet.planning.schedule import ScheduleData, SolveOptions
from fabnet.planning.schedule.solver import placements_to_solution
from fabnet.scenarios.demo.schedules import solve_from_best_dispatch
from fabnet.scenarios.demo.twin_forecast import FLOOR
from fabnet.service import api_queries
from fabnet.service.access import Principal, Role, reader, require
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute, conflict, not_found
from fabnet.service.api_records import (
    as_utc,
    company_id,
    now_utc,
    off_the_loop,
    own_company_id,
    profile,
    record_event,
    runtime_of,
    stored_network,
)
from fabnet.store import UnitOfWork
from fabnet.store.operations_tables import ForecastRow, ScheduleRunRow
from fabnet.twin.model import FactoryTwin
from fabnet.twin.settings import TwinSettings
from fabnet.twin.summary import TwinSummary, replicate, summarise

router = APIRouter(prefix="/api/v1", tags=["schedule"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Planner = Annotated[Principal, Depends(require(Role.PLANNER))]
Reader = Annotated[Principal, Depends(reader)]

SCHEDULABLE = frozenset({OrderStatus.RECEIVED, OrderStatus.PLANNED, OrderStatus.ALLOCATED})
"""Orders a new schedule marks as scheduled (others keep their status: on hold, in production, …)."""


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit_s: float = Field(default=5.0, gt=0, le=60, description="CP-SAT seconds")
    workers: int = Field(default=1, ge=1, le=4, description="CP-SAT search workers")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="CP-SAT's random seed")


class OperationSlot(BaseModel):
    """One scheduled operation: when it runs, and the changeover before it (if any)."""

    order_id: str
    operation_id: str
    machine_id: str
    start: datetime
    end: datetime
    setup_start: datetime | None
    setup_end: datetime | None


class ScheduleFigures(BaseModel):
    """A schedule's figures as the independent checker recomputes them (`planning.check.evaluate`)."""

    makespan_min: int
    total_setup_min: int
    total_weighted_tardiness_min: int


class ScheduleCheck(ScheduleFigures):
    """The independent checker's verdict on the CP-SAT schedule, and its figures."""

    feasible: bool
    violations: list[str]


class ScheduleView(BaseModel):
    company_id: str
    solved_at: datetime
    status: str
    objective: float | None
    origin: datetime
    makespan_min: int
    total_setup_min: int | None
    total_weighted_tardiness_min: int | None
    warnings: list[str]
    operations: list[OperationSlot]
    jobs: int = Field(description="orders in the schedule")
    machines: int
    lower_bound: int | None = Field(description="CP-SAT's bound on the objective")
    solve_seconds: float
    check: ScheduleCheck
    fcfs: ScheduleFigures = Field(description="first come, first served on the same orders, for comparison")
    atcs: ScheduleFigures = Field(description="the ATCS dispatching rule on the same orders, for comparison")


class ScheduleDocuments(BaseModel):
    """The problem the node solved and the solution, as the solver wrote them: for an independent check."""

    company_id: str
    solved_at: datetime
    problem: dict
    solution: dict


class ForecastRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    replications: int = Field(default=50, ge=1, le=500, description="Monte Carlo replications")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="the first replication's seed")


class OrderForecast(BaseModel):
    order_id: str
    due: datetime | None
    planned_completion: datetime
    p50_completion: datetime
    p90_completion: datetime
    p95_completion: datetime
    on_time_probability: float


class MachineForecast(BaseModel):
    machine_id: str
    utilisation: float
    oee: float
    availability: float
    performance: float
    quality: float
    energy_kwh: float


class ForecastView(BaseModel):
    company_id: str
    created_at: datetime
    replications: int
    seed: int
    planned_makespan_min: int
    p90_makespan_min: float
    all_on_time_probability: float
    orders: list[OrderForecast]
    machines: list[MachineForecast]


def _figures(problem: Problem, solution: Solution) -> ScheduleFigures:
    metrics = evaluate(problem, solution.operations)
    return ScheduleFigures(makespan_min=metrics.makespan, total_setup_min=metrics.total_setup,
                           total_weighted_tardiness_min=metrics.total_weighted_tardiness)


def _schedule_view(row: ScheduleRunRow, origin: datetime) -> ScheduleView:
    problem, solution = Problem.model_validate(row.problem), Solution.model_validate(row.solution)
    report = check(problem, solution)
    data = ScheduleData.from_problem(problem)
    fcfs, dispatch = (placements_to_solution(data, placements, "FEASIBLE", 0.0)
                      for placements in (fcfs_placements(data), atcs(data)))
    operations = problem.operations()
    setups: dict[str, tuple[int, int]] = {}
    for machine_row in build_gantt(problem, solution).rows:
        pending: tuple[int, int] | None = None
        for bar in machine_row.bars:
            if bar.kind == "setup":
                pending = (bar.start, bar.end)
            elif bar.kind == "operation":
                if pending is not None and pending[1] == bar.start:
                    setups[bar.label] = pending
                pending = None

    def at(minute: int) -> datetime:
        return origin + timedelta(minutes=minute)

    slots = []
    for a in sorted(solution.operations, key=lambda a: (a.start, a.machine, a.id)):
        setup = setups.get(a.id)
        slots.append(OperationSlot(
            order_id=operations[a.id][0].id, operation_id=a.id, machine_id=a.machine, start=at(a.start),
            end=at(a.end), setup_start=at(setup[0]) if setup else None, setup_end=at(setup[1]) if setup else None,
        ))
    return ScheduleView(
        company_id=row.company_id, solved_at=as_utc(row.solved_at), status=solution.status,
        objective=solution.objective, origin=origin, makespan_min=max((a.end for a in solution.operations), default=0),
        total_setup_min=solution.total_setup, total_weighted_tardiness_min=solution.total_weighted_tardiness,
        warnings=list(row.warnings.get("warnings", [])), operations=slots,
        jobs=len(problem.jobs), machines=len(problem.machines), lower_bound=solution.lower_bound,
        solve_seconds=solution.runtime_s,
        check=ScheduleCheck(**_figures(problem, solution).model_dump(), feasible=report.feasible,
                            violations=[f"{v.kind}: {v.message}" for v in report.violations]),
        fcfs=_figures(problem, fcfs), atcs=_figures(problem, dispatch),
    )


def _origin(uow: UnitOfWork) -> datetime:
    row = profile(uow.session)
    assert row is not None  # company_id() was asked first
    return row.origin


def _solve(network: RegionalNetwork, own: str, options: SolveOptions) -> tuple[Problem, Solution, list[str]]:
    try:
        problem, warnings = problem_from_orders(network, own)
    except ValueError as error:
        raise conflict(f"schedule: {error}") from None
    _, _, solution = solve_from_best_dispatch(problem, options)
    if solution.status not in ("OPTIMAL", "FEASIBLE"):
        raise conflict(f"schedule: CP-SAT found no schedule ({solution.status}) within {options.time_limit:g} s; "
                       f"allow more time_limit_s")
    return problem, solution, warnings


_VIEWS: WeakKeyDictionary[Engine, ScheduleView] = WeakKeyDictionary()
"""The last schedule view per database: rebuilding it (problem, solution, changeovers) costs more than reading."""


@router.get("/schedule", response_model=ScheduleView, summary="The company's current schedule")
async def get_schedule(request: Request, _: Reader) -> ScheduleView:
    store = runtime_of(request).store
    own = own_company_id(store)
    with api_queries.reading(store) as connection:
        solved_at = api_queries.solved_at(connection, own)
    if solved_at is None:
        raise not_found("schedule: none solved yet (POST /api/v1/schedule)")
    known = _VIEWS.get(store.engine)
    if known is not None and known.solved_at == as_utc(solved_at):
        return known
    with store.transaction() as uow:
        row = uow.session.get(ScheduleRunRow, own)
        if row is None:
            raise not_found("schedule: none solved yet (POST /api/v1/schedule)")
        view = _VIEWS[store.engine] = _schedule_view(row, _origin(uow))
        return view


@router.get("/schedule/documents", response_model=ScheduleDocuments,
            summary="The problem and solution of the current schedule, as the solver wrote them")
async def get_schedule_documents(request: Request, _: Reader) -> ScheduleDocuments:
    store = runtime_of(request).store
    own = own_company_id(store)
    with store.transaction() as uow:
        row = uow.session.get(ScheduleRunRow, own)
        if row is None:
            raise not_found("schedule: none solved yet (POST /api/v1/schedule)")
        return ScheduleDocuments(company_id=own, solved_at=as_utc(row.solved_at), problem=row.problem,
                                 solution=row.solution)


def store_schedule(uow: UnitOfWork, own: str, origin: datetime, problem: Problem, solution: Solution,
                   warnings: list[str]) -> ScheduleRunRow:
    """Make `solution` the company's current schedule (a new solve, or a repair of the last one)."""
    row = uow.session.get(ScheduleRunRow, own)
    values = {"solved_at": now_utc(), "problem": problem.model_dump(mode="json", by_alias=True),
              "solution": solution.model_dump(mode="json"), "warnings": {"warnings": warnings}}
    if row is None:
        row = ScheduleRunRow(company_id=own, **values)
        uow.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    uow.schedules.put(Schedule(
        company_id=own, origin=origin, status=solution.status, objective=solution.objective,
        operations=tuple(ScheduledOperation(operation_id=a.id, machine_id=a.machine, start=a.start, end=a.end)
                         for a in solution.operations),
    ))
    return row


@router.post("/schedule", response_model=ScheduleView, summary="Schedule all open orders with CP-SAT")
async def make_schedule(body: ScheduleRequest, request: Request, who: Planner) -> ScheduleView:
    store = runtime_of(request).store
    with store.transaction() as uow:
        network, own = stored_network(uow)
    options = SolveOptions(time_limit=body.time_limit_s, workers=body.workers, seed=body.seed)
    problem, solution, warnings = await off_the_loop(request, _solve, network, own, options)
    with store.transaction() as uow:
        row = store_schedule(uow, own, network.origin, problem, solution, warnings)
        for job in problem.jobs:
            order = uow.orders.find(job.id)
            if order is not None and order.status in SCHEDULABLE:
                uow.orders.put(order.model_copy(update={"status": OrderStatus.SCHEDULED}))
                record_event(uow.session, order.id, OrderStatus.SCHEDULED.value,
                             f"scheduled ({solution.status}, {len(job.operations)} operations)", who.username)
        uow.session.flush()
        return _schedule_view(row, network.origin)


def _forecast(problem: Problem, solution: Solution, machines: list[Machine], request: ForecastRequest) -> TwinSummary:
    twin = FactoryTwin(problem, solution, TwinSettings.from_machines(machines, FLOOR))
    seeds = list(range(request.seed, request.seed + request.replications))
    return summarise(problem, solution, replicate(twin, seeds))


def _forecast_view(own: str, origin: datetime, summary: TwinSummary, body: ForecastRequest) -> ForecastView:
    def at(minutes: float) -> datetime:
        return origin + timedelta(minutes=minutes)

    return ForecastView(
        company_id=own, created_at=now_utc(), replications=summary.replications, seed=body.seed,
        planned_makespan_min=summary.planned_makespan, p90_makespan_min=round(summary.makespan.p90, 1),
        all_on_time_probability=round(summary.on_time_probability, 4),
        orders=[OrderForecast(
            order_id=job.id, due=at(job.due) if job.due is not None else None,
            planned_completion=at(job.planned_completion), p50_completion=at(job.completion.p50),
            p90_completion=at(job.completion.p90), p95_completion=at(job.completion.p95),
            on_time_probability=round(job.on_time_probability, 4),
        ) for job in summary.jobs],
        machines=[MachineForecast(
            machine_id=m.id, utilisation=round(m.utilisation.mean, 4), oee=round(m.oee.mean, 4),
            availability=round(m.availability.mean, 4), performance=round(m.performance.mean, 4),
            quality=round(m.quality.mean, 4), energy_kwh=round(m.energy_kwh.mean, 2),
        ) for m in summary.machines],
    )


@router.get("/forecast", response_model=ForecastView, summary="The twin's last forecast of the schedule")
async def get_forecast(request: Request, _: Reader) -> ForecastView:
    store = runtime_of(request).store
    own = own_company_id(store)
    with api_queries.reading(store) as connection:
        found = api_queries.FORECAST.all(connection, {"own": own})
    if not found:
        raise not_found("forecast: none made yet (POST /api/v1/forecast)")
    return api_queries.load(ForecastView, found[0][0])


@router.post("/forecast", response_model=ForecastView, summary="Forecast the schedule in the digital twin")
async def make_forecast(body: ForecastRequest, request: Request, _: Planner) -> ForecastView:
    store = runtime_of(request).store
    with store.transaction() as uow:
        own = company_id(uow.session)
        row = uow.session.get(ScheduleRunRow, own)
        if row is None:
            raise conflict("forecast: there is no schedule to forecast yet (POST /api/v1/schedule)")
        problem, solution = Problem.model_validate(row.problem), Solution.model_validate(row.solution)
        machines = uow.machines.list(company_id=own)
        origin = _origin(uow)
    summary = await off_the_loop(request, _forecast, problem, solution, machines, body)
    view = _forecast_view(own, origin, summary, body)
    with store.transaction() as uow:
        stored = uow.session.get(ForecastRow, own)
        document = view.model_dump(mode="json")
        if stored is None:
            uow.session.add(ForecastRow(company_id=own, created_at=view.created_at, replications=view.replications,
                                        document=document))
        else:
            stored.created_at, stored.replications, stored.document = view.created_at, view.replications, document
    return view
