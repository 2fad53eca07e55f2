"""Invoices and credit notes: the EN 16931 model, its bad-input errors, UBL output and the official rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pydantic import ValidationError

from billing.samples import BUYER, FOREIGN_BUYER, PAYMENT, SELLER, make_invoice
from fabnet.billing.errors import BillingError
from fabnet.billing.invoice import credit_note_for
from fabnet.domain.errors import describe
from fabnet.domain.invoice import DocumentKind, Invoice, InvoiceLine, InvoiceParty, VatCategory
from fabnet.standards.schematron import SchematronValidator
from fabnet.standards.ubl import CAC, CBC, invoice_to_ubl, xsd_errors

NS = {"cbc": CBC, "cac": CAC}


def error_of(**changes: object) -> str:
    with pytest.raises(ValidationError) as caught:
        make_invoice(**changes)
    return describe(caught.value)


def test_totals_round_half_up_per_line_and_per_vat_rate(invoice: Invoice) -> None:
    line = InvoiceLine(description="x", quantity=Decimal("3"), unit_price=Decimal("0.335"))
    assert line.net_amount == Decimal("1.01")  # 1.005 rounds up, never to even
    assert invoice.line_total == Decimal("249.90")
    breakdown = {row.rate: row.tax_amount for row in invoice.vat_breakdown()}
    assert breakdown == {Decimal(21): Decimal("49.88"), Decimal(9): Decimal("1.12")}  # 49.875 → 49.88
    assert invoice.payable_amount == Decimal("300.90")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"seller": {**SELLER.model_dump(), "vat_id": "NL12345B01"}}, "seller.vat_id"),
        ({"buyer": {**BUYER.model_dump(), "kvk": "1234"}}, "buyer.kvk"),
        ({"lines": [{"description": "x", "quantity": "-1", "unit_price": "5"}]}, "lines.0.quantity"),
        ({"lines": [{"description": "x", "quantity": "1", "unit_price": "5", "currency": "USD"}]}, "lines.0.currency"),
        ({"kind": DocumentKind.CREDIT_NOTE}, "billing_reference"),
        ({"lines": [{"description": "x", "quantity": "1", "unit_price": "5", "vat_category": "Z",
                     "vat_rate": "21"}]}, "vat_rate"),
        ({"due_date": date(2026, 10, 1)}, "due_date"),
        ({"payment": {**PAYMENT.model_dump(), "iban": "NL91ABNA0417164301"}}, "payment.iban"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, object], field: str) -> None:
    assert field in error_of(**changes)


def test_credit_note_without_its_invoice_is_refused() -> None:
    with pytest.raises(BillingError, match=r"^billing_reference"):
        credit_note_for(None, credit_note_id="CN-1", issue_date=date(2026, 11, 3), reason="returned")


def test_generated_invoice_is_ubl_21_and_nlcius(invoice: Invoice, rules: SchematronValidator) -> None:
    document = invoice_to_ubl(invoice)
    assert xsd_errors(document) == []
    assert [f.rule_id for f in rules.validate(document) if f.is_fatal] == []
    root = etree.fromstring(document)
    assert root.findtext("cbc:CustomizationID", namespaces=NS).endswith("poacc:billing:3.0")
    supplier = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert supplier.find("cbc:EndpointID", NS).get("schemeID") == "0106"
    assert supplier.find("cac:PartyLegalEntity/cbc:CompanyID", NS).get("schemeID") == "0106"
    assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == "PO-4711"
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "300.90"
    assert root.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == PAYMENT.iban


def test_credit_note_references_its_invoice(invoice: Invoice, rules: SchematronValidator) -> None:
    credit = credit_note_for(invoice, credit_note_id="CN-2026-00001", issue_date=date(2026, 11, 9), reason="damaged")
    document = invoice_to_ubl(credit)
    root = etree.fromstring(document)
    assert root.tag.endswith("}CreditNote")
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS) == invoice.id
    assert xsd_errors(document) == []
    assert [f.rule_id for f in rules.validate(document) if f.is_fatal] == []


def test_the_rules_catch_a_tampered_invoice(invoice: Invoice, rules: SchematronValidator) -> None:
    document = invoice_to_ubl(invoice).replace(b">300.90</cbc:PayableAmount>", b">300.00</cbc:PayableAmount>")
    fatal = {f.rule_id for f in rules.validate(document) if f.is_fatal}
    assert "BR-CO-16" in fatal
    no_order = invoice_to_ubl(invoice.model_copy(update={"order_reference": None, "buyer_reference": None}))
    assert "PEPPOL-EN16931-R003" in {f.rule_id for f in rules.validate(no_order) if f.is_fatal}


def test_dutch_supplier_credit_note_without_reference_fails_nl_r_001(invoice: Invoice,
                                                                      rules: SchematronValidator) -> None:
    credit = credit_note_for(invoice, credit_note_id="CN-9", issue_date=date(2026, 11, 9), reason="x")
    document = invoice_to_ubl(credit.model_copy(update={"billing_reference": None}))
    assert "NL-R-001" in {f.rule_id for f in rules.validate(document) if f.is_fatal}


prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("25000"), places=4)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("5000"), places=3)
domestic = st.sampled_from([(VatCategory.STANDARD, Decimal(21)), (VatCategory.STANDARD, Decimal(9)),
                            (VatCategory.ZERO, Decimal(0)), (VatCategory.EXEMPT, Decimal(0)),
                            (VatCategory.REVERSE_CHARGE, Decimal(0))])


@st.composite
def billing_data(draw: st.DrawFn) -> Invoice:
    intra_eu = draw(st.booleans())
    buyer: InvoiceParty = FOREIGN_BUYER if intra_eu else BUYER
    names = st.text(alphabet="AaBbZz09 &<>'\"éßø-.", min_size=1, max_size=40).filter(lambda t: t.strip())
    seller = InvoiceParty.model_validate({**SELLER.model_dump(), "name": draw(names),
                                          "kvk": draw(st.from_regex(r"\A[0-9]{8}\Z"))})
    buyer = InvoiceParty.model_validate({**buyer.model_dump(), "name": draw(names)})
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        category, rate = (VatCategory.INTRA_EU, Decimal(0)) if intra_eu else draw(domestic)
        lines.append(InvoiceLine(description=draw(st.sampled_from(["Laser cutting", "Bending", "Löten & Prüfen"])),
                                 quantity=draw(quantities), unit_code=draw(st.sampled_from(["C62", "HUR", "KGM"])),
                                 unit_price=draw(prices), vat_category=category, vat_rate=rate))
    issued = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    invoice = make_invoice(seller=seller, buyer=buyer, buyer_id=buyer.id, lines=tuple(lines), issue_date=issued,
                           due_date=issued + timedelta(days=draw(st.integers(0, 60))),
                           delivery_date=issued if intra_eu else None,
                           order_reference=draw(st.one_of(st.none(), st.just("PO-1"))), buyer_reference="ROUTE-7")
    if draw(st.booleans()):
        return credit_note_for(invoice, credit_note_id="CN-" + invoice.id, issue_date=issued, reason="correction")
    return invoice


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(billing_data())
def test_every_generated_invoice_has_no_fatal_finding(rules: SchematronValidator, invoice: Invoice) -> None:
    document = invoice_to_ubl(invoice)
    assert xsd_errors(document) == []
    fatal = [(f.rule_id, f.message) for f in rules.validate(document) if f.is_fatal]
    assert fatal == []


def test_invoice_from_meter_readings(rules: SchematronValidator) -> None:
    from datetime import UTC, datetime

    from fabnet.billing.invoice import Tariff, invoice_from_readings
    from fabnet.billing.metering import STANDARD_METERS, aggregate, data_transfer_event, machine_time_event
    from fabnet.billing.period import BillingPeriod
    from fabnet.billing.pricing import PriceList

    moment = datetime(2026, 11, 12, 9, tzinfo=UTC)
    events = [machine_time_event(job_id="j1", customer=BUYER.id, machine_id="LC-01", minutes=95, timestamp=moment),
              machine_time_event(job_id="j2", customer=BUYER.id, machine_id="LC-01", minutes=25, timestamp=moment),
              data_transfer_event(transfer_id="t1", agreement_id="agr-7", consumer=BUYER.id, dataset_id="cad-1",
                                  compensation_eur=Decimal("12.50"), timestamp=moment)]
    period = BillingPeriod(2026, 11)
    readings = [r for meter in STANDARD_METERS for r in aggregate(meter, events, period)]
    tariffs = [Tariff(meter="machine_minutes", description="Laser cutting", unit_code="MIN",
                      unit_price=Decimal("1.5833")),
               Tariff(meter="data_compensation_eur", description="Data use compensation", unit_price=Decimal(1))]
    invoice = invoice_from_readings(readings, tariffs, PriceList(company_id=SELLER.id), invoice_id="S-2026-11",
                                    seller=SELLER, buyer=BUYER, issue_date=date(2026, 12, 1), payment=PAYMENT)
    assert [(line.item_id, line.quantity) for line in invoice.lines] == [("machine_minutes", 120),
                                                                         ("data_compensation_eur", Decimal("12.50"))]
    assert invoice.line_total == Decimal("190.00") + Decimal("12.50")  # 120 × 1.5833 = 189.996
    assert [f.rule_id for f in rules.validate(invoice_to_ubl(invoice)) if f.is_fatal] == []
