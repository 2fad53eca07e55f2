"""`fabnet invoice`: Peppol BIS 3 invoices: create, list, show, export, validate."""

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from fabnet.billing.errors import BillingError
from fabnet.billing.invoice import credit_note_for, invoice_for_order, placeholder_iban
from fabnet.billing.ledger import invoice_postings
from fabnet.billing.pricing import PriceList
from fabnet.cli.root import console, err_console, fail, group
from fabnet.domain import Company, Design, Machine, Order, OrderStatus, ProcessPlan
from fabnet.domain.errors import describe
from fabnet.domain.invoice import Invoice, PaymentInstructions
from fabnet.standards.invoice_html import price_text
from fabnet.store import StoreError, UnitOfWork, open_store
from fabnet.store.billing_tables import BillingRepository

app = group("invoice", "Peppol BIS 3 invoices: create, list, show, export, validate.")

UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="Database URL; default $FABNET_DATABASE_URL, else ./fabnet.sqlite.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Write the result as JSON.")]
DateOption = Annotated[
    str | None, typer.Option("--date", help="Issue date YYYY-MM-DD (default: today).", show_default=False)
]


def parse_date(text: str | None, field: str = "--date") -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{field}: expected a date YYYY-MM-DD, got {text!r}")


class _OrderContext:
    """What invoicing an order needs: the order, its design, the supplier's machines and both companies."""

    def __init__(self, order: Order, design: Design, machines: list[Machine], seller: Company, buyer: Company,
                 designs: dict[str, Design]) -> None:
        self.order, self.design, self.machines = order, design, machines
        self.seller, self.buyer, self.designs = seller, buyer, designs


def _from_scenario(name: str, order_id: str) -> _OrderContext:
    from fabnet.scenarios import load_scenario

    try:
        network = load_scenario(name)
        order = network.order(order_id)
    except (ValueError, KeyError) as error:
        fail(f"--order: {error.args[0]}")
    return _OrderContext(order, network.design(order.design_id), network.machines_of(order.supplier_id),
                         network.company(order.supplier_id), network.company(order.customer_id),
                         {d.id: d for d in network.designs})


def _from_store(uow: UnitOfWork, order_id: str) -> _OrderContext:
    order = uow.orders.find(order_id)
    if order is None:
        fail(f"--order: no order {order_id!r} is stored (import a scenario first, or pass --scenario NAME)")
    designs = {d.id: d for d in uow.designs.list()}
    machines = uow.machines.list(company_id=order.supplier_id)
    seller, buyer = uow.companies.get(order.supplier_id), uow.companies.get(order.customer_id)
    return _OrderContext(order, designs[order.design_id], machines, seller, buyer, designs)


def order_context(uow: UnitOfWork, order_id: str, scenario: str | None) -> _OrderContext:
    """The order with its design, machines and companies, from a scenario or else from the store."""
    return _from_scenario(scenario, order_id) if scenario else _from_store(uow, order_id)


def plan_for(context: _OrderContext, plan_file: Path | None) -> ProcessPlan:
    """The process plan from a JSON file, or planned now from the design and the supplier's machines."""
    if plan_file is not None:
        try:
            return ProcessPlan.model_validate_json(plan_file.read_bytes())
        except OSError as error:
            fail(f"--plan: cannot read {plan_file}: {error.strerror}")
        except ValidationError as error:
            fail(describe(error, str(plan_file)))
    from fabnet.planning.process import PlanningError, plan_process

    try:
        return plan_process(context.design, context.machines, quantity=context.order.quantity,
                            designs=context.designs)
    except PlanningError as error:
        fail(f"order {context.order.id!r}: cannot plan it: {error}")


def _check_rules(invoice: Invoice, document: bytes) -> None:
    from fabnet.standards.peppol_validation import validate_document

    with console.status("validating against the Peppol BIS 3 rules…"):
        report = validate_document(document, invoice.id)
    if not report.valid:
        first = (report.schema_errors or [f"{f.rule_id}: {f.message}" for f in report.fatal])[0]
        fail(f"invoice {invoice.id}: not stored, it breaks {first}", code=1)


