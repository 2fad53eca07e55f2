"""Demo stage, allocation: every customer order through the hub's marketplace (`fabnet.network.allocation`): what the
receiving company cannot do (or not in time) goes out as requests for quotation to capable members found in the
hub catalog, and the chosen quotes become sub-orders, stored and scheduled by the partners like any order.

In this single-process run the members answer in process (`InProcessQuoteProvider`); over HTTP between nodes is
the later multi-process step. A partner schedules the sub-order's design with its own process plan. Work the
receiver could do but not in time may go out too (`late_packages`); its own schedule still holds that work, its
invoice does not.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from fabnet.domain import RegionalNetwork
from fabnet.network.allocation import AllocationStatus, Marketplace, SubOrder, allocate
from fabnet.network.catalog import CapabilityCatalog
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


def allocate_orders(
    network: RegionalNetwork, store: Store, on_order: Callable[[str], None] = lambda _: None, *,
    provider: QuoteProvider | None = None, workers: int = 1,
) -> Allocated:
    """`provider` answers the RFQs (default: every member in process); with `workers` > 1 that many orders are
    allocated at a time (for members answering over HTTP from their own processes)."""
    market = Marketplace(network, CapabilityCatalog.from_network(network), provider or InProcessQuoteProvider(network))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda order: allocate(market, order), network.orders)  # in order, as they complete
        sub_orders: list[SubOrder] = []
        parents: dict[str, str] = {}
        in_house: dict[str, tuple[str, ...]] = {}
        late = 0
        statuses: dict[str, int] = {status.value: 0 for status in AllocationStatus}
        waiting: list[str] = []
        for order, result in zip(network.orders, results, strict=True):
            statuses[result.status.value] += 1
            in_house[order.id] = result.in_house_operations
            late += sum(1 for p in result.packages if p.package.id.endswith(":in-house") and p.split.lines)
            waiting += [f"{order.id}: {p.package.id} ({p.note})" for p in result.waiting()]
            # the receiver may win its own package (in-house after all): that is no sub-order
            for sub in result.sub_orders:
                if sub.order.supplier_id != sub.order.customer_id:
                    sub_orders.append(sub)
                    parents[sub.order.id] = order.id
            on_order(f"{order.id}: {result.status.value}, {len(result.sub_orders)} sub-order(s)")
    with store.transaction() as uow:
        for sub in sub_orders:
            uow.orders.put(sub.order)
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
    ))
