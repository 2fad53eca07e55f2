"""The network as the hub sees it: programme figures, KPIs, the map of members and order flows; members' flow and
KPI reports."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from fabnet.network.flows import FlowReport, flow_edges, flow_kpi_inputs, in_period, period_bounds
from fabnet.network.kpi_reports import HubKpis, KpiReport, add_up, hub_kpis, select_reports
from fabnet.network.programme import NetworkFigures, ProgrammeView, compare
from fabnet.service.hub_api_auth import HubCaller
from fabnet.service.hub_api_kpi_reports import StaleReport
from fabnet.service.hub_api_models import ErrorBody, FlowReceipt, KpiReportReceipt, MapMember, NetworkMap
from fabnet.service.hub_api_state import HubState, hub_caller, hub_state

router = APIRouter(prefix="/api/v1", tags=["network"])
State = Annotated[HubState, Depends(hub_state)]
Period = Annotated[str | None, Query(description="a year (2026), month (2026-11) or ISO week (2026-W48); "
                                                 "default: all flows")]
ERRORS = {status: {"model": ErrorBody} for status in (401, 403, 422)}


def _flows(state: HubState, period: str | None) -> list[FlowReport]:
    if period is not None:
        try:
            period_bounds(period)
        except ValueError as error:
            raise HTTPException(422, f"period: {error}") from None
    return in_period(state.flows.flows(), period)


@router.get("/programme", response_model=ProgrammeView, responses={422: {"model": ErrorBody}})
def programme(state: State, period: Period = None) -> ProgrammeView:
    """The programme's starting point (fieldlabs, investment, companies, hubs) against the network's own figures:
    participants are the registered members (and listings the operator published), active ones have flows."""
    flows = _flows(state, period)
    participants = {m.credential.member_id for m in state.registry.registered_members() if not m.revoked}
    participants |= {f"company:{c.company.id}" for c in state.catalog.listed() if c.member_id is None}
    active = {f.from_member for f in flows} | {f.to_member for f in flows}
    labs = state.fieldlabs
    figures = NetworkFigures(
        fieldlabs=len(labs), investment_eur=sum((lab.investment_eur for lab in labs), Decimal(0)),
        private_investment_eur=sum((lab.private_investment_eur for lab in labs), Decimal(0)),
        companies=len(participants), active_members=len(active), hubs=len(state.hubs))
    return compare(figures, hubs=state.hubs, fieldlabs=labs)


@router.get("/kpis", response_model=HubKpis, responses={422: {"model": ErrorBody}})
def kpis(state: State, period: Period = None) -> HubKpis:
    """KPIs of the period: active members, orders and orders allocated from the reported flows; changeover hours
    saved against FCFS, defects stopped, energy and material per part and netting from members' KPI reports (the
    reports inside the period, each member's newest). `coverage` says per figure how many members reported it; a
    figure nobody reported is null."""
    flows = _flows(state, period)
    totals = add_up(select_reports(state.kpi_reports.reports(), period))
    return hub_kpis(flow_kpi_inputs(flows, period or "all"), totals)


@router.get("/network/map", response_model=NetworkMap, responses={422: {"model": ErrorBody}})
def network_map(state: State, period: Period = None) -> NetworkMap:
    """Listed members with their sites, and the order flows between members."""
    members = tuple(
        MapMember(id=entry.member_id or entry.company.id, member_id=entry.member_id, company_id=entry.company.id,
                  name=entry.company.name, hub_id=entry.company.hub_id, latitude=entry.company.address.latitude,
                  longitude=entry.company.address.longitude, machines=entry.machines)
        for entry in sorted(state.catalog.listed(), key=lambda e: e.company.id))
    return NetworkMap(period=period, hubs=state.hubs, members=members, flows=flow_edges(_flows(state, period)))


@router.post("/flows", response_model=FlowReceipt, responses=ERRORS)
def report_flow(flow: FlowReport, state: State, caller: Annotated[HubCaller, Depends(hub_caller)]) -> FlowReceipt:
    """A node reports an order between two members (it must be one of them); reporting it again replaces it."""
    if not caller.is_operator and caller.member_id not in (flow.from_member, flow.to_member):
        raise HTTPException(403, f"from/to: member {caller.member_id} may report only its own orders "
                                 f"(got {flow.from_member} → {flow.to_member})")
    for field, member_id in (("from", flow.from_member), ("to", flow.to_member)):
        registered = state.registry.member(member_id)
        if registered is None or registered.revoked:
            raise HTTPException(422, f"{field}: {member_id!r} is not a "
                                     f"{'current ' if registered else ''}member of this hub")
    replaced = state.flows.record(flow, caller.member_id or "operator")
    return FlowReceipt(flow=flow, replaced=replaced)


@router.post("/kpi-reports", response_model=KpiReportReceipt, responses={**ERRORS, 409: {"model": ErrorBody}})
def report_kpis(report: KpiReport, state: State,
                caller: Annotated[HubCaller, Depends(hub_caller)]) -> KpiReportReceipt:
    """A node reports its member's KPIs of a period (only its own); a newer report of the same period replaces the
    stored one, an older one is refused (409)."""
    if not caller.is_operator and caller.member_id != report.member_id:
        raise HTTPException(403, f"member_id: member {caller.member_id} may report only its own KPIs "
                                 f"(got {report.member_id})")
    registered = state.registry.member(report.member_id)
    if registered is None or registered.revoked:
        raise HTTPException(422, f"member_id: {report.member_id!r} is not a "
                                 f"{'current ' if registered else ''}member of this hub")
    try:
        replaced = state.kpi_reports.record(report)
    except StaleReport as error:
        raise HTTPException(409, str(error)) from None
    return KpiReportReceipt(report=report, replaced=replaced)
