"""Demo stage, allocation: every customer order through the hub's marketplace (`fabnet.network.allocation`): what the
receiving company cannot do (or not in time) goes out as requests for quotation to capable members found in the
hub catalog, and the chosen quotes become sub-orders, stored and scheduled by the partners like any order.

In the single-process run the members answer in process (`InProcessQuoteProvider`) and the candidates come from
an in-process catalog; the network run asks the hub's catalog and the members' nodes over HTTP. A partner that
fails after allocation is replaced (`replace_partner`). A partner schedules the sub-order's design with its own
process plan. Work the receiver could do but not in time may go out too (`late_packages`); its own schedule still
holds that work, its invoice does not.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from fabnet.domain import OrderStatus, RegionalNetwork
from fabnet.network.allocation import AllocationResult as OrderAllocation
from fabnet.network.allocation import AllocationStatus, Marketplace, SubOrder, allocate, reallocate
from fabnet.network.catalog import CapabilityCatalog, CapabilitySearch
from fabnet.network.members import InProcessQuoteProvider
from fabnet.network.quotes import QuoteProvider
from fabnet.scenarios.demo.results import AllocationResult, SubOrderRow
from fabnet.store import Store


@dataclass(frozen=True)
class Allocated:
    """The network with the sub-orders added, the sub-orders themselves, and the stage's result."""

    network: RegionalNetwork
    sub_orders: tuple[SubOrder, ...]
    parents: dict[str, str]
    """sub-order id → the customer order it serves"""
    in_house: dict[str, tuple[str, ...]]
    """customer order id → the operations of the receiver's own plan that it keeps"""
    result: AllocationResult
    results: dict[str, OrderAllocation] = field(default_factory=dict)
    """customer order id → its allocation, for re-allocating it later"""
    market: Marketplace | None = None
    """what allocated them (catalog, RFQ channel), for re-allocating"""
    cancelled: tuple[str, ...] = ()
    """sub-orders given up because their partner failed after allocation (kept in the records as cancelled)"""


def allocate_orders(
    network: RegionalNetwork, store: Store, on_order: Callable[[str], None] = lambda _: None, *,
    provider: QuoteProvider | None = None, catalog: CapabilitySearch | None = None, workers: int = 1,
) -> Allocated:
    """`provider` answers the RFQs (default: every member in process) and `catalog` names the candidates (default:
    the scenario's companies in process); with `workers` > 1 that many orders are allocated at a time (for members
    answering over HTTP from their own processes)."""
    market = Marketplace(network, catalog or CapabilityCatalog.from_network(network),
                         provider or InProcessQuoteProvider(network))
    results: dict[str, OrderAllocation] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for order, result in zip(network.orders, pool.map(lambda order: allocate(market, order), network.orders),
                                 strict=True):  # in order, as they complete
            results[order.id] = result
            on_order(f"{order.id}: {result.status.value}, {len(_external(result))} sub-order(s)")
    allocated = _allocated(network, market, results, ())
    with store.transaction() as uow:
        for sub in allocated.sub_orders:
            uow.orders.put(sub.order)
    return allocated


