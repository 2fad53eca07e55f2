"""EN 16931 invoices and credit notes: parties, lines with Decimal money, VAT breakdown and totals."""

import re
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from fabnet.domain.base import DomainModel, Identifier
from fabnet.domain.company import Company, check_kvk, check_vat_nl

CENT = Decimal("0.01")
_EU_VAT_PREFIXES = "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI"
_VAT_EU = re.compile(rf"^({_EU_VAT_PREFIXES})[A-Z0-9+*]{{2,12}}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")


def money(value: Decimal) -> Decimal:
    """Round to whole cents, half up, as EN 16931 requires for every line and total."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check_vat_eu(value: str) -> str:
    """An EU VAT id: a Dutch one strictly (NL + 9 digits + B + 2 digits), others by their country prefix."""
    if value.startswith("NL"):
        return check_vat_nl(value)
    if not _VAT_EU.fullmatch(value):
        raise ValueError(f"VAT id must start with an EU country prefix followed by 2-12 letters/digits, got {value!r}")
    return value


def check_iban(value: str) -> str:
    if not _IBAN.fullmatch(value):
        raise ValueError(f"IBAN must be 2 letters, 2 check digits and 10-30 letters/digits, got {value!r}")
    digits = "".join(str(int(ch, 36)) for ch in value[4:] + value[:4])
    if int(digits) % 97 != 1:
        raise ValueError(f"IBAN {value!r} fails its mod-97 check")
    return value


VatId = Annotated[str, AfterValidator(check_vat_eu)]
Iban = Annotated[str, AfterValidator(check_iban)]


class VatCategory(StrEnum):
    """UNCL5305 VAT category codes used in Peppol BIS 3."""

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_EU = "K"


EXEMPTION_REASONS: dict[VatCategory, tuple[str, str]] = {
    VatCategory.EXEMPT: ("VATEX-EU-132", "Exempt from VAT (article 132 Directive 2006/112/EC)"),
    VatCategory.REVERSE_CHARGE: ("VATEX-EU-AE", "Reverse charge: VAT to be accounted for by the buyer"),
    VatCategory.INTRA_EU: ("VATEX-EU-IC", "Intra-community supply of goods or services"),
}
"""VATEX code and text required in the VAT breakdown of exempt, reverse-charge and intra-EU categories."""


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def type_code(self) -> str:
        """UNCL1001 document type: 380 commercial invoice, 381 credit note."""
        return "380" if self is DocumentKind.INVOICE else "381"


class InvoiceParty(DomainModel):
    """Seller or buyer as printed on the invoice; a Dutch party needs its KvK number (NLCIUS)."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    vat_id: VatId
    kvk: Annotated[str, AfterValidator(check_kvk)] | None = None
    street: str = Field(min_length=1)
    postal_code: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1)
    country: str = Field(default="NL", pattern=r"^[A-Z]{2}$")
    email: str = ""

    @model_validator(mode="after")
    def _dutch_parties_have_kvk(self) -> Self:
        if self.country == "NL" and self.kvk is None:
            raise ValueError("kvk: a Dutch party needs its KvK number (legal id, scheme 0106)")
        if self.vat_id[:2] not in (self.country, "EL" if self.country == "GR" else self.country):
            raise ValueError(f"vat_id: prefix {self.vat_id[:2]!r} does not match country {self.country!r}")
        return self

    @property
    def endpoint(self) -> tuple[str, str]:
        """Peppol electronic address (scheme, id): KvK under 0106 for Dutch parties, else the VAT id (99xx)."""
        if self.kvk is not None:
            return ("0106", self.kvk)
        return (_VAT_SCHEMES.get(self.country, "9930"), self.vat_id)

    @classmethod
    def from_company(cls, company: Company) -> "InvoiceParty":
        return cls(
            id=company.id,
            name=company.name,
            vat_id=company.vat_id,
            kvk=company.kvk,
            street=company.address.street,
            postal_code=company.address.postal_code,
            city=company.address.city,
            country=company.address.country,
            email=company.email,
        )


_VAT_SCHEMES = {"DE": "9930", "BE": "9925", "FR": "9957", "IT": "9906", "ES": "9920", "AT": "9914", "LU": "9938"}


class PaymentInstructions(DomainModel):
    """How to pay: UNCL4461 means code (30 credit transfer, 58 SEPA credit transfer) to an IBAN."""

    means_code: str = Field(default="58", pattern=r"^(30|48|49|57|58|59)$")
    iban: Iban
    bic: str | None = Field(default=None, pattern=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
    account_name: str = ""
    terms: str = Field(default="Payment within 30 days", min_length=1)


class InvoiceLine(DomainModel):
    description: str = Field(min_length=1)
    quantity: Decimal = Field(gt=0)
    unit_code: str = Field(default="C62", description="UN/ECE rec 20 unit code")
    unit_price: Decimal = Field(ge=0)
    vat_category: VatCategory = VatCategory.STANDARD
    vat_rate: Decimal = Field(default=Decimal("21"), ge=0, le=100)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description="must equal the invoice's")
    item_id: str | None = Field(default=None, description="seller's item id, e.g. an operation or meter code")

    @model_validator(mode="after")
    def _rate_fits_category(self) -> Self:
        if self.vat_category is VatCategory.STANDARD and self.vat_rate == 0:
            raise ValueError("vat_rate: standard-rated (S) lines need a rate above 0")
        if self.vat_category is not VatCategory.STANDARD and self.vat_rate != 0:
            raise ValueError(f"vat_rate: category {self.vat_category.value} lines must have rate 0")
        return self

    @property
    def net_amount(self) -> Decimal:
        """Quantity × price, rounded half-up to cents (BT-131)."""
        return money(self.quantity * self.unit_price)


