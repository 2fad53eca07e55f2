"""Issuing invoices and credit notes: from a quote, from meter readings, and credit notes for an invoice."""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from pydantic import Field

from fabnet.billing.errors import BillingError
from fabnet.billing.metering import MeterReading
from fabnet.billing.pricing import PriceList, Quote, quote_plan
from fabnet.domain.base import DomainModel, Identifier
from fabnet.domain.company import Company
from fabnet.domain.design import Design
from fabnet.domain.invoice import DocumentKind, Invoice, InvoiceLine, InvoiceParty, PaymentInstructions, VatCategory
from fabnet.domain.order import Order
from fabnet.domain.process import ProcessPlan


class Tariff(DomainModel):
    """The price of one metered unit of a meter, e.g. machine_minutes at €1.4167 per minute."""

    meter: Identifier
    description: str = Field(min_length=1)
    unit_code: str = "C62"
    unit_price: Decimal = Field(ge=0)


def vat_for(seller: InvoiceParty, buyer: InvoiceParty, prices: PriceList) -> tuple[VatCategory, Decimal]:
    """Dutch seller to a business in another EU country: intra-EU (K, 0%); else the price list's category."""
    if seller.country != buyer.country:
        return VatCategory.INTRA_EU, Decimal(0)
    return prices.vat_category, prices.vat_rate


def _retax(lines: Sequence[InvoiceLine], category: VatCategory, rate: Decimal) -> tuple[InvoiceLine, ...]:
    return tuple(line.model_copy(update={"vat_category": category, "vat_rate": rate}) for line in lines)


def invoice_from_quote(
    quote: Quote,
    prices: PriceList,
    *,
    invoice_id: str,
    seller: InvoiceParty,
    buyer: InvoiceParty,
    issue_date: date,
    payment: PaymentInstructions,
    payment_days: int = 30,
    order_reference: str | None = None,
) -> Invoice:
    """The invoice for a delivered order, priced as quoted."""
    if seller.id != quote.company_id:
        raise BillingError(f"seller: quote is from {quote.company_id!r}, not {seller.id!r}")
    category, rate = vat_for(seller, buyer, prices)
    return Invoice(
        id=invoice_id,
        seller_id=seller.id,
        buyer_id=buyer.id,
        seller=seller,
        buyer=buyer,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=payment_days),
        currency=quote.currency,
        order_id=quote.order_id,
        order_reference=order_reference or quote.order_id,
        buyer_reference=quote.order_id,
        delivery_date=issue_date if category is VatCategory.INTRA_EU else None,
        payment=payment,
        note=f"{quote.quantity} × design {quote.design_id}",
        lines=_retax(quote.invoice_lines(prices), category, rate),
    )


def invoice_from_readings(
    readings: Sequence[MeterReading],
    tariffs: Sequence[Tariff],
    prices: PriceList,
    *,
    invoice_id: str,
    seller: InvoiceParty,
    buyer: InvoiceParty,
    issue_date: date,
    payment: PaymentInstructions,
    payment_days: int = 30,
) -> Invoice:
    """An invoice for a period's metered services of one subject; meters without a tariff are not billed."""
    by_meter = {t.meter: t for t in tariffs}
    category, rate = vat_for(seller, buyer, prices)
    lines = []
    for reading in readings:
        if reading.group.get("subject", buyer.id) != buyer.id:
            raise BillingError(f"readings: reading of {reading.group.get('subject')!r} on an invoice to {buyer.id!r}")
        tariff = by_meter.get(reading.meter)
        if tariff is None or reading.value <= 0:
            continue
        detail = ", ".join(f"{k} {v}" for k, v in reading.group.items() if k != "subject")
        lines.append(InvoiceLine(
            description=f"{tariff.description} {reading.period}" + (f" ({detail})" if detail else ""),
            quantity=reading.value, unit_code=tariff.unit_code, unit_price=tariff.unit_price,
            vat_category=category, vat_rate=rate, currency=prices.currency, item_id=reading.meter,
        ))
    if not lines:
        raise BillingError("readings: nothing billable for this subject and period")
    period = readings[0].period
    return Invoice(
        id=invoice_id, seller_id=seller.id, buyer_id=buyer.id, seller=seller, buyer=buyer, issue_date=issue_date,
        due_date=issue_date + timedelta(days=payment_days), currency=prices.currency,
        buyer_reference=f"services {period}", payment=payment, lines=tuple(lines),
        delivery_date=issue_date if category is VatCategory.INTRA_EU else None,
    )


def credit_note_for(
    invoice: Invoice | None,
    *,
    credit_note_id: str,
    issue_date: date,
    reason: str,
    lines: Sequence[InvoiceLine] | None = None,
) -> Invoice:
    """A credit note correcting `invoice` (all of it unless `lines` are given)."""
    if invoice is None:
        raise BillingError("billing_reference: a credit note needs the invoice it corrects")
    if invoice.is_credit_note:
        raise BillingError(f"billing_reference: {invoice.id!r} is itself a credit note")
    if issue_date < invoice.issue_date:
        raise BillingError(f"issue_date: credit note dated before its invoice {invoice.id!r} ({invoice.issue_date})")
    return Invoice.model_validate({
        **invoice.model_dump(),
        "id": credit_note_id,
        "kind": DocumentKind.CREDIT_NOTE,
        "issue_date": issue_date,
        "due_date": max(issue_date, invoice.due_date),
        "billing_reference": invoice.id,
        "billing_reference_date": invoice.issue_date,
        "note": reason,
        "lines": [line.model_dump() for line in (lines if lines is not None else invoice.lines)],
    })


def invoice_for_order(
    order: Order,
    design: Design,
    plan: ProcessPlan,
    prices: PriceList,
    *,
    seller: Company,
    buyer: Company,
    invoice_id: str,
    issue_date: date,
    payment: PaymentInstructions,
) -> tuple[Quote, Invoice]:
    """Quote the order from its process plan and invoice it, with the customer's PO as order reference."""
    if seller.id != order.supplier_id:
        raise BillingError(f"seller: order {order.id!r} is supplied by {order.supplier_id!r}, not {seller.id!r}")
    if buyer.id != order.customer_id:
        raise BillingError(f"buyer: order {order.id!r} is for {order.customer_id!r}, not {buyer.id!r}")
    quote = quote_plan(plan, prices, order_id=order.id, material=design.material,
                       mass_kg_per_unit=Decimal(str(design.mass_kg)))
    invoice = invoice_from_quote(quote, prices, invoice_id=invoice_id, seller=InvoiceParty.from_company(seller),
                                 buyer=InvoiceParty.from_company(buyer), issue_date=issue_date, payment=payment,
                                 order_reference=order.customer_reference or order.id)
    return quote, invoice


def placeholder_iban(kvk: str) -> str:
    """A well-formed NL IBAN derived from the KvK number (bank code FNET), for companies that stored no account:
    it keeps demo invoices valid; real use passes --iban."""
    bban = f"FNET00{kvk}"
    digits = "".join(str(int(ch, 36)) for ch in bban + "NL00")
    return f"NL{98 - int(digits) % 97:02d}{bban}"
