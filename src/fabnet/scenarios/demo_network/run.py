"""The network demo (issue 7 §4): the hub and one node per company as separate processes on loopback, the scenario's
orders through the hub's catalog and RFQs over HTTP, contracts and design transfers over DSP (a partner failing
there is replaced), each node scheduling its own orders and forecasting them in its twin over HTTP, zero defects
with telemetry over MQTT (watched by the company's own node), invoices and netting — each stage built from the same
functions as the single-process demo.

The stages that work on the whole network at once (allocation, invoicing and netting) keep their records in the
hub's clearing database (`fabnet.sqlite` in the output folder); each company's own records — its slice of the
scenario, the sub-orders and designs it received, its schedule, its parts and its invoices — are in its node's
database. Every process started is stopped at the end (or left running with `keep_running`), and on any failure.
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from fabnet.domain import OrderStatus, RegionalNetwork
from fabnet.network.allocation import SubOrder
from fabnet.planning.reschedule import RepairOptions
from fabnet.planning.schedule import SolveOptions
from fabnet.scenarios import load_scenario
from fabnet.scenarios.demo.aas_export import document_count, export_documents
from fabnet.scenarios.demo.invoicing import invoice_orders
from fabnet.scenarios.demo.marketplace import allocate_orders
from fabnet.scenarios.demo.network_kpis import network_kpis
from fabnet.scenarios.demo.results import (
    BillingResult,
    DemoSummary,
    DocumentsResult,
    NetworkResult,
    NodeRow,
    QualityResult,
    TelemetryResult,
    TwinResult,
)
from fabnet.scenarios.demo.schedules import ScheduledCompany, summarise_schedules
from fabnet.scenarios.demo.schedules import suppliers as suppliers_of
from fabnet.scenarios.demo.settings import DemoError, DemoLayout, DemoObserver, DemoOptions, SilentObserver
from fabnet.scenarios.demo.store_load import load_database
from fabnet.scenarios.demo.twin_forecast import summarise_forecasts
from fabnet.scenarios.demo.zero_defects import busiest_machine, run_zero_defects
from fabnet.scenarios.demo_network.contracts import contract_all
from fabnet.scenarios.demo_network.hub_catalog import HubCatalogSearch
from fabnet.scenarios.demo_network.hub_flows import report_flows
from fabnet.scenarios.demo_network.hub_kpis import send_kpi_reports
from fabnet.scenarios.demo_network.node_planning import (
    NODES_AT_ONCE,
    forecast_nodes,
    node_solve_options,
    schedule_nodes,
)
from fabnet.scenarios.demo_network.nodes import RunningNetwork, member_id, start_network
from fabnet.scenarios.demo_network.rfq_client import HttpQuoteProvider
from fabnet.scenarios.demo_network.settings import MODE, NOTE
from fabnet.scenarios.demo_network.telemetry import (
    NodeLink,
    mqtt_broker,
    mqtt_carrier,
    node_broker,
    node_settings,
    run_quality_on_node,
)
from fabnet.service.node_telemetry import client_id
from fabnet.service.testbed import Service
from fabnet.standards.demo_report_html import render_demo_report
from fabnet.standards.mqtt import discard_session
from fabnet.store import Store
from fabnet.store.billing_tables import BillingRepository

T = TypeVar("T")
ALLOCATION_WORKERS = 4
"""Orders allocated at a time: their RFQs are answered by the nodes' processes, in parallel."""


@dataclass
class NetworkDemo:
    summary: DemoSummary
    running: RunningNetwork | None
    """the hub and nodes, still running (only with `keep_running`; the caller stops them)"""


class _Stages:
    """Runs one stage: progress to the observer, its time, and any failure as a DemoError naming the stage."""

    def __init__(self, observer: DemoObserver) -> None:
        self.observer = observer
        self.seconds: dict[str, float] = {}

    def run(self, name: str, total: int, work: Callable[[], T], headline: Callable[[T], str]) -> T:
        self.observer.stage_started(name, total)
        begun = time.monotonic()
        try:
            result = work()
            self.seconds[name] = round(time.monotonic() - begun, 2)
            line = headline(result)
        except DemoError:
            raise
        except Exception as error:  # any failure ends the demo with the stage's name and the reason
            text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise DemoError(name, text) from error
        self.observer.stage_finished(name, line, self.seconds[name])
        return result


