"""`fabnet billing`: Metering, quotes, ledger and network netting."""

import json
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from fabnet.billing.errors import BillingError
from fabnet.billing.metering import STANDARD_METERS, MeterReading, UsageEvent, aggregate
from fabnet.billing.netting import NettingResult, net_invoices, settlement_postings
from fabnet.billing.period import BillingPeriod
from fabnet.cli.bench import app as bench_app
from fabnet.cli.invoice import JsonOption, UrlOption
from fabnet.cli.root import console, err_console, fail, group
from fabnet.domain.errors import describe
from fabnet.store import StoreError, open_store
from fabnet.store.billing_tables import BillingRepository

app = group("billing", "Metering, quotes, ledger and network netting.")

PeriodOption = Annotated[str, typer.Option("--period", help="Billing period YYYY-MM, e.g. 2026-11.")]


def _period(text: str) -> BillingPeriod:
    try:
        return BillingPeriod.parse(text)
    except ValueError as error:
        fail(f"--period: {error}")


def read_events(file: Path) -> list[UsageEvent]:
    """Usage events from a JSON array or JSON-lines file; one-line error naming the file, record and field."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"{file}: cannot read: {error.strerror}")
    try:
        stripped = text.lstrip()
        raw = json.loads(text) if stripped.startswith("[") else [json.loads(line) for line in text.splitlines()
                                                                 if line.strip()]
    except json.JSONDecodeError as error:
        fail(f"{file}: not JSON (array or one event per line): {error}")
    events = []
    for number, record in enumerate(raw):
        try:
            events.append(UsageEvent.model_validate(record))
        except ValidationError as error:
            fail(describe(error, f"{file}: event {number}"))
    return events


@app.command("record")
def record_command(
    file: Annotated[Path, typer.Argument(help="Usage events: a JSON array or JSON lines.")],
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record usage events; a redelivered event counts once, a reused key with other content stores nothing."""
    events = read_events(file)
    try:
        with open_store(url) as store, store.transaction() as uow:
            new, duplicates = BillingRepository(uow.session).record_events(events)
    except (BillingError, StoreError) as error:
        fail(str(error))
    if as_json:
        console.print_json(json.dumps({"recorded": new, "duplicates": duplicates}))
    else:
        console.print(f"recorded {new} events ({duplicates} already known)", highlight=False)


