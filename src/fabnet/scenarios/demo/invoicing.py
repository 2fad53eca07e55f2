"""Demo stage, billing: every sub-order invoiced by the partner to the receiving company at the quoted price, every
customer order invoiced by its supplier (its own work from its process plan, the partners' work passed on) as UBL
(Peppol BIS Billing 3.0) on the planned delivery date; each checked against the official rules, posted to both
companies' ledgers, then netted multilaterally per month."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fabnet.billing.invoice import invoice_for_order, placeholder_iban, vat_for
from fabnet.billing.ledger import invoice_postings
from fabnet.billing.netting import net_invoices, settlement_postings
from fabnet.billing.period import BillingPeriod
from fabnet.billing.pricing import PriceList
from fabnet.domain import Company, OrderStatus, ProcessPlan, RegionalNetwork
from fabnet.domain.invoice import Invoice, InvoiceLine, InvoiceParty, PaymentInstructions, VatCategory
from fabnet.network.allocation import SubOrder
from fabnet.planning.process import plan_what_is_possible
from fabnet.scenarios.demo.marketplace import Allocated
from fabnet.scenarios.demo.results import BillingResult, NettingPayment
from fabnet.scenarios.demo.schedules import ScheduledCompany
from fabnet.standards.peppol_validation import validate_document
from fabnet.standards.ubl import invoice_to_ubl
from fabnet.store import Store
from fabnet.store.billing_tables import BillingRepository


def delivery_times(network: RegionalNetwork, scheduled: list[ScheduledCompany]) -> dict[str, datetime]:
    """Each scheduled order's planned completion (its last operation's end)."""
    times: dict[str, datetime] = {}
    for company in scheduled:
        operations = company.problem.operations()
        ends: dict[str, int] = {}
        for a in company.solution.operations:
            job = operations[a.id][0].id
            ends[job] = max(ends.get(job, 0), a.end)
        times.update({job: network.origin + timedelta(minutes=end) for job, end in ends.items()})
    return times


def _money(value: Decimal) -> str:
    return f"{value + 0:.2f}"  # + 0 turns a settled account's -0.00 into 0.00


@dataclass
class _Issuer:
    """Turns invoices into UBL, checks them against the Peppol rules (up to a budget), files, stores and posts."""

    repo: BillingRepository
    folder: Path
    validate: int | None
    validated: int = 0
    schema_errors: int = 0
    fatal: int = 0
    warnings: int = 0
    postings: int = 0

    def issue(self, invoice: Invoice, what: str) -> None:
        document = invoice_to_ubl(invoice)
        if self.validate is None or self.validated < self.validate:
            report = validate_document(document, invoice.id)
            self.validated += 1
            self.schema_errors += len(report.schema_errors)
            self.fatal += len(report.fatal)
            self.warnings += len(report.warnings)
            if not report.valid:
                first = (report.schema_errors or [f"{f.rule_id}: {f.message}" for f in report.fatal])[0]
                raise ValueError(f"invoice {invoice.id} ({what}) breaks the Peppol rules: {first}")
        (self.folder / f"{invoice.id}.xml").write_bytes(document)
        self.repo.add_invoice(invoice, document)
        self.postings += self.repo.post(invoice_postings(invoice))


def _payment(company: Company) -> PaymentInstructions:
    return PaymentInstructions(iban=placeholder_iban(company.kvk), account_name=company.name)


def invoice_orders(
    network: RegionalNetwork, scheduled: list[ScheduledCompany], allocated: Allocated, store: Store, folder: Path,
    root: Path, *, validate: int | None, on_invoice: Callable[[str], None] = lambda _: None,
) -> BillingResult:
    """Invoice customers and sub-orders, validate (the first `validate` invoices; None = all), post and net, all
    in one transaction. `network` is the scenario as given (the customer orders)."""
    designs = {d.id: d for d in network.designs}
    delivered = delivery_times(allocated.network, scheduled)
    folder.mkdir(parents=True, exist_ok=True)
    invoices: list[Invoice] = []
    skipped: list[str] = []
    bought: dict[str, list[SubOrder]] = defaultdict(list)
    for sub in allocated.sub_orders:
        bought[allocated.parents[sub.order.id]].append(sub)
    with store.transaction() as uow:
        repo = BillingRepository(uow.session)
        issuer = _Issuer(repo, folder, validate)
        prices: dict[str, PriceList] = {}

        def price_list(company_id: str) -> PriceList:
            if company_id not in prices:
                prices[company_id] = PriceList.for_machines(company_id, network.machines_of(company_id))
                repo.save_price_list(prices[company_id])
            return prices[company_id]

        # partners first: a receiver invoices its customer once its partners have delivered
        for sub in allocated.sub_orders:
            partner, receiver = network.company(sub.order.supplier_id), network.company(sub.order.customer_id)
            issue_date = delivered.get(sub.order.id, sub.order.due).date()
            invoice = _sub_order_invoice(sub, partner, receiver, price_list(partner.id),
                                         repo.next_invoice_id(partner.id, issue_date), issue_date)
            issuer.issue(invoice, f"sub-order {sub.order.id}")
            uow.orders.put(uow.orders.get(sub.order.id).model_copy(update={"status": OrderStatus.INVOICED}))
            invoices.append(invoice)
            on_invoice(f"{invoice.id} {partner.id} → {receiver.id}")
        sub_order_invoices = len(invoices)
        for order in network.orders:
            machines = network.machines_of(order.supplier_id)
            partial = plan_what_is_possible(designs[order.design_id], machines, quantity=order.quantity,
                                            designs=designs) if machines else None
            own = _kept(partial.plan, allocated.in_house.get(order.id)) if partial and partial.plan else None
            if own is None:
                skipped.append(order.id)
                continue
            seller, buyer = network.company(order.supplier_id), network.company(order.customer_id)
            issue_date = max([delivered.get(order.id, order.due).date(),
                              *(delivered.get(s.order.id, s.order.due).date() for s in bought[order.id])])
            _, invoice = invoice_for_order(
                order, designs[order.design_id], own, price_list(seller.id), seller=seller, buyer=buyer,
                invoice_id=repo.next_invoice_id(seller.id, issue_date), issue_date=issue_date, payment=_payment(seller),
            )
            invoice = _with_partners_work(invoice, bought[order.id])
            issuer.issue(invoice, f"order {order.id}")
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
            issuer.postings += repo.post(settlement_postings(result, receivables, payables, period.end.date()))
            before += result.invoices
            gross += result.gross_amount
            net += result.net_amount
            payments += [NettingPayment(payer=p.payer, payee=p.payee, amount_eur=_money(p.amount))
                         for p in result.payments]
        ledger = {company: {account.value: _money(value) for account, value in sorted(repo.balances(company).items())}
                  for company in repo.ledger_companies()}
    return BillingResult(
        invoices=len(invoices), customer_invoices=len(invoices) - sub_order_invoices,
        sub_order_invoices=sub_order_invoices, orders_not_invoiced=tuple(skipped),
        net_total_eur=_money(sum((i.line_total for i in invoices), Decimal(0))),
        vat_total_eur=_money(sum((i.tax_total for i in invoices), Decimal(0))),
        gross_total_eur=_money(sum((i.payable_amount for i in invoices), Decimal(0))),
        validated=issuer.validated, schema_errors=issuer.schema_errors, fatal_findings=issuer.fatal,
        warnings=issuer.warnings, postings=issuer.postings, ledger=ledger, periods=tuple(str(p) for p in periods),
        payments_before=before, payments_after=len(payments), gross_settled_eur=_money(gross),
        net_settled_eur=_money(net), payments=tuple(payments), invoice_folder=folder.relative_to(root).as_posix(),
    )


def _kept(plan: ProcessPlan, in_house: tuple[str, ...] | None) -> ProcessPlan | None:
    """The receiver's plan without the operations the marketplace gave to partners (None if nothing is left)."""
    if in_house is None or {op.id for op in plan.operations} <= set(in_house):
        return plan
    kept = [op for op in plan.operations if op.id in in_house]
    if not kept:
        return None
    names = {op.id for op in kept}
    operations = [op.model_copy(update={"predecessors": tuple(p for p in op.predecessors if p in names)})
                  for op in kept]
    return plan.model_copy(update={"operations": tuple(operations)})