def replace_partner(allocated: Allocated, store: Store, order_id: str, failed_member: str,
                    also_excluded: frozenset[str] = frozenset()) -> tuple[Allocated, tuple[SubOrder, ...],
                                                                           tuple[SubOrder, ...]]:
    """Re-allocate what `failed_member` took of the customer order (it failed after allocation: its node is down,
    it ended the contract negotiation, the design transfer failed) among the other members, `also_excluded` left
    out too; the other packages keep their partners. Returns the allocation, the new sub-orders (to contract) and
    the sub-orders given up (cancelled in the clearing database, never deleted). Work no member takes waits."""
    if allocated.market is None:
        raise ValueError("re-allocation needs the marketplace that allocated the orders")
    market = replace(allocated.market, excluded=allocated.market.excluded | also_excluded)
    before = allocated.results[order_id]
    after = reallocate(market, before, failed_member)
    # a sub-order the new allocation repeats (same package, partner, quantity, operations) keeps its id; a new one
    # gets an id no earlier sub-order had, so that no node confuses it with one it may hold already
    previous = {_identity(s): s for s in before.sub_orders}
    used = {s.order.id for r in allocated.results.values() for s in r.sub_orders} | set(allocated.cancelled)
    subs: list[SubOrder] = []
    for sub in after.sub_orders:
        kept = previous.pop(_identity(sub), None)
        if kept is not None:
            subs.append(kept)
            continue
        new_id, n = sub.order.id, 1
        while new_id in used:
            new_id = f"{sub.order.id[:110]}-r{n}"
            n += 1
        used.add(new_id)
        subs.append(sub.model_copy(update={"order": sub.order.model_copy(update={"id": new_id})}))
    after = after.model_copy(update={"sub_orders": tuple(subs)})
    dropped = tuple(s for s in previous.values() if s.order.supplier_id != s.order.customer_id)
    kept_ids = {s.order.id for s in before.sub_orders}
    added = tuple(s for s in _external(after) if s.order.id not in kept_ids)
    with store.transaction() as uow:
        for sub in dropped:
            uow.orders.put(sub.order.model_copy(update={"status": OrderStatus.CANCELLED}))
        for sub in added:
            uow.orders.put(sub.order)
    results = {**allocated.results, order_id: after}
    updated = _allocated(market.network, allocated.market, results,
                         allocated.cancelled + tuple(s.order.id for s in dropped))
    return updated, added, dropped


def _identity(sub: SubOrder) -> tuple[str, str, int, tuple[str, ...]]:
    return sub.package_id, sub.order.supplier_id, sub.order.quantity, sub.operation_keys


def _external(result: OrderAllocation) -> list[SubOrder]:
    """The receiver may win its own package (in-house after all): that is no sub-order."""
    return [s for s in result.sub_orders if s.order.supplier_id != s.order.customer_id]


def _allocated(network: RegionalNetwork, market: Marketplace, results: dict[str, OrderAllocation],
               cancelled: tuple[str, ...]) -> Allocated:
    sub_orders: list[SubOrder] = []
    parents: dict[str, str] = {}
    in_house: dict[str, tuple[str, ...]] = {}
    late = 0
    statuses: dict[str, int] = {status.value: 0 for status in AllocationStatus}
    waiting: list[str] = []
    for order in network.orders:
        result = results[order.id]
        statuses[result.status.value] += 1
        in_house[order.id] = result.in_house_operations
        late += sum(1 for p in result.packages if p.package.id.endswith(":in-house") and p.split.lines)
        waiting += [f"{order.id}: {p.package.id} ({p.note})" for p in result.waiting()]
        for sub in _external(result):
            sub_orders.append(sub)
            parents[sub.order.id] = order.id
    extended = network.model_copy(update={"orders": network.orders + tuple(s.order for s in sub_orders)})
    rows = tuple(
        SubOrderRow(
            id=s.order.id, order_id=parents[s.order.id], receiver=s.order.customer_id,
            partner=s.order.supplier_id, design_id=s.order.design_id, quantity=s.order.quantity,
            operations=s.operation_keys, price_eur=f"{s.price_eur:.2f}", co2_kg=round(s.co2_kg, 3),
            promised_completion_min=s.promised_completion_minute,
        )
        for s in sub_orders
    )
    return Allocated(extended, tuple(sub_orders), parents, in_house, AllocationResult(
        orders=len(network.orders), in_house=statuses[AllocationStatus.IN_HOUSE.value],
        allocated=statuses[AllocationStatus.ALLOCATED.value], waiting=statuses[AllocationStatus.WAITING.value],
        waiting_packages=tuple(waiting), late_packages=late, sub_orders=rows,
        total_price_eur=f"{sum(s.price_eur for s in sub_orders):.2f}",
        total_co2_kg=round(sum(s.co2_kg for s in sub_orders), 3),
    ), results, market, cancelled)