def run_network_demo(options: DemoOptions, observer: DemoObserver | None = None, *,
                     keep_running: bool = False) -> NetworkDemo:
    """Every stage across the hub and node processes; the summary is also written to summary.json and report.html.

    DemoError names the stage that failed and why; every process started is stopped before it is raised.
    """
    observer = observer or SilentObserver()
    layout = DemoLayout(options.out)
    network_folder = options.out / "network"
    started_at = datetime.now(UTC)
    started = time.monotonic()
    stages = _Stages(observer)
    try:
        network = load_scenario(options.scenario)
    except ValueError as error:
        raise DemoError("network", str(error)) from error
    try:
        layout.reset()
        shutil.rmtree(network_folder, ignore_errors=True)
    except OSError as error:
        raise DemoError("network", f"cannot prepare {options.out}: {error.strerror or error}") from error

    password = secrets.token_urlsafe(9) if keep_running else None
    broker = node_broker()
    if broker is not None:  # the nodes' persistent sessions of an earlier run must not replay its telemetry
        for company in network.companies:
            discard_session(*broker, client_id(member_id(company.id)))
    running = stages.run(
        "network", len(network.companies) + 1,
        lambda: start_network(network, network_folder, scenario=options.scenario, admin_password=password,
                              on_step=lambda detail, steps: observer.advanced("network", detail, steps),
                              node_settings=node_settings(broker)),
        lambda r: f"hub and {len(r.nodes)} nodes up on loopback, each with its own database "
                  f"({', '.join(f'{n.company_id} {n.url}' for n in r.nodes.values())})",
    )
    try:
        summary = _stages_on(running, network, options, layout, stages, observer, started_at, started)
    except BaseException:
        running.stop()
        raise
    if not keep_running:
        running.stop()
        return NetworkDemo(summary, None)
    return NetworkDemo(summary, running)


