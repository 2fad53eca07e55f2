"""Pricing: a company's price list and the quote for an order from its process plan, with the breakdown."""

from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from fabnet.billing.errors import BillingError
from fabnet.domain.base import DomainModel, Identifier
from fabnet.domain.invoice import InvoiceLine, VatCategory, money
from fabnet.domain.machine import Machine
from fabnet.domain.process import Operation, OperationMode, ProcessPlan

HOURS = Decimal("0.0001")
"""Hours on a quote are kept to 4 decimals (0.36 s) so quantity × rate reproduces each line exactly."""


REFERENCE_MATERIAL_PRICES: dict[str, Decimal] = {
    "S235": Decimal("1.40"), "S355": Decimal("1.60"), "C45": Decimal("1.90"), "42CrMo4": Decimal("2.60"),
    "304": Decimal("4.20"), "316L": Decimal("5.50"), "6082": Decimal("4.80"), "AlMg3": Decimal("5.20"),
    "PA12": Decimal("75.00"), "PETG": Decimal("28.00"),
}
"""Indicative 2026 purchase prices in €/kg, used when a company has not stored its own price list."""


class PriceList(DomainModel):
    """What a company charges: machine hours, changeovers, material, margin and a minimum order value."""

    company_id: Identifier
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    machine_rates: dict[str, Decimal] = Field(default_factory=dict, description="€/h by machine id")
    default_hourly_rate: Decimal = Field(default=Decimal("85.00"), ge=0)
    changeover_rate: Decimal = Field(default=Decimal("65.00"), ge=0, description="€/h of changeover time")
    changeover_charge: Decimal = Field(default=Decimal("25.00"), ge=0, description="fixed € per changeover")
    material_prices: dict[str, Decimal] = Field(default_factory=dict, description="€/kg by material")
    margin_percent: Decimal = Field(default=Decimal("15"), ge=0, le=500)
    minimum_order_value: Decimal = Field(default=Decimal("150.00"), ge=0)
    vat_category: VatCategory = VatCategory.STANDARD
    vat_rate: Decimal = Field(default=Decimal("21"), ge=0, le=100)

    @classmethod
    def for_machines(cls, company_id: str, machines: list[Machine], **settings: object) -> "PriceList":
        """A price list whose machine rates are the machines' own hourly rates."""
        rates = {m.id: m.hourly_rate_eur for m in machines if m.company_id == company_id}
        defaults = {"material_prices": REFERENCE_MATERIAL_PRICES}
        return cls.model_validate({"company_id": company_id, "machine_rates": rates, **defaults, **settings})

    def hourly_rate(self, machine_id: str) -> Decimal:
        return self.machine_rates.get(machine_id, self.default_hourly_rate)

    def material_price(self, material: str) -> Decimal:
        if material not in self.material_prices:
            known = ", ".join(sorted(self.material_prices)) or "none"
            raise BillingError(
                f"material: no price per kg for {material!r} in {self.company_id}'s price list (known: {known})"
            )
        return self.material_prices[material]


class QuoteLineKind(StrEnum):
    MACHINE = "machine"
    CHANGEOVER = "changeover"
    MATERIAL = "material"
    MARGIN = "margin"
    MINIMUM = "minimum_order"


class QuoteLine(DomainModel):
    kind: QuoteLineKind
    item_id: str
    description: str
    quantity: Decimal = Field(gt=0)
    unit_code: str
    unit_price: Decimal = Field(ge=0)
    amount: Decimal

    def as_invoice_line(self, price_list: PriceList) -> InvoiceLine:
        return InvoiceLine(
            description=self.description,
            quantity=self.quantity,
            unit_code=self.unit_code,
            unit_price=self.unit_price,
            vat_category=price_list.vat_category,
            vat_rate=price_list.vat_rate,
            currency=price_list.currency,
            item_id=self.item_id,
        )


