"""The summary table of a demo run: one labelled figure per line, shared by the terminal and the HTML report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fabnet.scenarios.demo.results import DemoSummary


@dataclass(frozen=True)
class Figure:
    stage: str
    label: str
    value: str


def summary_figures(summary: DemoSummary) -> list[Figure]:
    db, docs, plan, twin, quality, bill = (summary.database, summary.documents, summary.scheduling, summary.twin,
                                           summary.quality, summary.billing)
    alarm, rework, kpis = quality.alarm, quality.reschedule, summary.network_kpis
    stored = db.stored
    return [
        Figure("database", "records stored", f"{stored['companies']} companies, {stored['machines']} machines, "
                                             f"{stored['designs']} designs, {stored['orders']} orders"),
        Figure("documents", "AAS files verified (aas-core3.1)",
               f"{len(docs.files)} ({', '.join(f'{v} {k}' for k, v in docs.by_kind.items())}); "
               f"{docs.findings} findings"),
        Figure("allocation", "orders with work for partners / waiting",
               f"{summary.allocation.allocated} / {summary.allocation.waiting} of {summary.allocation.orders}"),
        Figure("allocation", "sub-orders to partners",
               f"{len(summary.allocation.sub_orders)} (EUR {_eur(summary.allocation.total_price_eur)}, "
               f"{summary.allocation.total_co2_kg:g} kg CO2 transport)"),
        Figure("scheduling", "companies scheduled / checked feasible",
               f"{len(plan.companies)} / {sum(c.feasible for c in plan.companies)}"),
        Figure("scheduling", "orders + sub-orders / operations scheduled",
               f"{sum(c.jobs for c in plan.companies)} / {sum(c.operations for c in plan.companies)}"),
        Figure("scheduling", "changeover: first-come-first-served → CP-SAT",
               f"{plan.changeover_fcfs_h:g} h → {plan.changeover_cpsat_h:g} h ({plan.changeover_saved_h:g} h saved)"),
        Figure("scheduling", "weighted tardiness: first-come-first-served → CP-SAT",
               f"{plan.weighted_tardiness_fcfs} → {plan.weighted_tardiness_cpsat} min"),
        Figure("twin", f"orders on time with ≥ 90 % probability ({twin.replications} replications)",
               f"{twin.orders_p90_on_time} / {twin.orders}"),
        Figure("twin", "mean on-time probability / mean OEE",
               f"{twin.mean_on_time_probability:.1%} / {twin.mean_oee:.1%}"),
        Figure("twin", "energy (mean per replication)", f"{twin.energy_kwh:,.0f} kWh"),
        Figure("quality", "injected fault", f"{quality.machine_id}: {quality.fault}"),
        Figure("quality", "alarm", f"{alarm.rule} on {alarm.characteristic} at part {alarm.part_index} "
                                   f"({alarm.parts_after_drift_start} parts after the drift began)"),
        Figure("quality", "parts held / machine flagged",
               f"{', '.join(alarm.parts_held) or 'none'} / {'yes' if alarm.machine_flagged else 'no'}"),
        Figure("quality", "false alarms before the drift", str(quality.false_alarms_before_drift)),
        Figure("quality", "rework rescheduled",
               f"{rework.rework_operation} ({rework.rework_minutes} min): {rework.moved} moved, "
               f"{rework.frozen} frozen, {'feasible' if rework.feasible else 'INFEASIBLE'}"),
        Figure("quality", "part passports (AAS)", f"{len(quality.passports)} "
                                                   f"({', '.join(sorted(set(quality.passport_verdicts.values())))})"),
        Figure("billing", "invoices (Peppol BIS 3): to customers + for sub-orders",
               f"{bill.customer_invoices} + {bill.sub_order_invoices}"),
        Figure("billing", "invoices validated / fatal findings",
               f"{bill.validated} / {bill.fatal_findings + bill.schema_errors}"),
        Figure("billing", "invoiced (excl. / incl. VAT)",
               f"EUR {_eur(bill.net_total_eur)} / EUR {_eur(bill.gross_total_eur)}"),
        Figure("billing", "payments before → after netting",
               f"{bill.payments_before} → {bill.payments_after} (EUR {_eur(bill.gross_settled_eur)} → "
               f"EUR {_eur(bill.net_settled_eur)} moved)"),
        Figure("network", "changeover saved / defect containment",
               f"{kpis.changeover_saving_percent:.1f} % / {kpis.defect_containment_percent:.0f} %"),
        Figure("network", "payments / money movement saved by netting",
               f"{kpis.payments_saved_percent:.1f} % / {kpis.money_movement_saved_percent:.1f} %"),
        Figure("network", "energy per part (twin)", f"{kpis.energy_kwh_per_part or 0:.3f} kWh"),
        *_network_figures(summary),
        Figure("run", "wall time", f"{summary.total_seconds:.1f} s"),
    ]


def _network_figures(summary: DemoSummary) -> list[Figure]:
    """What travelled between the hub and node processes (multi-process run only)."""
    network, contracts = summary.network, summary.contracts
    if network is None or contracts is None:
        return []
    figures = [
        Figure("processes", "hub + company nodes (separate processes)", f"1 + {len(network.nodes)}"),
        Figure("processes", "RFQs over HTTP: sent / answered / node down",
               f"{network.rfqs_sent} / {network.rfqs_answered} / {sum(network.rfqs_unanswered.values())}"),
        Figure("processes", "machines in the hub's catalog / catalog searches over HTTP",
               f"{network.catalog_machines} / {network.catalog_searches}"),
        Figure("processes", "DSP contracts FINALIZED on both nodes / designs transferred (hash match)",
               f"{contracts.finalized_both_sides} / {contracts.transfers_completed} ({contracts.hashes_matching})"),
        Figure("processes", "partners failed after allocation: re-allocated / waiting",
               f"{contracts.reallocated} / {contracts.waiting}"),
        Figure("processes", "sub-order statuses at the partners",
               ", ".join(f"{count} {status}" for status, count in sorted(_count(network.sub_order_statuses).items()))
               or "none"),
        Figure("processes", "order flows recorded at the hub", str(network.flows_recorded)),
    ]
    if network.telemetry is not None:
        figures.append(Figure("processes", "telemetry over MQTT",
                              f"{network.telemetry.samples_received} samples via {network.telemetry.broker_kind} "
                              f"broker {network.telemetry.broker}"))
    return figures


def _count(statuses: dict[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return counts


def _eur(amount: str) -> str:
    """`85770.01` → `85,770.01`."""
    return f"{Decimal(amount):,.2f}"
