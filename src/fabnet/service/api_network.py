"""The node's KPI report to its hub: computed from its own database (schedule against FCFS, parts, holds, alarms,
energy and material, the invoices it has to pay), previewed with GET, sent member-signed with POST.

What counts for a period: parts whose route ended in it, alarms raised in it, invoices issued in it, orders
completed or invoiced that were due in it, and the current schedule (with the twin's forecast of it) if it
starts in it.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from fabnet.domain import Design, OrderStatus, Part, PartVerdict, Schedule
from fabnet.network.flows import period_bounds
from fabnet.network.kpi_reports import DefectFigures, KpiReport, NettingFigures, ResourceFigures
from fabnet.network.kpis import ChangeoverComparison, compare_changeovers
from fabnet.planning.check import evaluate
from fabnet.planning.orders import problem_from_orders
from fabnet.planning.problem import Assignment, Problem, Solution
from fabnet.service.access import Principal, Role, clock_of, require
from fabnet.service.api_errors import ERROR_RESPONSES, ApiError, ErrorRoute, conflict, invalid
from fabnet.service.api_records import as_utc, off_the_loop, profile, runtime_of, stored_network
from fabnet.service.hub_api_client import HubApiError, HubClient
from fabnet.service.node_runtime import NodeRuntime
from fabnet.store import UnitOfWork
from fabnet.store.billing_tables import InvoiceRow
from fabnet.store.operations_tables import AlarmRow, ForecastRow, ScheduleRunRow

router = APIRouter(prefix="/api/v1", tags=["network"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
PeriodQuery = Annotated[str | None, Query(description="a year (2026), month (2026-11) or ISO week (2026-W48); "
                                                      "default: this month")]
DONE = frozenset({OrderStatus.COMPLETED, OrderStatus.INVOICED})
REJECTED = frozenset({PartVerdict.SCRAPPED, PartVerdict.REWORK})


class KpiReportSent(BaseModel):
    hub_url: str
    replaced: bool = Field(description="the hub replaced an earlier report of the same period")
    report: KpiReport


class _Window:
    """A period as a half-open span of UTC moments."""

    def __init__(self, period: str) -> None:
        first, last = period_bounds(period)
        self.start = datetime.combine(first, time(), UTC)
        self.end = datetime.combine(last + timedelta(days=1), time(), UTC)
        self.first, self.last = first, last

    def holds(self, moment: datetime) -> bool:
        return self.start <= as_utc(moment) < self.end


def _period(period: str | None, now: datetime) -> str:
    chosen = period if period is not None else f"{now:%Y-%m}"
    try:
        period_bounds(chosen)
    except ValueError as error:
        raise invalid(f"period: {error}") from None
    return chosen.strip()


def _finished(part: Part) -> datetime | None:
    return max((step.end for step in part.route), default=None)


def _stored_schedule(uow: UnitOfWork, own: str) -> tuple[Problem, Solution] | None:
    """The schedule the node solved itself (POST /schedule), else its stored schedule with the problem rebuilt from
    the orders it names (a schedule loaded from elsewhere); None if that problem does not match it."""
    row = uow.session.get(ScheduleRunRow, own)
    if row is not None:
        return Problem.model_validate(row.problem), Solution.model_validate(row.solution)
    schedule: Schedule | None = uow.schedules.find(own)
    if schedule is None or not schedule.operations:
        return None
    network, _ = stored_network(uow)
    named = {op.operation_id.split("/", 1)[0] for op in schedule.operations}
    # the orders may have moved on (completed, invoiced): as scheduled they were open
    orders = tuple(o.model_copy(update={"status": OrderStatus.SCHEDULED}) for o in network.orders if o.id in named)
    try:
        problem, _ = problem_from_orders(network.model_copy(update={"orders": orders}), own)
    except ValueError:
        return None
    assignments = tuple(Assignment(id=op.operation_id, machine=op.machine_id, start=op.start, end=op.end)
                        for op in schedule.operations)
    if {a.id for a in assignments} != set(problem.operations()):
        return None
    metrics = evaluate(problem, assignments)
    return problem, Solution(status=schedule.status, makespan=metrics.makespan,  # type: ignore[arg-type]
                             total_setup=metrics.total_setup,
                             total_weighted_tardiness=metrics.total_weighted_tardiness, operations=assignments)


def _netting(uow: UnitOfWork, own: str, window: _Window) -> NettingFigures | None:
    rows = uow.session.execute(
        select(InvoiceRow.seller_id, InvoiceRow.buyer_id, InvoiceRow.payable_amount, InvoiceRow.issue_date)
        .where(InvoiceRow.kind == "invoice", InvoiceRow.issue_date >= window.first,
               InvoiceRow.issue_date <= window.last)).all()
    if not any(own in (r.seller_id, r.buyer_id) for r in rows):
        return None
    # netting runs per calendar month (`fabnet.billing.period`); its net position depends on its own invoices only:
    # in each month it pays what it owes on balance, in one transfer
    months: dict[tuple[int, int], Decimal] = {}
    received = []
    for r in rows:
        month = (r.issue_date.year, r.issue_date.month)
        amount = Decimal(r.payable_amount)
        if r.buyer_id == own:
            received.append(amount)
            months[month] = months.get(month, Decimal(0)) + amount
        elif r.seller_id == own:
            months[month] = months.get(month, Decimal(0)) - amount
    owed = [balance for balance in months.values() if balance > 0]
    return NettingFigures(invoices=len(received), invoiced_eur=sum(received, Decimal(0)).quantize(Decimal("0.01")),
                          payments_after_netting=len(owed),
                          settled_after_netting_eur=sum(owed, Decimal(0)).quantize(Decimal("0.01")))


def _resources(parts: Sequence[Part], designs: dict[str, Design], forecast: dict | None,
               scheduled_orders: dict[str, int]) -> ResourceFigures | None:
    energy = sum(step.energy_kwh for part in parts for step in part.route)
    material = sum(designs[p.design_id].mass_kg for p in parts if p.design_id in designs)
    if parts and energy > 0:
        return ResourceFigures(source="parts", parts=len(parts), energy_kwh=round(energy, 6),
                               material_kg=round(material, 6) if material else None)
    planned = sum(scheduled_orders.values())
    if forecast is not None and planned:
        kwh = sum(m.get("energy_kwh", 0.0) for m in forecast.get("machines", []))
        return ResourceFigures(source="forecast", parts=planned, energy_kwh=round(kwh, 6), material_kg=round(
            sum(designs[d].mass_kg * q for d, q in scheduled_orders.items() if d in designs), 6) or None)
    if parts and material:
        return ResourceFigures(source="parts", parts=len(parts), material_kg=round(material, 6))
    return None


def compute_report(runtime: NodeRuntime, period: str, now: datetime) -> KpiReport:
    """This node's KPI report of `period` from its own database (ApiError 409 before a company is imported)."""
    window = _Window(period)
    with runtime.store.transaction() as uow:
        row = profile(uow.session)
        if row is None:
            raise conflict("kpi report: this node runs no company yet: POST /api/v1/import first")
        own, origin = row.company_id, row.origin
        designs = {d.id: d for d in uow.designs.list()}
        orders = uow.orders.list(supplier_id=own)
        parts = [p for p in uow.parts.list() if (end := _finished(p)) is not None and window.holds(end)]
        alarms = uow.session.scalar(select(func.count()).select_from(AlarmRow).where(
            AlarmRow.at >= window.start, AlarmRow.at < window.end)) or 0
        schedule = _stored_schedule(uow, own)
        forecast_row = uow.session.get(ForecastRow, own)
        forecast = forecast_row.document if forecast_row is not None else None
        netting = _netting(uow, own, window)
    changeover: ChangeoverComparison | None = None
    scheduled_orders: dict[str, int] = {}
    if schedule is not None:
        problem, solution = schedule
        starts = [a.start for a in solution.operations]
        # a schedule counts in the period it starts in: reports of consecutive periods never count it twice
        if starts and window.holds(origin + timedelta(minutes=min(starts))):
            changeover = compare_changeovers(own, problem, solution)
            quantities = {o.id: (o.design_id, o.quantity) for o in orders}
            for job in problem.jobs:
                design, quantity = quantities.get(job.id, ("", 0))
                scheduled_orders[design] = scheduled_orders.get(design, 0) + quantity
    held = sum(1 for p in parts if p.verdict is PartVerdict.HELD)
    rejected = sum(1 for p in parts if p.verdict in REJECTED)
    return KpiReport(
        member_id=runtime.member_id, company_id=own, period=period, generated_at=now,
        orders_completed=sum(1 for o in orders if o.status in DONE and window.holds(o.due)),
        parts_made=len(parts), changeover=changeover,
        defects=DefectFigures(parts_held=held, parts_rejected=rejected, alarms_raised=alarms)
        if parts or alarms else None,
        resources=_resources(parts, designs, forecast if changeover is not None else None, scheduled_orders),
        netting=netting,
    )


