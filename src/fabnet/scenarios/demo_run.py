"""The demo run: the reference network end to end in one process, stage by stage (see `demo.settings.STAGES`).

Each stage is a function in `fabnet.scenarios.demo` that takes and returns plain records; this module runs them
in order, times them, reports progress to an observer and stops at the first failing stage with a `DemoError`
naming it. `fabnet.scenarios.demo_network` runs the same stages across the hub and node processes (issue 7 §4).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from fabnet.planning.reschedule import RepairOptions
from fabnet.planning.schedule import SolveOptions
from fabnet.scenarios import load_scenario
from fabnet.scenarios.demo.aas_export import document_count, export_documents
from fabnet.scenarios.demo.invoicing import invoice_orders
from fabnet.scenarios.demo.marketplace import allocate_orders
from fabnet.scenarios.demo.network_kpis import network_kpis
from fabnet.scenarios.demo.results import BillingResult, DemoSummary, DocumentsResult, SchedulingResult, TwinResult
from fabnet.scenarios.demo.schedules import (
    ScheduledCompany,
    schedule_company,
    store_schedule,
    summarise_schedules,
    suppliers,
)
from fabnet.scenarios.demo.settings import STAGES, DemoError, DemoLayout, DemoObserver, DemoOptions, SilentObserver
from fabnet.scenarios.demo.store_load import load_database
from fabnet.scenarios.demo.twin_forecast import forecast_company, summarise_forecasts
from fabnet.scenarios.demo.zero_defects import run_zero_defects
from fabnet.standards.demo_report_html import render_demo_report

MODE = "single-process"
NOTE = ("Ran in one process with one SQLite database for the whole network (`fabnet demo --in-process`); the "
        "members answered the marketplace's requests for quotation in process. `fabnet demo` runs the same stages "
        "as a network: the hub and each company's node as separate services, quotes over HTTP, contracts and "
        "transfers over the Dataspace Protocol between them, telemetry over MQTT.")

T = TypeVar("T")


def run_demo(options: DemoOptions, observer: DemoObserver | None = None) -> DemoSummary:
    """Run every stage; returns the summary (also written to `summary.json` and `report.html`).

    DemoError names the stage that failed and why; files of the stages before it stay for inspection.
    """
    observer = observer or SilentObserver()
    layout = DemoLayout(options.out)
    started_at = datetime.now(UTC)
    started = time.monotonic()
    seconds: dict[str, float] = {}

    def stage(name: str, total: int, work: Callable[[], T], headline: Callable[[T], str]) -> T:
        observer.stage_started(name, total)
        begun = time.monotonic()
        try:
            result = work()
            seconds[name] = round(time.monotonic() - begun, 2)
            line = headline(result)
        except DemoError:
            raise
        except Exception as error:  # any failure ends the demo with the stage's name and the reason
            raise DemoError(name, _reason(error)) from error
        observer.stage_finished(name, line, seconds[name])
        return result

    try:
        network = load_scenario(options.scenario)
    except ValueError as error:
        raise DemoError("database", str(error)) from error
    try:
        layout.reset()
    except OSError as error:
        raise DemoError("database", f"cannot prepare {options.out}: {error.strerror or error}") from error

    store, database = stage(
        "database", 1, lambda: load_database(network, layout.database),
        lambda r: f"{sum(r[1].stored.values())} records stored "
                  f"({', '.join(f'{v} {k}' for k, v in r[1].stored.items())})",
    )
    try:
        def documents_work() -> DocumentsResult:
            result = export_documents(network, layout.aas, layout.root, lambda d: observer.advanced("documents", d))
            if result.findings:
                bad = next(f for f in result.files if f.findings)
                raise ValueError(f"{bad.path} does not verify with aas-core3.1: {bad.findings[0]}")
            return result

        documents = stage("documents", document_count(network), documents_work,
                          lambda r: f"{len(r.files)} files, all verify with aas-core3.1 ({r.findings} findings)")

        allocated = stage(
            "allocation", len(network.orders),
            lambda: allocate_orders(network, store, lambda d: observer.advanced("allocation", d)),
            lambda r: f"{r.result.allocated} orders with work for partners, {len(r.sub_orders)} sub-orders "
                      f"(EUR {r.result.total_price_eur}), {r.result.waiting} waiting",
        )
        factory = allocated.network  # the customer orders and the sub-orders: what every company must make
        supplier_ids = suppliers(factory)
        solve_options = SolveOptions(time_limit=options.time_limit, workers=options.workers, seed=options.seed)

        def scheduling_work() -> list[ScheduledCompany]:
            done: list[ScheduledCompany] = []
            for company_id in supplier_ids:
                observer.advanced("scheduling", f"solving {company_id}", 0)
                scheduled = schedule_company(factory, company_id, layout.schedules, layout.root, solve_options)
                if not scheduled.result.feasible:
                    raise ValueError(f"company {company_id}: the checker rejects the CP-SAT schedule: "
                                     f"{scheduled.result.violations[0]}")
                store_schedule(store, factory, scheduled)
                done.append(scheduled)
                observer.advanced("scheduling", f"{company_id}: {scheduled.result.status}")
            return done

        scheduled = stage("scheduling", len(supplier_ids), scheduling_work,
                          lambda r: _scheduling_headline(summarise_schedules([c.result for c in r])))
        scheduling = summarise_schedules([c.result for c in scheduled])

        def twin_work() -> TwinResult:
            forecasts = []
            for company in scheduled:
                observer.advanced("twin", f"{options.replications} replications of {company.result.company_id}", 0)
                forecasts.append(forecast_company(factory, company, options.replications, options.seed,
                                                  layout.twin, layout.root))
                observer.advanced("twin", f"{company.result.company_id} done")
            return summarise_forecasts(forecasts, options.replications)

        twin = stage("twin", len(scheduled), twin_work,
                     lambda r: f"{r.orders_p90_on_time}/{r.orders} orders ≥ 90 % on time, mean OEE {r.mean_oee:.0%}")

        repair_options = RepairOptions(time_limit=min(options.time_limit, 5.0), workers=options.workers)
        quality = stage(
            "quality", 1,
            lambda: run_zero_defects(factory, scheduled, store, layout.schedules, layout.passports, layout.root,
                                     seed=options.seed, repair_options=repair_options),
            lambda r: f"{r.alarm.rule} on {r.machine_id} at part {r.alarm.part_index} "
                      f"({r.alarm.parts_after_drift_start} after the drift began); {len(r.alarm.parts_held)} held, "
                      f"rework rescheduled ({r.reschedule.moved} operations moved)",
        )

        def billing_work() -> BillingResult:
            observer.advanced("billing", "loading the official Peppol BIS 3 rules", 0)
            return invoice_orders(network, scheduled, allocated, store, layout.invoices, layout.root,
                                  validate=options.validate_invoices,
                                  on_invoice=lambda d: observer.advanced("billing", d))

        billing = stage(
            "billing", len(network.orders), billing_work,
            lambda r: f"{r.invoices} invoices, {r.validated} validated ({r.fatal_findings} fatal); "
                      f"{r.payments_before} payments netted to {r.payments_after}",
        )
    finally:
        store.close()

    def report_work() -> DemoSummary:
        summary = DemoSummary(
            scenario=network.name, mode=MODE, note=NOTE, started_at=started_at.isoformat(timespec="seconds"),
            options=options.as_record(),
            database=database, documents=documents, allocation=allocated.result, scheduling=scheduling, twin=twin,
            quality=quality,
            billing=billing, network_kpis=network_kpis(network, allocated.result, scheduling, twin, quality, billing),
            stage_seconds=dict(seconds), total_seconds=round(time.monotonic() - started, 2),
            report_file=str(layout.report), summary_file=str(layout.summary),
        )
        _write(layout.summary, summary.model_dump_json(indent=2) + "\n")
        _write(layout.report, render_demo_report(summary))
        return summary

    return stage("report", 1, report_work, lambda r: f"{layout.summary} and {layout.report}")


def _scheduling_headline(result: SchedulingResult) -> str:
    return (f"{len(result.companies)} companies, all checked feasible; changeover {result.changeover_cpsat_h:g} h vs "
            f"{result.changeover_fcfs_h:g} h first-come-first-served ({result.changeover_saved_h:g} h saved)")


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if not isinstance(error, KeyError | AttributeError | TypeError) else f"{type(error).__name__}: {text}"


__all__ = ["STAGES", "DemoError", "DemoOptions", "run_demo"]
