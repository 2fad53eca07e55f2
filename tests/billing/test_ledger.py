"""Double-entry ledger: invoices, credit notes and payments keep every company's books balanced; idempotent."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from billing.samples import make_invoice
from fabnet.billing.errors import IdempotencyConflict
from fabnet.billing.invoice import credit_note_for
from fabnet.billing.ledger import Account, Entry, Ledger, Posting, invoice_postings, payment_postings
from fabnet.domain.invoice import Invoice


def test_invoice_posts_receivable_revenue_and_vat_on_both_sides(invoice: Invoice) -> None:
    ledger = Ledger()
    assert ledger.post_all(invoice_postings(invoice)) == 2
    seller, buyer = invoice.seller_id, invoice.buyer_id
    assert ledger.balance(seller, Account.RECEIVABLES) == Decimal("300.90")
    assert ledger.balance(seller, Account.REVENUE) == Decimal("-249.90")
    assert ledger.balance(seller, Account.VAT_PAYABLE) == Decimal("-51.00")
    assert ledger.balance(buyer, Account.PAYABLES) == Decimal("-300.90")
    assert ledger.balance(buyer, Account.VAT_RECEIVABLE) == Decimal("51.00")
    assert ledger.post_all(invoice_postings(invoice)) == 0  # redelivery books nothing
    assert ledger.balance(seller, Account.RECEIVABLES) == Decimal("300.90")


def test_credit_note_reverses_and_payment_clears(invoice: Invoice) -> None:
    ledger = Ledger(invoice_postings(invoice))
    credit = credit_note_for(invoice, credit_note_id="CN-1", issue_date=date(2026, 11, 5), reason="returned")
    ledger.post_all(invoice_postings(credit))
    assert all(value == 0 for value in ledger.balances(invoice.seller_id).values())
    ledger.post_all(payment_postings("pay-1", invoice.buyer_id, invoice.seller_id, Decimal("10.00"), date(2026, 11, 6)))
    assert ledger.balance(invoice.seller_id, Account.BANK) == Decimal("10.00")
    assert ledger.balance(invoice.buyer_id, Account.BANK) == Decimal("-10.00")


def test_reused_key_with_other_content_is_refused_and_nothing_is_booked(invoice: Invoice) -> None:
    ledger = Ledger(invoice_postings(invoice))
    changed = invoice.model_copy(update={"lines": invoice.lines[:1]})
    with pytest.raises(IdempotencyConflict, match=invoice.id):
        ledger.post_all(invoice_postings(changed))
    assert ledger.balance(invoice.seller_id, Account.RECEIVABLES) == Decimal("300.90")


def test_unbalanced_posting_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not balance"):
        Posting(key="k", company_id="a", booked_on=date(2026, 1, 1),
                entries=(Entry(account=Account.BANK, amount=Decimal("1.00")),
                         Entry(account=Account.REVENUE, amount=Decimal("-0.99"))))


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2)
companies = ["a", "b", "c", "d"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["invoice", "credit", "payment"]), st.sampled_from(companies),
                          st.sampled_from(companies), amounts, st.sampled_from([0, 9, 21])), max_size=25))
def test_balances_always_sum_to_zero(operations: list[tuple[str, str, str, Decimal, int]]) -> None:
    ledger = Ledger()
    issued: list[Invoice] = []
    for number, (kind, seller, buyer, amount, rate) in enumerate(operations):
        if seller == buyer:
            continue
        if kind == "payment":
            postings = payment_postings(f"p{number}", buyer, seller, amount, date(2026, 11, 1))
        elif kind == "credit" and issued:
            postings = invoice_postings(credit_note_for(issued[-1], credit_note_id=f"CN-{number}",
                                                        issue_date=date(2026, 11, 9), reason="r"))
        else:
            invoice = make_invoice(
                id=f"I-{number}", seller_id=seller, buyer_id=buyer,
                seller=make_invoice().seller.model_copy(update={"id": seller}),
                buyer=make_invoice().buyer.model_copy(update={"id": buyer}),
                lines=[{"description": "x", "quantity": "1", "unit_price": str(amount), "vat_category": "S" if rate
                        else "Z", "vat_rate": str(rate)}],
            )
            issued.append(invoice)
            postings = invoice_postings(invoice)
        ledger.post_all(postings)
        ledger.post_all(postings)  # every posting delivered twice
    for company in ledger.companies():
        assert sum(ledger.balances(company).values(), Decimal(0)) == 0
    assert len(ledger.postings()) == len({p.key for p in ledger.postings()})