def hub_client(runtime: NodeRuntime) -> HubClient:
    """A client of the hub that issued this node's membership; 409 if the node is no member of a hub."""
    bundle = runtime.identity.bundle
    if bundle is None:
        raise conflict("hub: this node has no membership bundle (credential_file from `fabnet hub add-member`)")
    url = runtime.config.hub_url or bundle.hub_url
    if not url:
        raise conflict("hub_url: neither the node's configuration nor its membership bundle names the hub's URL")
    return HubClient(url, bundle.anchor.hub_id, runtime.member_id, runtime.identity.keys)


@router.get("/network/kpi-report", response_model=KpiReport, summary="Preview the KPI report for the hub")
async def preview_kpi_report(request: Request, _: Admin, period: PeriodQuery = None) -> KpiReport:
    chosen = _period(period, clock_of(request))
    return await off_the_loop(request, compute_report, runtime_of(request), chosen, clock_of(request))


@router.post("/network/kpi-report", response_model=KpiReportSent, summary="Send the KPI report to the hub",
             responses={502: {"description": "the hub refused the report or could not be reached",
                              "content": {"application/json": {"example": {"error": "hub ... answered 422: ..."}}}}})
async def send_kpi_report(request: Request, _: Admin, period: PeriodQuery = None) -> KpiReportSent:
    runtime = runtime_of(request)
    client = hub_client(runtime)
    chosen = _period(period, clock_of(request))
    report = await off_the_loop(request, compute_report, runtime, chosen, clock_of(request))
    try:
        receipt = await run_in_threadpool(client.report_kpis, report)
    except HubApiError as error:
        raise ApiError(502, str(error)) from None
    except httpx.HTTPError as error:
        raise ApiError(502, f"hub {client.hub_url} not reachable: {error}") from None
    return KpiReportSent(hub_url=client.hub_url, replaced=receipt.replaced, report=receipt.report)