def _stages_on(running: RunningNetwork, network: RegionalNetwork, options: DemoOptions, layout: DemoLayout,
               stages: _Stages, observer: DemoObserver, started_at: datetime, started: float) -> DemoSummary:
    store, database = stages.run(
        "database", 1, lambda: load_database(network, layout.database),
        lambda r: f"{sum(r[1].stored.values())} records in the hub's clearing database",
    )
    try:
        documents = stages.run(
            "documents", document_count(network),
            lambda: _verified(export_documents(network, layout.aas, layout.root,
                                               lambda d: observer.advanced("documents", d))),
            lambda r: f"{len(r.files)} files, all verify with aas-core3.1 ({r.findings} findings)",
        )
        provider = HttpQuoteProvider(running)
        catalog = HubCatalogSearch(running.http, running.hub_url)
        allocated = stages.run(
            "allocation", len(network.orders),
            lambda: allocate_orders(network, store, lambda d: observer.advanced("allocation", d), provider=provider,
                                    catalog=catalog, workers=ALLOCATION_WORKERS),
            lambda r: f"{catalog.searches} searches of the hub's catalog, {provider.sent} RFQs over HTTP "
                      f"({provider.answered} answered); {r.result.allocated} orders with work for partners, "
                      f"{len(r.sub_orders)} sub-orders (EUR {r.result.total_price_eur}), {r.result.waiting} waiting",
        )
        contracts, allocated = stages.run(
            "contracts", len(allocated.sub_orders),
            lambda: contract_all(running, allocated, store,
                                 lambda design_id: layout.aas / "designs" / f"{design_id}.json",
                                 options.out / "network" / "received",
                                 lambda d: observer.advanced("contracts", d)),
            lambda r: f"{r[0].finalized_both_sides} contracts FINALIZED on both nodes, {r[0].transfers_completed} "
                      f"designs transferred ({r[0].hashes_matching} hashes match, {r[0].bytes_transferred:,} bytes)"
                      + (f"; {len(r[0].replacements)} failed partners replaced ({r[0].reallocated} re-allocated, "
                         f"{r[0].waiting} waiting)" if r[0].replacements else ""),
        )
        factory = allocated.network
        flows = report_flows(running, network, allocated.sub_orders)
        supplier_ids = suppliers_of(factory)
        solve_options = SolveOptions(time_limit=options.time_limit, workers=options.workers, seed=options.seed)

        def scheduling_work() -> list[ScheduledCompany]:
            each = node_solve_options(solve_options)
            observer.advanced("scheduling", f"{NODES_AT_ONCE} nodes at a time solve their own orders "
                                            f"({each.workers} CP-SAT worker(s), {each.time_limit:g} s each)", 0)
            return schedule_nodes(
                running, factory, supplier_ids, solve_options, layout.schedules, layout.root,
                lambda c: observer.advanced("scheduling", f"{c.result.company_id}: {c.result.status} by its node, "
                                                          f"checked feasible"))

        scheduled = stages.run(
            "scheduling", len(supplier_ids), scheduling_work,
            lambda r: f"{len(r)} nodes each scheduled its own orders over HTTP, all checked feasible here; "
                      f"{sum(c.result.changeover_saved_min for c in r) / 60:.1f} h changeover saved against FCFS",
        )
        scheduling = summarise_schedules([c.result for c in scheduled])

        def twin_work() -> TwinResult:
            observer.advanced("twin", f"{options.replications} replications in each node's twin", 0)
            forecasts = forecast_nodes(running, factory, [c.result.company_id for c in scheduled],
                                       options.replications, options.seed, layout.twin, layout.root,
                                       lambda f: observer.advanced("twin", f"{f.company_id} done by its node"))
            return summarise_forecasts(forecasts, options.replications)

        twin = stages.run(
            "twin", len(scheduled), twin_work,
            lambda r: f"{r.orders_p90_on_time}/{r.orders} orders ≥ 90 % on time, mean OEE {r.mean_oee:.0%} "
                      f"(each node's forecast over HTTP)")
        telemetry: dict[str, TelemetryResult] = {}

        def quality_work() -> QualityResult:
            company, _ = busiest_machine(factory, scheduled)
            company_id = company.result.company_id
            observer.advanced("quality", "connecting to the MQTT broker", 0)
            if running.node_settings.get("mqtt_url"):
                node = running.node(company_id)
                with mqtt_broker() as broker:
                    result, telemetry["result"] = run_quality_on_node(
                        factory, scheduled, NodeLink(running.http, node.url, node.auth), broker, layout.schedules,
                        layout.passports, layout.root, seed=options.seed,
                        on_progress=lambda detail: observer.advanced("quality", detail, 0))
                return result
            with mqtt_broker() as broker, mqtt_carrier(broker, company_id) as carrier, \
                    running.node(company_id).store() as node_store:
                observer.advanced("quality", f"telemetry of {company_id} over MQTT ({broker.kind} broker)", 0)
                result = run_zero_defects(
                    factory, scheduled, node_store, layout.schedules, layout.passports, layout.root,
                    seed=options.seed, repair_options=RepairOptions(time_limit=min(options.time_limit, 5.0),
                                                                    workers=options.workers),
                    carry=carrier)
                telemetry["result"] = TelemetryResult(
                    broker=f"{broker.host}:{broker.port}", broker_kind=broker.kind,  # type: ignore[arg-type]
                    messages_published=carrier.published, samples_received=carrier.received)
            return result

        quality = stages.run(
            "quality", 1, quality_work,
            lambda r: f"telemetry over MQTT ({telemetry['result'].samples_received} samples) watched by "
                      f"{'its node' if r.monitored_by == 'node' else 'the demo'}; {r.alarm.rule} on "
                      f"{r.machine_id} at part {r.alarm.part_index}; {len(r.alarm.parts_held)} held, rework "
                      f"rescheduled ({r.reschedule.moved} operations moved)",
        )

        def billing_work() -> BillingResult:
            observer.advanced("billing", "loading the official Peppol BIS 3 rules", 0)
            result = invoice_orders(network, scheduled, allocated, store, layout.invoices, layout.root,
                                    validate=options.validate_invoices,
                                    on_invoice=lambda d: observer.advanced("billing", d))
            observer.advanced("billing", "invoices into the sellers' and buyers' nodes", 0)
            _invoices_to_nodes(running, store)
            observer.advanced("billing", send_kpi_reports(running, network.origin).headline, 0)
            return result

        billing = stages.run(
            "billing", len(network.orders) + len(allocated.sub_orders), billing_work,
            lambda r: f"{r.invoices} invoices, {r.validated} validated ({r.fatal_findings} fatal); "
                      f"{r.payments_before} payments netted to {r.payments_after}",
        )
    finally:
        store.close()
    statuses = _sub_order_statuses(running, allocated.sub_orders)
    network_result = NetworkResult(
        hub_url=running.hub_url, hub_pid=_pid(running.testbed.hub),
        nodes=tuple(NodeRow(company_id=n.company_id, member_id=n.member_id, url=n.url, pid=_pid(n.service),
                            database=_masked(n.database_url), imported=n.records) for n in running.nodes.values()),
        rfqs_sent=provider.sent, rfqs_answered=provider.answered, rfqs_unanswered=dict(provider.unavailable),
        rfq_failures=tuple(provider.failures),
        sub_order_statuses=statuses, flows_recorded=flows, telemetry=telemetry.get("result"),
        catalog_machines=running.listed_machines, catalog_searches=catalog.searches,
    )

    def report_work() -> DemoSummary:
        summary = DemoSummary(
            scenario=network.name, mode=MODE, note=NOTE, started_at=started_at.isoformat(timespec="seconds"),
            options=options.as_record(),
            database=database, documents=documents, allocation=allocated.result, scheduling=scheduling, twin=twin,
            quality=quality, billing=billing,
            network_kpis=network_kpis(network, allocated.result, scheduling, twin, quality, billing),
            stage_seconds=dict(stages.seconds), total_seconds=round(time.monotonic() - started, 2),
            report_file=str(layout.report), summary_file=str(layout.summary), network=network_result,
            contracts=contracts,
        )
        _write(layout.summary, summary.model_dump_json(indent=2) + "\n")
        _write(layout.report, render_demo_report(summary))
        return summary

    return stages.run("report", 1, report_work, lambda r: f"{layout.summary} and {layout.report}")