class Quote(DomainModel):
    """A priced offer for one order: every line rounded half-up to cents, totals exact sums of lines."""

    order_id: Identifier
    company_id: Identifier
    design_id: Identifier
    quantity: int
    currency: str
    lines: tuple[QuoteLine, ...]

    @property
    def cost(self) -> Decimal:
        markup = (QuoteLineKind.MARGIN, QuoteLineKind.MINIMUM)
        return sum((line.amount for line in self.lines if line.kind not in markup), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """Net total before VAT."""
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def breakdown(self) -> dict[str, Decimal]:
        """Amount per kind of line (machine, changeover, material, margin, minimum_order)."""
        result: dict[str, Decimal] = {}
        for line in self.lines:
            result[line.kind.value] = result.get(line.kind.value, Decimal("0.00")) + line.amount
        return result

    def invoice_lines(self, price_list: PriceList) -> tuple[InvoiceLine, ...]:
        return tuple(line.as_invoice_line(price_list) for line in self.lines)


def _cheapest_mode(operation: Operation, prices: PriceList) -> OperationMode:
    return min(operation.modes, key=lambda m: (m.duration_min * prices.hourly_rate(m.machine_id), m.machine_id))


def _line(kind: QuoteLineKind, item_id: str, description: str, quantity: Decimal, unit: str,
          unit_price: Decimal) -> QuoteLine:
    return QuoteLine(kind=kind, item_id=item_id, description=description, quantity=quantity, unit_code=unit,
                     unit_price=unit_price, amount=money(quantity * unit_price))


def quote_plan(plan: ProcessPlan, prices: PriceList, *, order_id: str, material: str,
               mass_kg_per_unit: Decimal) -> Quote:
    """Operations × machine rate + changeovers + material + margin, topped up to the minimum order value."""
    if plan.company_id != prices.company_id:
        raise BillingError(f"company_id: plan is for {plan.company_id!r} but the price list is {prices.company_id!r}")
    if mass_kg_per_unit <= 0:
        raise BillingError(f"mass_kg_per_unit: must be positive, got {mass_kg_per_unit}")
    lines: list[QuoteLine] = []
    for operation in plan.topological_order():
        mode = _cheapest_mode(operation, prices)
        hours = (Decimal(mode.duration_min) / 60).quantize(HOURS)
        if hours > 0:
            lines.append(_line(QuoteLineKind.MACHINE, operation.id, f"{operation.name} on {mode.machine_id}",
                               hours, "HUR", prices.hourly_rate(mode.machine_id)))
        if mode.setup_minutes_hint > 0:
            setup_hours = Decimal(mode.setup_minutes_hint) / 60
            charge = money(setup_hours * prices.changeover_rate + prices.changeover_charge)
            lines.append(_line(QuoteLineKind.CHANGEOVER, f"{operation.id}-setup",
                               f"Changeover for {operation.name} ({mode.setup_minutes_hint} min)",
                               Decimal(1), "C62", charge))
    kilograms = (mass_kg_per_unit * plan.quantity).quantize(Decimal("0.001"))
    lines.append(_line(QuoteLineKind.MATERIAL, f"material-{material}", f"Material {material}", kilograms, "KGM",
                       prices.material_price(material)))
    cost = sum((line.amount for line in lines), Decimal("0.00"))
    margin = money(cost * prices.margin_percent / 100)
    if margin > 0:
        lines.append(_line(QuoteLineKind.MARGIN, "margin", f"Overhead and margin ({prices.margin_percent}%)",
                           Decimal(1), "C62", margin))
    subtotal = cost + margin
    if subtotal < prices.minimum_order_value:
        lines.append(_line(QuoteLineKind.MINIMUM, "minimum-order", "Minimum order value surcharge", Decimal(1), "C62",
                           prices.minimum_order_value - subtotal))
    return Quote(order_id=order_id, company_id=plan.company_id, design_id=plan.design_id, quantity=plan.quantity,
                 currency=prices.currency, lines=tuple(lines))