@app.command("meters")
def meters_command(
    period: Annotated[str | None, typer.Option("--period", help="YYYY-MM (default: this month).")] = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """The standard meters per period and group, from the recorded usage events."""
    chosen = _period(period) if period else BillingPeriod.of(date.today())
    try:
        with open_store(url) as store, store.transaction() as uow:
            events = BillingRepository(uow.session).events(chosen)
    except StoreError as error:
        fail(str(error))
    readings: list[MeterReading] = [r for meter in STANDARD_METERS for r in aggregate(meter, events, chosen)]
    if as_json:
        console.print_json(json.dumps([r.model_dump(mode="json") for r in readings]))
        return
    table = Table("meter", "group", "value", "unit", "events", title=f"meters {chosen} ({len(events)} events)")
    for r in readings:
        table.add_row(r.meter, ", ".join(f"{k}={v}" for k, v in r.group.items()), f"{r.value.normalize():f}",
                      r.unit, str(r.events))
    console.print(table)


@app.command("net")
def net_command(
    period: PeriodOption,
    commit: Annotated[bool, typer.Option("--commit", help="Close the period: post settlements, mark netted.")] = False,
    url: UrlOption = None,
    as_json: JsonOption = False,
    show_payments: Annotated[bool, typer.Option("--payments", help="List every payment.")] = False,
) -> None:
    """Multilateral netting of the period's open invoices: the payments that settle every member's position."""
    chosen = _period(period)
    try:
        with open_store(url) as store, store.transaction() as uow:
            repo = BillingRepository(uow.session)
            invoices = repo.open_invoices(chosen)
            result = net_invoices(invoices, str(chosen))
            if commit:
                receivables: dict[str, Decimal] = defaultdict(Decimal)
                payables: dict[str, Decimal] = defaultdict(Decimal)
                for invoice in invoices:
                    receivables[invoice.creditor] += invoice.amount
                    payables[invoice.debtor] += invoice.amount
                repo.close_period(chosen, result)
                repo.post(settlement_postings(result, receivables, payables, chosen.end.date()))
    except (BillingError, StoreError) as error:
        fail(str(error))
    _print_netting(result, as_json, show_payments)


def _print_netting(result: NettingResult, as_json: bool, show_payments: bool) -> None:
    if as_json:
        console.print_json(json.dumps(result.to_json()))
        return
    summary = result.summary()
    console.print(
        f"period {summary['period']}: {summary['invoices']} open invoices among {summary['members']} members "
        f"→ {summary['payments']} payments (saved {summary['payments_saved']}); money moved "
        f"{summary['currency']} {summary['net_amount']} instead of {summary['gross_amount']} "
        f"(saved {summary['movement_saved']}, {summary['movement_saved_percent']}%)", highlight=False)
    if show_payments or len(result.payments) <= 20:
        for payment in result.payments:
            console.print(f"  {payment.payer} → {payment.payee}: {payment.amount:.2f}", highlight=False)


@app.command("quote")
def quote_command(
    order_id: Annotated[str, typer.Option("--order", help="The order to quote.")],
    scenario: Annotated[str | None, typer.Option("--scenario", help="Take the order from this scenario.")] = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Quote an order from its process plan: machine time, changeovers, material, margin, minimum order value."""
    from fabnet.billing.pricing import PriceList, quote_plan
    from fabnet.cli.invoice import order_context, plan_for

    try:
        with open_store(url) as store, store.transaction() as uow:
            context = order_context(uow, order_id, scenario)
            prices = BillingRepository(uow.session).price_list(context.seller.id) or PriceList.for_machines(
                context.seller.id, context.machines)
            plan = plan_for(context, None)
            quote = quote_plan(plan, prices, order_id=order_id, material=context.design.material,
                               mass_kg_per_unit=Decimal(str(context.design.mass_kg)))
    except (BillingError, StoreError) as error:
        fail(str(error))
    if as_json:
        console.print_json(json.dumps({**quote.model_dump(mode="json"), "total": f"{quote.total:.2f}",
                                       "breakdown": {k: f"{v:.2f}" for k, v in quote.breakdown().items()}}))
        return
    table = Table("kind", "item", "description", "qty", "unit", "price", "amount",
                  title=f"quote for order {order_id} ({context.seller.id} → {context.buyer.id})")
    for line in quote.lines:
        table.add_row(line.kind.value, line.item_id, line.description, f"{line.quantity.normalize():f}",
                      line.unit_code, f"{line.unit_price:.2f}", f"{line.amount:.2f}")
    console.print(table)
    console.print(f"[bold]total {quote.currency} {quote.total:.2f}[/] excl. VAT", highlight=False)


@app.command("prices")
def prices_command(
    company: Annotated[str, typer.Argument(help="The company whose price list to show or set.")],
    set_file: Annotated[Path | None, typer.Option("--set", help="Store this price list (JSON).")] = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a company's price list (stored, or derived from its machines' rates), or store one from JSON."""
    from fabnet.billing.pricing import PriceList

    new: PriceList | None = None
    if set_file is not None:
        try:
            new = PriceList.model_validate_json(set_file.read_bytes())
        except OSError as error:
            fail(f"--set: cannot read {set_file}: {error.strerror}")
        except ValidationError as error:
            fail(describe(error, str(set_file)))
        if new.company_id != company:
            fail(f"{set_file}: company_id {new.company_id!r} differs from {company!r}")
    try:
        with open_store(url) as store, store.transaction() as uow:
            repo = BillingRepository(uow.session)
            if new is not None:
                repo.save_price_list(new)
            prices = repo.price_list(company) or PriceList.for_machines(company, uow.machines.list(company_id=company))
    except StoreError as error:
        fail(str(error))
    if as_json:
        console.print_json(prices.model_dump_json())
        return
    console.print(f"price list of {company} ({prices.currency}): margin {prices.margin_percent}%, minimum order "
                  f"{prices.minimum_order_value:.2f}, changeover {prices.changeover_rate:.2f}/h + "
                  f"{prices.changeover_charge:.2f}, default machine rate {prices.default_hourly_rate:.2f}/h",
                  highlight=False)
    for machine, rate in sorted(prices.machine_rates.items()):
        console.print(f"  machine {machine:<20} {rate:>10.2f} /h", highlight=False)
    for material, price in sorted(prices.material_prices.items()):
        console.print(f"  material {material:<19} {price:>10.2f} /kg", highlight=False)


@app.command("ledger")
def ledger_command(
    company: Annotated[str | None, typer.Option("--company", help="One company (default: all).")] = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Account balances per company (debit positive); each company's balances sum to zero."""
    try:
        with open_store(url) as store, store.transaction() as uow:
            repo = BillingRepository(uow.session)
            companies = [company] if company else repo.ledger_companies()
            balances = {c: repo.balances(c) for c in companies}
    except StoreError as error:
        fail(str(error))
    if as_json:
        console.print_json(json.dumps({c: {a.value: f"{v:.2f}" for a, v in b.items()} for c, b in balances.items()}))
        return
    table = Table("company", "account", "balance")
    for name, accounts in balances.items():
        for account, value in sorted(accounts.items()):
            table.add_row(name, account.value, f"{value:.2f}")
    console.print(table)


@bench_app.command("netting")
def bench_netting(
    members: Annotated[int, typer.Option(help="Network members.")] = 6_000,
    invoices: Annotated[int, typer.Option(help="Open invoices.")] = 200_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2026,
    as_json: JsonOption = False,
) -> None:
    """Multilateral netting at the programme's target size (default 6,000 members, 200,000 invoices; goal ≤ 5 s)."""
    from fabnet.billing.synthetic import synthetic_invoices

    if members < 2 or invoices < 1:
        fail("--members must be at least 2 and --invoices at least 1")
    with console.status(f"generating {invoices:,} invoices among {members:,} members…"):
        data = synthetic_invoices(members, invoices, seed)
    with console.status("netting…"):
        started = time.perf_counter()
        result = net_invoices(data, "bench")
        seconds = time.perf_counter() - started
    bound_ok = len(result.payments) <= max(result.nonzero_members - 1, 0)
    figures = {**result.summary(), "seconds": round(seconds, 3), "target_seconds": 5.0,
               "within_target": seconds <= 5.0, "payment_bound_holds": bound_ok}
    if as_json:
        console.print_json(json.dumps(figures))
        return
    _print_netting(result, False, False)
    colour = "green" if seconds <= 5.0 else "red"
    err_console.print(f"netting took [{colour}]{seconds:.3f} s[/] (target ≤ 5 s); payments ≤ non-zero members − 1: "
                      f"{bound_ok}", highlight=False)