def _verified(result: DocumentsResult) -> DocumentsResult:
    if result.findings:
        bad = next(f for f in result.files if f.findings)
        raise ValueError(f"{bad.path} does not verify with aas-core3.1: {bad.findings[0]}")
    return result


def _invoices_to_nodes(running: RunningNetwork, clearing: Store) -> None:
    """Each invoice into its seller's and its buyer's node, and the invoiced order's status at its supplier."""
    with clearing.transaction() as uow:
        repo = BillingRepository(uow.session)
        invoices = [(repo.invoice(row.id), repo.ubl(row.id)) for row in repo.invoice_rows()]
    for company_id, node in running.nodes.items():
        mine = [(i, ubl) for i, ubl in invoices if company_id in (i.seller_id, i.buyer_id)]
        if not mine:
            continue
        with node.store() as node_store, node_store.transaction() as uow:
            repo = BillingRepository(uow.session)
            for invoice, ubl in mine:
                repo.add_invoice(invoice, ubl)
                order = uow.orders.find(invoice.order_id) if invoice.seller_id == company_id else None
                if order is not None:
                    uow.orders.put(order.model_copy(update={"status": OrderStatus.INVOICED}))


def _sub_order_statuses(running: RunningNetwork, sub_orders: tuple[SubOrder, ...]) -> dict[str, str]:
    """Each sub-order's status as its partner's node reports it (the status flowing back to the receiver)."""
    statuses = {}
    for sub in sub_orders:
        partner = running.node(sub.order.supplier_id)
        response = running.http.get(partner.url + f"/api/v1/orders/{sub.order.id}", headers=partner.auth)
        statuses[sub.order.id] = response.json().get("status", "?") if response.status_code == 200 else \
            f"unknown ({response.status_code})"
    return statuses


def _pid(service: Service | None) -> int:
    return service.process.pid if service is not None and service.process is not None else 0


def _masked(url: str) -> str:
    from fabnet.store.engine import parse_url

    return parse_url(url).render_as_string(hide_password=True)


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
