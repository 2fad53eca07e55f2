"""Sample billing data shared by the billing tests: Dutch and foreign parties, payment, an invoice factory."""

from datetime import date
from decimal import Decimal

from fabnet.domain.invoice import Invoice, InvoiceLine, InvoiceParty, PaymentInstructions, VatCategory

SELLER = InvoiceParty(id="precisie-eindhoven", name="Precisie Metaal Eindhoven B.V.", vat_id="NL812345678B01",
                      kvk="17123456", street="Esp 120", postal_code="5633 AA", city="Eindhoven",
                      email="facturen@precisie.example")
BUYER = InvoiceParty(id="oem-veldhoven", name="Lithografie Systemen Veldhoven B.V.", vat_id="NL823456789B01",
                     kvk="17234567", street="De Run 6501", postal_code="5504 DR", city="Veldhoven")
FOREIGN_BUYER = InvoiceParty(id="maschinenbau-aachen", name="Maschinenbau Aachen GmbH", vat_id="DE123456789",
                             street="Pontstraße 1", postal_code="52062", city="Aachen", country="DE")
PAYMENT = PaymentInstructions(iban="NL91ABNA0417164300", bic="ABNANL2A", terms="Betaling binnen 30 dagen")


def make_invoice(**changes: object) -> Invoice:
    data: dict[str, object] = {
        "id": "INV-2026-00001",
        "seller_id": SELLER.id,
        "buyer_id": BUYER.id,
        "seller": SELLER,
        "buyer": BUYER,
        "issue_date": date(2026, 11, 2),
        "due_date": date(2026, 12, 2),
        "order_reference": "PO-4711",
        "payment": PAYMENT,
        "lines": (
            InvoiceLine(description="Laser cutting on LC-01", quantity=Decimal("2.5"), unit_code="HUR",
                        unit_price=Decimal("95.00")),
            InvoiceLine(description="Manual", quantity=Decimal(1), unit_price=Decimal("12.40"),
                        vat_category=VatCategory.STANDARD, vat_rate=Decimal(9)),
        ),
    }
    data.update(changes)
    return Invoice.model_validate(data)