@app.command("create")
def create_command(
    order_id: Annotated[str, typer.Option("--order", help="The order to invoice.")],
    scenario: Annotated[str | None, typer.Option("--scenario", help="Take the order from this scenario.")] = None,
    plan_file: Annotated[Path | None, typer.Option("--plan", help="A ProcessPlan JSON file, not planning.")] = None,
    iban: Annotated[str | None, typer.Option("--iban", help="The seller's account (default: placeholder).")] = None,
    issue: DateOption = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Quote an order from its process plan, issue the Peppol invoice, check it against the rules, store and post it."""
    issue_date = parse_date(issue)
    try:
        with open_store(url) as store, store.transaction() as uow:
            repo = BillingRepository(uow.session)
            existing = repo.invoice_for_order(order_id)
            if existing is not None:
                fail(f"--order: order {order_id!r} is already invoiced as {existing}")
            context = order_context(uow, order_id, scenario)
            plan = plan_for(context, plan_file)
            prices = repo.price_list(context.seller.id) or PriceList.for_machines(context.seller.id, context.machines)
            try:
                payment = PaymentInstructions(iban=iban or placeholder_iban(context.seller.kvk),
                                              account_name=context.seller.name)
                quote, invoice = invoice_for_order(
                    context.order, context.design, plan, prices, seller=context.seller, buyer=context.buyer,
                    invoice_id=repo.next_invoice_id(context.seller.id, issue_date), issue_date=issue_date,
                    payment=payment,
                )
            except ValidationError as error:
                fail(describe(error))
            from fabnet.standards.ubl import invoice_to_ubl

            document = invoice_to_ubl(invoice)
            _check_rules(invoice, document)
            repo.add_invoice(invoice, document)
            repo.post(invoice_postings(invoice))
            if not scenario:
                uow.orders.put(context.order.model_copy(update={"status": OrderStatus.INVOICED}))
    except (BillingError, StoreError) as error:
        fail(str(error))
    summary = {"invoice": invoice.id, "order": order_id, "seller": invoice.seller_id, "buyer": invoice.buyer_id,
               "net": f"{invoice.line_total:.2f}", "vat": f"{invoice.tax_total:.2f}",
               "payable": f"{invoice.payable_amount:.2f}", "currency": invoice.currency,
               "breakdown": {k: f"{v:.2f}" for k, v in quote.breakdown().items()}}
    if as_json:
        console.print_json(json.dumps(summary))
        return
    console.print(f"issued [bold]{invoice.id}[/] for order {order_id}: {invoice.seller_id} → {invoice.buyer_id}, "
                  f"{invoice.currency} {invoice.payable_amount:.2f} incl. VAT {invoice.tax_total:.2f}", highlight=False)
    for kind, amount in quote.breakdown().items():
        console.print(f"  {kind:<14} {amount:>12.2f}", highlight=False)


@app.command("credit")
def credit_command(
    invoice_id: Annotated[str, typer.Argument(help="The invoice to credit.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the invoice is corrected.")] = "Correction",
    issue: DateOption = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue a credit note for a whole stored invoice (with BillingReference to it), store and post it."""
    issue_date = parse_date(issue)
    try:
        with open_store(url) as store, store.transaction() as uow:
            repo = BillingRepository(uow.session)
            try:
                original = repo.invoice(invoice_id)
            except KeyError:
                fail(f"billing_reference: no stored invoice {invoice_id!r} to credit")
            credit = credit_note_for(original, credit_note_id=repo.next_invoice_id(original.seller_id, issue_date,
                                                                                     prefix="CN"),
                                     issue_date=issue_date, reason=reason)
            from fabnet.standards.ubl import invoice_to_ubl

            document = invoice_to_ubl(credit)
            _check_rules(credit, document)
            repo.add_invoice(credit, document)
            repo.post(invoice_postings(credit))
    except (BillingError, StoreError) as error:
        fail(str(error))
    if as_json:
        console.print_json(json.dumps({"credit_note": credit.id, "invoice": invoice_id,
                                       "amount": f"{credit.payable_amount:.2f}"}))
    else:
        console.print(f"issued credit note [bold]{credit.id}[/] for {invoice_id}: {credit.payable_amount:.2f}",
                      highlight=False)


@app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="open or netted.")] = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored invoices and credit notes."""
    try:
        with open_store(url) as store, store.transaction() as uow:
            rows = [
                {"id": r.id, "kind": r.kind, "issue_date": r.issue_date.isoformat(), "seller": r.seller_id,
                 "buyer": r.buyer_id, "order": r.order_id, "payable": f"{r.payable_amount:.2f}", "currency": r.currency,
                 "status": r.status}
                for r in BillingRepository(uow.session).invoice_rows(status)
            ]
    except StoreError as error:
        fail(str(error))
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("id", "kind", "date", "seller", "buyer", "order", "payable", "status")
    for row in rows:
        table.add_row(row["id"], row["kind"], row["issue_date"], row["seller"], row["buyer"], row["order"] or "",
                      f"{row['currency']} {row['payable']}", row["status"])
    console.print(table)


def _stored(url: str | None, invoice_id: str) -> tuple[Invoice, bytes]:
    try:
        with open_store(url) as store, store.transaction() as uow:
            repo = BillingRepository(uow.session)
            return repo.invoice(invoice_id), repo.ubl(invoice_id)
    except KeyError:
        fail(f"invoice: no invoice {invoice_id!r} is stored")
    except StoreError as error:
        fail(str(error))


@app.command("show")
def show_command(invoice_id: str, url: UrlOption = None, as_json: JsonOption = False) -> None:
    """Show an invoice: parties, lines, VAT breakdown and totals."""
    invoice, _document = _stored(url, invoice_id)
    if as_json:
        console.print_json(invoice.model_dump_json())
        return
    console.print(f"[bold]{invoice.kind.value.replace('_', ' ')} {invoice.id}[/]  issued {invoice.issue_date}, "
                  f"due {invoice.due_date}" + (f", corrects {invoice.billing_reference}"
                                               if invoice.billing_reference else ""), highlight=False)
    console.print(f"from {invoice.seller.name} (KvK {invoice.seller.kvk}, {invoice.seller.vat_id})", highlight=False)
    console.print(f"to   {invoice.buyer.name} ({invoice.buyer.vat_id})  order ref {invoice.order_reference}",
                  highlight=False)
    table = Table("#", "description", "qty", "unit", "price", "VAT", "net")
    for number, line in enumerate(invoice.lines, start=1):
        table.add_row(str(number), line.description, f"{line.quantity.normalize():f}", line.unit_code,
                      price_text(line.unit_price), f"{line.vat_category.value} {line.vat_rate.normalize():f}%",
                      f"{line.net_amount:.2f}")
    console.print(table)
    for row in invoice.vat_breakdown():
        console.print(f"VAT {row.category.value} {row.rate.normalize():f}% on {row.taxable_amount:.2f}: "
                      f"{row.tax_amount:.2f}", highlight=False)
    console.print(f"[bold]payable {invoice.currency} {invoice.payable_amount:.2f}[/]", highlight=False)


@app.command("export")
def export_command(
    invoice_id: str,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")] = None,
    html: Annotated[bool, typer.Option("--html", help="A human-readable HTML rendering instead of UBL XML.")] = False,
    url: UrlOption = None,
) -> None:
    """Export an invoice as Peppol UBL XML (or HTML)."""
    invoice, document = _stored(url, invoice_id)
    if html:
        from fabnet.standards.invoice_html import invoice_to_html

        document = invoice_to_html(invoice).encode("utf-8")
    if out is None:
        typer.echo(document.decode("utf-8"), nl=False)
        return
    try:
        out.write_bytes(document)
    except OSError as error:
        fail(f"--out: cannot write {out}: {error.strerror}")
    err_console.print(f"wrote {out}", highlight=False)


@app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(help="A UBL 2.1 invoice or credit note.")],
    as_json: JsonOption = False,
) -> None:
    """Validate a UBL invoice offline: UBL 2.1 XSD, CEN EN 16931 rules and Peppol BIS 3 rules (with NLCIUS).

    Exit code 0 when valid (warnings allowed), 1 when a schema error or fatal rule is found, 2 when unreadable."""
    from fabnet.standards.peppol_validation import validate_document
    from fabnet.standards.ubl import UblError

    try:
        document = file.read_bytes()
    except OSError as error:
        fail(f"{file}: cannot read: {error.strerror}")
    try:
        with console.status("validating…"):
            report = validate_document(document, str(file))
    except UblError as error:
        fail(f"{file}: {error}")
    if as_json:
        console.print_json(json.dumps(report.to_json()))
    else:
        for message in report.schema_errors:
            console.print(f"[red]schema[/]  {message}", highlight=False, soft_wrap=True)
        for finding in report.findings:
            colour = "red" if finding.is_fatal else "yellow"
            console.print(f"[{colour}]{finding.flag.value:<7}[/] {finding.rule_id}  {finding.location}\n"
                          f"        {finding.message}", highlight=False, soft_wrap=True)
        verdict = "[green]valid[/]" if report.valid else "[red]invalid[/]"
        console.print(f"{file}: {report.kind} {verdict} — {len(report.schema_errors)} schema errors, "
                      f"{len(report.fatal)} fatal, {len(report.warnings)} warnings", highlight=False)
    if not report.valid:
        raise typer.Exit(1)