class VatSubtotal(DomainModel):
    """One row of the VAT breakdown (BG-23)."""

    category: VatCategory
    rate: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_code: str | None = None
    exemption_reason: str | None = None


class Invoice(DomainModel):
    id: Identifier
    kind: DocumentKind = DocumentKind.INVOICE
    seller_id: Identifier
    buyer_id: Identifier
    seller: InvoiceParty
    buyer: InvoiceParty
    issue_date: date
    due_date: date
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    order_id: Identifier | None = None
    order_reference: str | None = Field(default=None, description="the buyer's purchase order number (BT-13)")
    buyer_reference: str | None = Field(default=None, description="buyer's routing reference (BT-10)")
    billing_reference: Identifier | None = Field(default=None, description="the invoice a credit note corrects")
    billing_reference_date: date | None = None
    delivery_date: date | None = None
    payment: PaymentInstructions
    note: str | None = None
    lines: tuple[InvoiceLine, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.due_date < self.issue_date:
            raise ValueError(f"due_date {self.due_date} is before issue_date {self.issue_date}")
        if self.seller.id != self.seller_id:
            raise ValueError(f"seller: party id {self.seller.id!r} differs from seller_id {self.seller_id!r}")
        if self.buyer.id != self.buyer_id:
            raise ValueError(f"buyer: party id {self.buyer.id!r} differs from buyer_id {self.buyer_id!r}")
        if self.seller_id == self.buyer_id:
            raise ValueError("buyer_id: seller and buyer must be different companies")
        for number, line in enumerate(self.lines):
            if line.currency is not None and line.currency != self.currency:
                raise ValueError(
                    f"lines.{number}.currency: {line.currency} differs from the invoice currency {self.currency} "
                    "(one invoice, one currency)"
                )
        if self.kind is DocumentKind.CREDIT_NOTE and self.billing_reference is None:
            raise ValueError("billing_reference: a credit note must reference the invoice it corrects")
        if self.kind is DocumentKind.INVOICE and self.billing_reference is not None:
            raise ValueError("billing_reference: only a credit note references another invoice")
        if self.billing_reference is not None and self.billing_reference == self.id:
            raise ValueError("billing_reference: a credit note cannot reference itself")
        categories = {line.vat_category for line in self.lines}
        if VatCategory.INTRA_EU in categories and self.seller.country == self.buyer.country:
            raise ValueError("lines: an intra-EU supply (K) needs a buyer in another EU country")
        if VatCategory.INTRA_EU in categories and self.delivery_date is None:
            raise ValueError("delivery_date: an intra-EU supply (K) needs the delivery date")
        if self.order_reference is None and self.buyer_reference is None:
            raise ValueError("buyer_reference: give a buyer reference or an order reference (Peppol R003)")
        return self

    @property
    def line_total(self) -> Decimal:
        """Sum of line net amounts (BT-106)."""
        return sum((line.net_amount for line in self.lines), Decimal("0.00"))

    def vat_breakdown(self) -> tuple[VatSubtotal, ...]:
        """One subtotal per (category, rate); tax rounded half-up per subtotal (BR-CO-17)."""
        taxable: dict[tuple[VatCategory, Decimal], Decimal] = defaultdict(lambda: Decimal("0.00"))
        for line in self.lines:
            taxable[(line.vat_category, line.vat_rate)] += line.net_amount
        rows = []
        for (category, rate), amount in sorted(taxable.items(), key=lambda item: (item[0][0].value, item[0][1])):
            code, reason = EXEMPTION_REASONS.get(category, (None, None))
            rows.append(
                VatSubtotal(
                    category=category,
                    rate=rate,
                    taxable_amount=amount,
                    tax_amount=money(amount * rate / 100),
                    exemption_code=code,
                    exemption_reason=reason,
                )
            )
        return tuple(rows)

    @property
    def tax_total(self) -> Decimal:
        return sum((row.tax_amount for row in self.vat_breakdown()), Decimal("0.00"))

    @property
    def payable_amount(self) -> Decimal:
        """What the buyer pays (BT-115): net lines plus VAT."""
        return self.line_total + self.tax_total

    @property
    def is_credit_note(self) -> bool:
        return self.kind is DocumentKind.CREDIT_NOTE
