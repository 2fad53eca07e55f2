"""Multilateral netting: exact to the cent, at most (non-zero members − 1) payments, the savings reported."""

from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.billing.errors import BillingError
from fabnet.billing.netting import OpenInvoice, net_invoices
from fabnet.billing.synthetic import synthetic_invoices


def check_settles(invoices: list[OpenInvoice]) -> None:
    result = net_invoices(invoices, "2026-11")
    owed: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        owed[invoice.creditor] += invoice.amount
        owed[invoice.debtor] -= invoice.amount
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for payment in result.payments:
        assert payment.amount > 0 and payment.payer != payment.payee
        paid[payment.payer] += payment.amount
        paid[payment.payee] -= payment.amount
    for member, position in owed.items():
        assert paid[member] + position == 0, member  # exact, to the cent
        assert result.positions[member] == position
    nonzero = sum(1 for value in owed.values() if value != 0)
    assert len(result.payments) <= max(nonzero - 1, 0)
    assert result.gross_amount == sum((i.amount for i in invoices), Decimal(0))
    assert result.movement_saved == result.gross_amount - result.net_amount
    assert result.payments_saved == len(invoices) - len(result.payments)


def test_triangle_nets_away() -> None:
    invoices = [OpenInvoice("1", "a", "b", Decimal("100.00")), OpenInvoice("2", "b", "c", Decimal("100.00")),
                OpenInvoice("3", "c", "a", Decimal("100.00")), OpenInvoice("4", "a", "c", Decimal("0.01"))]
    result = net_invoices(invoices, "2026-11")
    assert [(p.payer, p.payee, p.amount) for p in result.payments] == [("a", "c", Decimal("0.01"))]
    assert result.summary()["payments_saved"] == 3
    assert result.summary()["movement_saved"] == "300.00"


members = st.sampled_from([f"m{i}" for i in range(8)])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(members, members, st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"),
                                                         places=2)), max_size=40))
def test_any_network_is_settled_exactly_with_few_payments(raw: list[tuple[str, str, Decimal]]) -> None:
    check_settles([OpenInvoice(str(n), d, c, a) for n, (d, c, a) in enumerate(raw) if d != c])


def test_a_larger_synthetic_network() -> None:
    check_settles(synthetic_invoices(members=300, invoices=5_000, seed=7))


@pytest.mark.parametrize(
    ("invoice", "message"),
    [
        (OpenInvoice("X1", "a", "b", Decimal("1.001")), r"^amount: invoice 'X1'"),
        (OpenInvoice("X2", "a", "b", Decimal("-5")), r"^amount: invoice 'X2'"),
        (OpenInvoice("X3", "a", "b", Decimal("5"), "USD"), r"^currency: invoice 'X3'"),
        (OpenInvoice("X4", "a", "a", Decimal("5")), r"^debtor: invoice 'X4'"),
    ],
)
def test_bad_invoices_are_named(invoice: OpenInvoice, message: str) -> None:
    with pytest.raises(BillingError, match=message):
        net_invoices([OpenInvoice("ok", "a", "b", Decimal("1.00")), invoice], "2026-11")


def test_settlement_postings_clear_the_netted_invoices() -> None:
    from datetime import date

    from fabnet.billing.ledger import Account, Ledger
    from fabnet.billing.netting import settlement_postings

    invoices = [OpenInvoice("1", "a", "b", Decimal("100.00")), OpenInvoice("2", "b", "a", Decimal("30.00")),
                OpenInvoice("3", "c", "a", Decimal("5.55"))]
    result = net_invoices(invoices, "2026-11")
    receivables: dict[str, Decimal] = defaultdict(Decimal)
    payables: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        receivables[invoice.creditor] += invoice.amount
        payables[invoice.debtor] += invoice.amount
    ledger = Ledger(settlement_postings(result, receivables, payables, date(2026, 12, 1)))
    for member, position in result.positions.items():
        assert ledger.balance(member, Account.BANK) == position  # what netting moves in or out of the bank
        assert sum(ledger.balances(member).values(), Decimal(0)) == 0
    assert ledger.balance("a", Account.RECEIVABLES) == Decimal("-35.55")
    assert ledger.balance("a", Account.PAYABLES) == Decimal("100.00")