def _unit_price(sub: SubOrder) -> Decimal:
    """The quoted price per unit, to the cent: the line then bills quantity × unit price."""
    return (Decimal(str(sub.price_eur)) / sub.order.quantity).quantize(Decimal("0.01"))


def _sub_order_invoice(sub: SubOrder, partner: Company, receiver: Company, prices: PriceList, invoice_id: str,
                       issue_date: date) -> Invoice:
    """The partner's invoice to the receiving company for a sub-order, at the price it quoted."""
    seller, buyer = InvoiceParty.from_company(partner), InvoiceParty.from_company(receiver)
    category, rate = vat_for(seller, buyer, prices)
    line = InvoiceLine(
        description=f"{', '.join(sub.operation_keys)} of design {sub.order.design_id} (work package {sub.package_id})",
        quantity=Decimal(sub.order.quantity), unit_code="C62", unit_price=_unit_price(sub), vat_category=category,
        vat_rate=rate, item_id=sub.package_id,
    )
    return Invoice(
        id=invoice_id, seller_id=partner.id, buyer_id=receiver.id, seller=seller, buyer=buyer, issue_date=issue_date,
        due_date=issue_date + timedelta(days=30), order_id=sub.order.id, order_reference=sub.order.id,
        buyer_reference=sub.order.customer_reference or sub.order.id,
        delivery_date=issue_date if category is VatCategory.INTRA_EU else None, payment=_payment(partner),
        note=f"Sub-order {sub.order.id}", lines=(line,),
    )


def _with_partners_work(invoice: Invoice, subs: list[SubOrder]) -> Invoice:
    """The supplier's invoice with its partners' work passed on to the customer at the price the partners
    quoted (the supplier's margin is on its own work)."""
    if not subs:
        return invoice
    own = invoice.lines[0]
    extra = [
        InvoiceLine(description=f"Partner work: {', '.join(s.operation_keys)} of design {s.order.design_id}",
                    quantity=Decimal(s.order.quantity), unit_code="C62", unit_price=_unit_price(s),
                    vat_category=own.vat_category, vat_rate=own.vat_rate, item_id=s.package_id)
        for s in subs
    ]
    return Invoice.model_validate({**invoice.model_dump(), "lines": [*invoice.model_dump()["lines"],
                                                                     *(line.model_dump() for line in extra)]})
