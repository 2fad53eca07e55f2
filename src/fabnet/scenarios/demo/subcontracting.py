"""Work a supplier cannot do itself goes to a partner in the network, who meters the machine minutes it spends
for the supplier (`billing.metering`) and invoices them at the month's end: the mutual debts netting clears.

A partner is chosen per order by greedy cover: the manufacturer whose own process plan of the design contains the
most of the operations the supplier left open (ties: scenario order), then the next for what remains. Until the
hub's marketplace allocates (issue 7 §2), this stands in for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from fabnet.billing.metering import UsageEvent, machine_time_event
from fabnet.domain import Machine, Order, RegionalNetwork
from fabnet.domain.process import Operation
from fabnet.planning.process import plan_what_is_possible


@dataclass(frozen=True)
class Subcontract:
    """Operations of one order that `partner` does for `supplier`, and the machine minutes it meters."""

    order_id: str
    supplier: str
    partner: str
    operations: tuple[str, ...]
    events: tuple[UsageEvent, ...]


def _cheapest(operation: Operation, machines: dict[str, Machine]) -> tuple[str, int]:
    mode = min(operation.modes, key=lambda m: (machines[m.machine_id].hourly_rate_eur * m.duration_min, m.machine_id))
    return mode.machine_id, mode.duration_min


def subcontracts(network: RegionalNetwork, done_at: dict[str, datetime]) -> tuple[list[Subcontract], list[str]]:
    """The subcontracts of every order with work its supplier cannot do, and the operations nobody can do.

    `done_at` gives each order's planned completion; the partner's minutes are metered then.
    """
    designs = {d.id: d for d in network.designs}
    makers = [c.id for c in network.companies if network.machines_of(c.id)]
    found: list[Subcontract] = []
    nobody: list[str] = []
    for order in network.orders:
        own = plan_what_is_possible(designs[order.design_id], network.machines_of(order.supplier_id),
                                    quantity=order.quantity, designs=designs) if order.supplier_id in makers else None
        if own is None or not own.skipped:
            continue
        open_ids = [s.operation_id for s in own.skipped]
        offers = _offers(network, order, [m for m in makers if m != order.supplier_id], set(open_ids))
        while open_ids:
            best = max(offers, key=lambda p: (len(offers[p].keys() & set(open_ids)), -makers.index(p)), default=None)
            if best is None or not offers[best].keys() & set(open_ids):
                nobody += [f"{order.id}/{op}" for op in open_ids]
                break
            taken = [op for op in open_ids if op in offers[best]]
            machines = {m.id: m for m in network.machines_of(best)}
            events = []
            for op_id in taken:
                machine_id, minutes = _cheapest(offers[best][op_id], machines)
                if minutes > 0:
                    events.append(machine_time_event(job_id=f"{order.id}/{op_id}", customer=order.supplier_id,
                                                     machine_id=machine_id, minutes=minutes,
                                                     timestamp=done_at.get(order.id, order.due)))
            found.append(Subcontract(order.id, order.supplier_id, best, tuple(taken), tuple(events)))
            open_ids = [op for op in open_ids if op not in taken]
    return found, nobody


def _offers(network: RegionalNetwork, order: Order, partners: list[str], wanted: set[str]
            ) -> dict[str, dict[str, Operation]]:
    """Per partner, the wanted operations its own process plan of the order's design contains."""
    designs = {d.id: d for d in network.designs}
    offers: dict[str, dict[str, Operation]] = {}
    for partner in partners:
        plan = plan_what_is_possible(designs[order.design_id], network.machines_of(partner), quantity=order.quantity,
                                     designs=designs).plan
        if plan is not None:
            offers[partner] = {op.id: op for op in plan.operations if op.id in wanted}
    return offers


def minute_rate(machines: list[Machine]) -> Decimal:
    """The partner's price of a subcontracted machine minute: its machines' mean hourly rate, per minute."""
    mean = sum((m.hourly_rate_eur for m in machines), Decimal(0)) / len(machines)
    return (mean / 60).quantize(Decimal("0.0001"))
