"""The network as the hub sees it: programme figures, KPIs, the map of members and order flows; members' flow and
KPI reports.

Reads are public, but who buys from whom and a single company's figures are not: the public gets programme figures,
network totals and flows per pair of regions without values; a member (its self-issued token) adds its own flows
and KPI report; the operator (the admin token) sees everything. A credential that fails is refused, never ignored."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from fabnet.network.flows import (
    FlowReport,
    flow_edges,
    flow_kpi_inputs,
    flows_of,
    in_period,
    period_bounds,
    region_flows,
)
from fabnet.network.kpi_reports import KpiReport, add_up, hub_kpis, select_reports, withhold_small_counts
from fabnet.network.programme import NetworkFigures, ProgrammeView, compare
from fabnet.service.hub_api_auth import HubCaller
from fabnet.service.hub_api_kpi_reports import StaleReport
from fabnet.service.hub_api_models import (
    ErrorBody,
    FlowReceipt,
    KpiReportReceipt,
    KpiView,
    MapMember,
    NetworkMap,
    view_of,
)
from fabnet.service.hub_api_state import HubState, hub_caller, hub_state, hub_viewer

router = APIRouter(prefix="/api/v1", tags=["network"])
State = Annotated[HubState, Depends(hub_state)]
Period = Annotated[str | None, Query(description="a year (2026), month (2026-11) or ISO week (2026-W48); "
                                                 "default: all flows")]
Viewer = Annotated[HubCaller | None, Depends(hub_viewer)]
ERRORS = {status: {"model": ErrorBody} for status in (401, 403, 422)}


def _flows(state: HubState, period: str | None) -> list[FlowReport]:
    if period is not None:
        try:
            period_bounds(period)
        except ValueError as error:
            raise HTTPException(422, f"period: {error}") from None
    return in_period(state.flows.flows(), period)


@router.get("/programme", response_model=ProgrammeView, responses=ERRORS, dependencies=[Depends(hub_viewer)])
def programme(state: State, period: Period = None) -> ProgrammeView:
    """The programme's starting point (fieldlabs, investment, companies, hubs) against the network's own figures:
    participants are the registered members (and listings the operator published), active ones have flows.
    The same for everyone; a credential sent along must still be valid (401/403)."""
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


@router.get("/kpis", response_model=KpiView, responses=ERRORS)
def kpis(state: State, viewer: Viewer, period: Period = None) -> KpiView:
    """KPIs of the period: active members, orders and orders allocated from the reported flows; changeover hours
    saved against FCFS, defects stopped, energy and material per part and netting from members' KPI reports (the
    reports inside the period, each member's newest). `coverage` says per figure how many members reported it; a
    figure nobody reported is null. The totals are for everyone, except a figure fewer members than the hub's
    `public_min_members` (default 3) add up to: that one only the operator sees (for the others it is null, its
    coverage "withheld"). The per-company rows (`changeovers_by_company`, `member_reports`): the caller's own for a
    member, all for the operator, none for the public."""
    flows = _flows(state, period)
    reports = select_reports(state.kpi_reports.reports(), period)
    totals = hub_kpis(flow_kpi_inputs(flows, period or "all"), add_up(reports))
    if viewer is None or not viewer.is_operator:
        totals = withhold_small_counts(totals, state.config.public_min_members)
    if viewer is None:
        reports = []
    elif not viewer.is_operator:
        reports = [r for r in reports if r.member_id == viewer.member_id]
    return KpiView.model_validate({
        **totals.model_dump(), "view": view_of(viewer), "min_members": state.config.public_min_members,
        "member_reports": reports,
        "changeovers_by_company": tuple(r.changeover for r in reports if r.changeover is not None)})


@router.get("/network/map", response_model=NetworkMap, responses=ERRORS)
def network_map(state: State, viewer: Viewer, period: Period = None) -> NetworkMap:
    """Listed members with their sites; the order flows per pair of regions (no values, region pairs of fewer
    than `region_flows.min_member_pairs` member pairs withheld); and the flows between members with their values:
    the ones the caller is a party to for a member, all for the operator, none for the public. Revoked members'
    sites only the operator sees, as only the operator sees them in the member list."""
    listed = sorted(state.catalog.listed(), key=lambda e: e.company.id)
    # revoked or expired, as the member list counts them
    revoked = ({m.credential.member_id for m in state.registry.registered_members() if m.revoked}
               if viewer is None or not viewer.is_operator else set())
    members = tuple(
        MapMember(id=entry.member_id or entry.company.id, member_id=entry.member_id, company_id=entry.company.id,
                  name=entry.company.name, hub_id=entry.company.hub_id, latitude=entry.company.address.latitude,
                  longitude=entry.company.address.longitude, machines=entry.machines)
        for entry in listed if entry.member_id not in revoked)
    flows = _flows(state, period)
    hub_of = {entry.member_id: entry.company.hub_id for entry in listed if entry.member_id is not None}
    edges = flow_edges(flows)
    if viewer is None:
        edges = ()
    elif not viewer.is_operator and viewer.member_id is not None:
        edges = flows_of(edges, viewer.member_id)
    return NetworkMap(view=view_of(viewer), period=period, hubs=state.hubs, members=members,
                      region_flows=region_flows(flows, hub_of, state.config.public_min_member_pairs), flows=edges)


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
