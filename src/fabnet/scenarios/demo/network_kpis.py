"""The hub's view of the demo run: the network KPIs of issue 7 §1 (`fabnet.network.kpis`) from what the stages
measured — schedules against first come, first served, the twin's energy, the parts the monitor held, the
invoices and what netting left to pay."""

from __future__ import annotations

from decimal import Decimal

from fabnet.domain import RegionalNetwork
from fabnet.network.kpis import ChangeoverComparison, KpiInputs, NetworkKpis, compute_kpis
from fabnet.scenarios.demo.results import AllocationResult, BillingResult, QualityResult, SchedulingResult, TwinResult


def network_kpis(
    network: RegionalNetwork, allocation: AllocationResult, scheduling: SchedulingResult, twin: TwinResult,
    quality: QualityResult, billing: BillingResult,
) -> NetworkKpis:
    designs = {d.id: d for d in network.designs}
    active = {o.customer_id for o in network.orders} | {o.supplier_id for o in network.orders}
    active |= {s.partner for s in allocation.sub_orders}
    inputs = KpiInputs(
        period=f"{network.origin:%G-W%V} + 4 weeks",
        active_members=len(active),
        orders_handled=len(network.orders),
        orders_allocated=allocation.allocated + allocation.waiting,
        changeovers=tuple(
            ChangeoverComparison(
                company_id=c.company_id, operations=c.operations, scheduled_minutes=c.cpsat.total_changeover_min,
                fcfs_minutes=c.fcfs.total_changeover_min, scheduled_weighted_tardiness=c.cpsat.weighted_tardiness_min,
                fcfs_weighted_tardiness=c.fcfs.weighted_tardiness_min,
            )
            for c in scheduling.companies
        ),
        parts_made=sum(o.quantity for o in network.orders),
        defects_stopped=len(quality.alarm.parts_held),
        defects_escaped=0,  # the monitor stopped the drifting machine before an out-of-specification part went on
        energy_kwh=twin.energy_kwh,
        material_kg=round(sum(designs[o.design_id].mass_kg * o.quantity for o in network.orders), 3),
        invoices=billing.payments_before,
        payments_after_netting=billing.payments_after,
        invoiced_eur=Decimal(billing.gross_settled_eur),
        settled_after_netting_eur=Decimal(billing.net_settled_eur),
    )
    return compute_kpis(inputs)
