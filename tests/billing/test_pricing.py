"""Pricing: quotes from a process plan with an exact, half-up rounded breakdown."""

from decimal import Decimal

import pytest

from fabnet.billing.errors import BillingError
from fabnet.billing.pricing import PriceList, QuoteLineKind, quote_plan
from fabnet.domain.process import ProcessPlan


def test_quote_breakdown(plan: ProcessPlan, prices: PriceList) -> None:
    quote = quote_plan(plan, prices, order_id="ORD-1", material="S235", mass_kg_per_unit=Decimal("1.25"))
    by_item = {line.item_id: line for line in quote.lines}
    # LC-01: 95 min at €95/h = €150.42 beats LC-02: 80 min at €140/h = €186.67
    assert by_item["cut"].description.endswith("LC-01")
    assert by_item["cut"].quantity == Decimal("1.5833") and by_item["cut"].amount == Decimal("150.41")
    assert by_item["bend"].amount == Decimal("163.59")  # 2.1667 h × 75.50 = 163.58585 → half up
    assert by_item["cut-setup"].amount == Decimal("46.67")  # 20 min × €65/h + €25
    assert by_item["material-S235"].quantity == Decimal("50.000")
    assert by_item["material-S235"].amount == Decimal("92.50")
    assert quote.cost == Decimal("150.41") + Decimal("163.59") + Decimal("46.67") + Decimal("62.92") + Decimal("92.50")
    assert by_item["margin"].amount == Decimal("64.51")  # 12.5 % of 516.09 = 64.51125
    assert quote.total == quote.cost + by_item["margin"].amount
    assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in quote.lines)
    assert set(quote.breakdown()) == {"machine", "changeover", "material", "margin"}


def test_minimum_order_value_tops_up(plan: ProcessPlan, prices: PriceList) -> None:
    dear = prices.model_copy(update={"minimum_order_value": Decimal("1000.00")})
    quote = quote_plan(plan, dear, order_id="ORD-1", material="S235", mass_kg_per_unit=Decimal("1.25"))
    assert quote.lines[-1].kind is QuoteLineKind.MINIMUM
    assert quote.total == Decimal("1000.00")


def test_unknown_material_and_wrong_company_are_named(plan: ProcessPlan, prices: PriceList) -> None:
    with pytest.raises(BillingError, match=r"^material: .*'AlMg3'"):
        quote_plan(plan, prices, order_id="O", material="AlMg3", mass_kg_per_unit=Decimal(1))
    other = prices.model_copy(update={"company_id": "someone-else"})
    with pytest.raises(BillingError, match=r"^company_id"):
        quote_plan(plan, other, order_id="O", material="S235", mass_kg_per_unit=Decimal(1))
