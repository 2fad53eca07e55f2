"""Demo stage 6: every order invoiced as UBL (Peppol BIS Billing 3.0) on its planned delivery date, checked
against the official rules, posted to both companies' ledgers, then netted multilaterally per month."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from fabnet.billing.invoice import invoice_for_order
from fabnet.billing.ledger import invoice_postings
from fabnet.billing.netting import net_invoices, settlement_postings
from fabnet.billing.period import BillingPeriod
from fabnet.billing.pricing import PriceList
from fabnet.cli.invoice import placeholder_iban
from fabnet.domain import OrderStatus, RegionalNetwork
from fabnet.domain.invoice import Invoice, PaymentInstructions
from fabnet.planning.process import plan_what_is_possible
from fabnet.scenarios.demo.results import BillingResult, NettingPayment
from fabnet.scenarios.demo.schedules import ScheduledCompany
from fabnet.standards.peppol_validation import validate_document
from fabnet.standards.ubl import invoice_to_ubl
from fabnet.store import Store
from fabnet.store.billing_tables import BillingRepository


def delivery_dates(network: RegionalNetwork, scheduled: list[ScheduledCompany]) -> dict[str, date]:
    """Each scheduled order's planned completion date (its last operation's end)."""
    dates: dict[str, date] = {}
    for company in scheduled:
        operations = company.problem.operations()
        ends: dict[str, int] = {}
        for a in company.solution.operations:
            job = operations[a.id][0].id
            ends[job] = max(ends.get(job, 0), a.end)
        dates.update({job: (network.origin + timedelta(minutes=end)).date() for job, end in ends.items()})
    return dates


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def invoice_orders(
    network: RegionalNetwork, scheduled: list[ScheduledCompany], store: Store, folder: Path, root: Path, *,
    validate: int | None, on_invoice: Callable[[str], None] = lambda _: None,
) -> BillingResult:
    """Invoice, validate (the first `validate` invoices; None = all), post and net, in one transaction."""
    designs = {d.id: d for d in network.designs}
    delivered = delivery_dates(network, scheduled)
    folder.mkdir(parents=True, exist_ok=True)
    invoices: list[Invoice] = []
    skipped: list[str] = []
    validated = schema_errors = fatal = warnings = postings = 0
    with store.transaction() as uow:
        repo = BillingRepository(uow.session)
        prices: dict[str, PriceList] = {}
        for order in network.orders:
            machines = network.machines_of(order.supplier_id)
            partial = plan_what_is_possible(designs[order.design_id], machines, quantity=order.quantity,
                                            designs=designs) if machines else None
            if partial is None or partial.plan is None:
                skipped.append(order.id)
                continue
            seller, buyer = network.company(order.supplier_id), network.company(order.customer_id)
            if seller.id not in prices:
                prices[seller.id] = PriceList.for_machines(seller.id, machines)
                repo.save_price_list(prices[seller.id])
            issue_date = delivered.get(order.id, order.due.date())
            _, invoice = invoice_for_order(
                order, designs[order.design_id], partial.plan, prices[seller.id], seller=seller, buyer=buyer,
                invoice_id=repo.next_invoice_id(seller.id, issue_date), issue_date=issue_date,
                payment=PaymentInstructions(iban=placeholder_iban(seller.kvk), account_name=seller.name),
            )
            document = invoice_to_ubl(invoice)
            if validate is None or validated < validate:
                report = validate_document(document, invoice.id)
                validated += 1
                schema_errors += len(report.schema_errors)
                fatal += len(report.fatal)
                warnings += len(report.warnings)
                if not report.valid:
                    first = (report.schema_errors or [f"{f.rule_id}: {f.message}" for f in report.fatal])[0]
                    raise ValueError(f"invoice {invoice.id} for order {order.id} breaks the Peppol rules: {first}")
            (folder / f"{invoice.id}.xml").write_bytes(document)
            repo.add_invoice(invoice, document)
            postings += repo.post(invoice_postings(invoice))
            uow.orders.put(uow.orders.get(order.id).model_copy(update={"status": OrderStatus.INVOICED}))
            invoices.append(invoice)
            on_invoice(f"{invoice.id} {seller.id} → {buyer.id}")
        periods = sorted({BillingPeriod.of(invoice.issue_date) for invoice in invoices})
        payments: list[NettingPayment] = []
        before = 0
        gross = net = Decimal("0.00")
        for period in periods:
            open_invoices = repo.open_invoices(period)
            result = net_invoices(open_invoices, str(period))
            receivables: dict[str, Decimal] = defaultdict(Decimal)
            payables: dict[str, Decimal] = defaultdict(Decimal)
            for invoice in open_invoices:
                receivables[invoice.creditor] += invoice.amount
                payables[invoice.debtor] += invoice.amount
            repo.close_period(period, result)
            postings += repo.post(settlement_postings(result, receivables, payables, period.end.date()))
            before += result.invoices
            gross += result.gross_amount
            net += result.net_amount
            payments += [NettingPayment(payer=p.payer, payee=p.payee, amount_eur=_money(p.amount))
                         for p in result.payments]
        ledger = {company: {account.value: _money(value) for account, value in sorted(repo.balances(company).items())}
                  for company in repo.ledger_companies()}
    return BillingResult(
        invoices=len(invoices), orders_not_invoiced=tuple(skipped),
        net_total_eur=_money(sum((i.line_total for i in invoices), Decimal(0))),
        vat_total_eur=_money(sum((i.tax_total for i in invoices), Decimal(0))),
        gross_total_eur=_money(sum((i.payable_amount for i in invoices), Decimal(0))),
        validated=validated, schema_errors=schema_errors, fatal_findings=fatal, warnings=warnings,
        postings=postings, ledger=ledger, periods=tuple(str(p) for p in periods), payments_before=before,
        payments_after=len(payments), gross_settled_eur=_money(gross), net_settled_eur=_money(net),
        payments=tuple(payments), invoice_folder=folder.relative_to(root).as_posix(),
    )
