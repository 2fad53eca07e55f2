"""The node's company (`GET /company`) and the import of one company's slice of a scenario (`POST /import`)."""

from datetime import datetime
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from fabnet.billing.pricing import PriceList
from fabnet.domain import Company, Design, RegionalNetwork
from fabnet.domain.base import Identifier
from fabnet.scenarios.loader import load_scenario
from fabnet.service import api_queries
from fabnet.service.access import Principal, Role, reader, require
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute, conflict, invalid
from fabnet.service.api_production import simulate_production
from fabnet.service.api_records import (
    forget_profile,
    now_utc,
    own_profile,
    record_event,
    runtime_of,
)
from fabnet.store.billing_tables import BillingRepository
from fabnet.store.operations_tables import NODE_PROFILE_KEY, NodeProfileRow

router = APIRouter(prefix="/api/v1", tags=["company"], route_class=ErrorRoute, responses=ERROR_RESPONSES)


class CompanyView(BaseModel):
    """The company this node runs, with how many of its records the node holds."""

    company: Company
    scenario: str
    origin: datetime = Field(description="start of the planning horizon; schedule minutes count from here")
    machines: int
    designs: int
    orders: int
    parts: int


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: Identifier = Field(description="a scenario shipped with fabnet, e.g. 'brainport' (with `network`: the "
                                             "name the node records for it)")
    company_id: Identifier = Field(description="the company of the scenario this node runs")
    network: RegionalNetwork | None = Field(default=None, description=(
        "a network given whole instead of a shipped scenario (e.g. a shipped one with a company added); its "
        "company's slice is loaded the same way"))
    simulate_parts: int = Field(default=0, ge=0, le=2000, description=(
        "also simulate this many parts on the busiest machine (a drift late in the run), so that quality charts, "
        "alarms and passports have data; only into a node without production data"))


class ImportResult(BaseModel):
    scenario: str
    company_id: str
    companies: int
    machines: int
    designs: int
    orders: int
    parts_simulated: int


@cache
def _scenario(name: str) -> RegionalNetwork:
    return load_scenario(name)


def company_slice(network: RegionalNetwork, company_id: str) -> RegionalNetwork:
    """What one company's node holds of a scenario: the company, its machines, the orders it supplies, the designs
    those orders need (with their components) and its own designs, plus the companies and hubs they refer to."""
    own = network.company(company_id)
    orders = [o for o in network.orders if o.supplier_id == company_id]
    by_id = {d.id: d for d in network.designs}
    wanted = [o.design_id for o in orders] + [d.id for d in network.designs if d.owner_id == company_id]
    designs: dict[str, Design] = {}
    while wanted:
        design = by_id[wanted.pop()]
        if design.id not in designs:
            designs[design.id] = design
            wanted.extend(line.design_id for line in design.bom)
    company_ids = {own.id} | {o.customer_id for o in orders} | {d.owner_id for d in designs.values()}
    companies = [c for c in network.companies if c.id in company_ids]
    hub_ids = {c.hub_id for c in companies}
    return RegionalNetwork(
        name=network.name, description=network.description, origin=network.origin,
        hubs=tuple(h for h in network.hubs if h.id in hub_ids), companies=tuple(companies),
        machines=tuple(network.machines_of(company_id)),
        designs=tuple(d for d in network.designs if d.id in designs), orders=tuple(orders),
    )


@router.get("/company", response_model=CompanyView, summary="The company this node runs")
async def get_company(request: Request, _: Annotated[Principal, Depends(reader)]) -> CompanyView:
    store = runtime_of(request).store
    row = own_profile(store)
    with api_queries.reading(store) as connection:
        document, machines, designs, orders, parts = api_queries.COMPANY_WITH_COUNTS.all(
            connection, {"own": row.company_id})[0]
    return CompanyView(company=api_queries.load(Company, document), scenario=row.scenario, origin=row.origin,
                       machines=machines, designs=designs, orders=orders, parts=parts)


@router.post("/import", response_model=ImportResult, summary="Load one company's slice of a scenario")
async def import_company(body: ImportRequest, request: Request,
                         who: Annotated[Principal, Depends(require(Role.ADMIN))]) -> ImportResult:
    if body.network is not None:
        network = body.network
    else:
        try:
            network = await run_in_threadpool(_scenario, body.scenario)
        except ValueError as error:
            raise invalid(f"scenario: {error}") from None
    if body.company_id not in {c.id for c in network.companies}:
        raise invalid(f"company_id: scenario {body.scenario!r} has no company {body.company_id!r}")
    part = company_slice(network, body.company_id)
    try:
        return _import(body, part, request, who)
    except BaseException:
        forget_profile(runtime_of(request).store.engine)
        raise


def _import(body: ImportRequest, part: RegionalNetwork, request: Request, who: Principal) -> ImportResult:
    with runtime_of(request).store.transaction() as uow:
        current = uow.session.get(NodeProfileRow, NODE_PROFILE_KEY)
        if current is not None and current.company_id != body.company_id:
            raise conflict(f"company_id: this node runs {current.company_id!r}; it cannot also run "
                           f"{body.company_id!r}")
        # orders already held keep their status and timeline: importing again only adds what is new
        known = set(uow.orders.keys()) if current is not None else set()
        uow.import_network(part.model_copy(update={"orders": tuple(o for o in part.orders if o.id not in known)}))
        if current is None:
            uow.session.add(NodeProfileRow(key=NODE_PROFILE_KEY, company_id=body.company_id, scenario=body.scenario,
                                           origin=part.origin, updated_at=now_utc()))
        else:
            current.updated_at = now_utc()
        billing = BillingRepository(uow.session)
        if billing.price_list(body.company_id) is None:
            billing.save_price_list(PriceList.for_machines(body.company_id, list(part.machines)))
        for order in part.orders:
            if order.id not in known:
                record_event(uow.session, order.id, order.status.value, f"imported from scenario {body.scenario}",
                             who.username)
        simulated = simulate_production(uow, body.simulate_parts) if body.simulate_parts else 0
    return ImportResult(scenario=body.scenario, company_id=body.company_id, companies=len(part.companies),
                        machines=len(part.machines), designs=len(part.designs), orders=len(part.orders),
                        parts_simulated=simulated)
