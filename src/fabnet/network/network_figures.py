"""The KPI inputs of a whole regional network, gathered from its records, its schedules and its allocations.

- orders handled: the open orders; orders allocated: those with sub-orders to partners;
- parts made: the ordered quantities; energy: per operation, the fastest eligible machine's minutes × its
  power (the plan's own estimate, planned not metered); material: design mass × quantity;
- netting: one invoice per order (customer → supplier, the supplier's quote of its in-house plan) and one per
  sub-order (receiver → partner, the partner's quoted price), netted over the network;
- changeovers: the comparisons given (schedule against FCFS, per company).
"""

from collections.abc import Sequence
from decimal import Decimal

from fabnet.billing.netting import OpenInvoice, net_invoices
from fabnet.billing.pricing import PriceList, quote_plan
from fabnet.domain import RegionalNetwork
from fabnet.network.allocation import AllocationResult
from fabnet.network.kpis import ChangeoverComparison, KpiInputs
from fabnet.planning.orders import CLOSED
from fabnet.planning.process import plan_what_is_possible


def kpi_inputs(network: RegionalNetwork, *, period: str, changeovers: Sequence[ChangeoverComparison] = (),
               allocations: Sequence[AllocationResult] = (), defects_stopped: int = 0, defects_escaped: int = 0,
               active_members: int | None = None) -> KpiInputs:
    """KpiInputs of the network's open orders (defects come from the quality monitor; pass them in)."""
    designs = {d.id: d for d in network.designs}
    orders = [o for o in network.orders if o.status not in CLOSED]
    parts = sum(o.quantity for o in orders)
    material = sum(designs[o.design_id].mass_kg * o.quantity for o in orders)
    power = {m.id: m.power_kw for m in network.machines}
    energy = 0.0
    invoices: list[OpenInvoice] = []
    for order in orders:
        machines = network.machines_of(order.supplier_id)
        if not machines:
            continue
        partial = plan_what_is_possible(designs[order.design_id], machines, quantity=order.quantity, designs=designs)
        if partial.plan is None:
            continue
        for op in partial.plan.operations:
            fastest = min(op.modes, key=lambda m: m.duration_min)
            energy += fastest.duration_min / 60 * power[fastest.machine_id]
        plan = partial.plan.model_copy(update={"company_id": order.supplier_id})
        quote = quote_plan(plan, PriceList.for_machines(order.supplier_id, machines), order_id=order.id,
                           material=designs[order.design_id].material,
                           mass_kg_per_unit=Decimal(str(designs[order.design_id].mass_kg)))
        invoices.append(OpenInvoice(f"INV-{order.id}", order.customer_id, order.supplier_id, quote.total))
    for result in allocations:
        for sub in result.sub_orders:
            invoices.append(OpenInvoice(f"INV-{sub.order.id}", sub.order.customer_id, sub.order.supplier_id,
                                        Decimal(str(sub.price_eur)).quantize(Decimal("0.01"))))
    netting = net_invoices(invoices, period=period) if invoices else None
    if active_members is None:
        active = {o.customer_id for o in orders} | {o.supplier_id for o in orders}
        active |= {s.order.supplier_id for r in allocations for s in r.sub_orders}
        active_members = len(active)
    return KpiInputs(
        period=period, active_members=active_members, orders_handled=len(orders),
        orders_allocated=sum(1 for r in allocations if r.sub_orders), changeovers=tuple(changeovers),
        parts_made=parts, defects_stopped=defects_stopped, defects_escaped=defects_escaped,
        energy_kwh=round(energy, 3), material_kg=round(material, 3),
        invoices=netting.invoices if netting else 0,
        payments_after_netting=len(netting.payments) if netting else 0,
        invoiced_eur=netting.gross_amount if netting else Decimal(0),
        settled_after_netting_eur=netting.net_amount if netting else Decimal(0),
    )
