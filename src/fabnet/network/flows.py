"""Order flows between members, as their nodes report them to the hub: map edges and KPI inputs over a period.

A flow is one order placed by a customer member (`from`) with a supplier member (`to`): its value, quantity and
order date; a sub-order the marketplace allocated names the customer order it came from (`parent_order_id`).
Periods are a year (`2026`), a month (`2026-11`) or an ISO week (`2026-W48`); no period means all flows.
Who buys from whom, and for how much, is each pair's business: `region_flows` is what anyone may see (orders per
pair of regions, no values, only where at least `MIN_PAIRS` member pairs add up), `flows_of` what a member may see.
KPIs from flows: active members are those with a flow, every flow is an invoice (supplier to customer) and the
invoices are netted over the network, as the hub's netting run would.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fabnet.billing.netting import OpenInvoice, net_invoices
from fabnet.domain.base import Identifier
from fabnet.network.kpis import KpiInputs

MemberId = Annotated[str, Field(min_length=1, max_length=200)]
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|W(?P<week>\d{2})))?$")


class FlowReport(BaseModel):
    """One order from a customer member to a supplier member."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_member: MemberId = Field(alias="from", description="the customer member's id")
    to_member: MemberId = Field(alias="to", description="the supplier member's id")
    order_id: Identifier
    value_eur: Decimal = Field(ge=0, max_digits=16, decimal_places=2)
    quantity: int = Field(default=1, ge=1)
    ordered_on: date
    parent_order_id: Identifier | None = Field(default=None,
                                               description="the customer order this sub-order was allocated from")

    @model_validator(mode="after")
    def _two_parties(self) -> Self:
        if self.from_member == self.to_member:
            raise ValueError(f"from and to are the same member {self.from_member!r}")
        return self


class FlowEdge(BaseModel):
    """All orders from one member to another."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    from_member: str = Field(alias="from")
    to_member: str = Field(alias="to")
    orders: int
    value: Decimal = Field(description="total order value, EUR")


class RegionFlow(BaseModel):
    """Orders from members of one region (hub) to members of another (or the same), without their value."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    from_hub: str | None = Field(alias="from", description="the customer members' hub; None: not listed")
    to_hub: str | None = Field(alias="to", description="the supplier members' hub; None: not listed")
    orders: int
    member_pairs: int = Field(description="distinct (customer, supplier) member pairs behind the orders")


class RegionFlows(BaseModel):
    """The public picture of the flows: region pairs with enough member pairs, and what was left out."""

    model_config = ConfigDict(frozen=True)

    min_member_pairs: int = Field(description="a region pair is shown only with at least this many member pairs")
    flows: tuple[RegionFlow, ...]
    withheld_orders: int = Field(description="orders of region pairs with fewer member pairs, not shown")
    withheld_region_pairs: int


MIN_PAIRS = 3
"""Fewer member pairs than this behind a region pair and the pair could be told apart (a region with one member,
or a member subtracting its own orders): such region pairs are withheld from the public view."""


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period; ValueError naming the accepted forms."""
    match = _PERIOD.match(period.strip())
    if match is None:
        raise ValueError(f"{period!r} is not a year (2026), a month (2026-11) or an ISO week (2026-W48)")
    year = int(match["year"])
    try:
        if match["month"]:
            month = int(match["month"])
            first = date(year, month, 1)
            following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return first, date.fromordinal(following.toordinal() - 1)
        if match["week"]:
            first = date.fromisocalendar(year, int(match["week"]), 1)
            return first, date.fromordinal(first.toordinal() + 6)
    except ValueError as error:
        raise ValueError(f"{period!r}: {error}") from None
    return date(year, 1, 1), date(year, 12, 31)


def in_period(flows: Iterable[FlowReport], period: str | None) -> list[FlowReport]:
    if period is None:
        return list(flows)
    first, last = period_bounds(period)
    return [flow for flow in flows if first <= flow.ordered_on <= last]


def flow_edges(flows: Iterable[FlowReport]) -> tuple[FlowEdge, ...]:
    """Flows summed per (from, to), largest value first."""
    totals: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for flow in flows:
        orders, value = totals.get((flow.from_member, flow.to_member), (0, Decimal(0)))
        totals[(flow.from_member, flow.to_member)] = (orders + 1, value + flow.value_eur)
    edges = [FlowEdge(from_member=a, to_member=b, orders=n, value=v) for (a, b), (n, v) in totals.items()]
    return tuple(sorted(edges, key=lambda e: (-e.value, e.from_member, e.to_member)))


def flows_of(edges: Iterable[FlowEdge], member_id: str) -> tuple[FlowEdge, ...]:
    """The edges a member is a party to (customer or supplier)."""
    return tuple(e for e in edges if member_id in (e.from_member, e.to_member))


def region_flows(flows: Iterable[FlowReport], hub_of: Mapping[str, str], min_pairs: int = MIN_PAIRS) -> RegionFlows:
    """Orders per (customer hub, supplier hub), largest first, for region pairs with at least `min_pairs` member
    pairs; never a value, since values of a few pairs in several periods would give single orders away."""
    if min_pairs < 1:
        raise ValueError(f"min_pairs: {min_pairs} is not a positive number of member pairs")
    orders: dict[tuple[str | None, str | None], int] = {}
    pairs: dict[tuple[str | None, str | None], set[tuple[str, str]]] = {}
    for flow in flows:
        key = (hub_of.get(flow.from_member), hub_of.get(flow.to_member))
        orders[key] = orders.get(key, 0) + 1
        pairs.setdefault(key, set()).add((flow.from_member, flow.to_member))
    shown = [RegionFlow(from_hub=a, to_hub=b, orders=orders[(a, b)], member_pairs=len(pairs[(a, b)]))
             for (a, b) in orders if len(pairs[(a, b)]) >= min_pairs]
    withheld = [key for key in orders if len(pairs[key]) < min_pairs]
    return RegionFlows(
        min_member_pairs=min_pairs,
        flows=tuple(sorted(shown, key=lambda f: (-f.orders, f.from_hub or "", f.to_hub or ""))),
        withheld_orders=sum(orders[key] for key in withheld), withheld_region_pairs=len(withheld))


def flow_kpi_inputs(flows: Iterable[FlowReport], period: str) -> KpiInputs:
    """What the hub knows of a period from its flows; changeovers, defects and energy stay with the nodes."""
    flows = list(flows)
    # an order without a price yet (value 0) is handled work but no payment: netting refuses non-positive amounts
    payable = [f for f in flows if f.value_eur > 0]
    netting = net_invoices(
        (OpenInvoice(f"{f.from_member}/{f.order_id}", f.from_member, f.to_member, f.value_eur) for f in payable),
        period=period) if payable else None
    allocated = {(f.from_member, f.parent_order_id) for f in flows if f.parent_order_id is not None}
    members = {f.from_member for f in flows} | {f.to_member for f in flows}
    return KpiInputs(
        period=period, active_members=len(members), orders_handled=len(flows),
        orders_allocated=min(len(allocated), len(flows)), parts_made=sum(f.quantity for f in flows),
        invoices=netting.invoices if netting else 0,
        payments_after_netting=len(netting.payments) if netting else 0,
        invoiced_eur=netting.gross_amount if netting else Decimal(0),
        settled_after_netting_eur=netting.net_amount if netting else Decimal(0),
    )
