"""Double-entry ledger per company: receivables, payables, revenue, expenses, VAT, bank; idempotent postings."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from fabnet.billing.errors import IdempotencyConflict
from fabnet.domain.base import DomainModel, Identifier
from fabnet.domain.invoice import Invoice


class Account(StrEnum):
    BANK = "bank"
    RECEIVABLES = "receivables"
    VAT_RECEIVABLE = "vat_receivable"
    PAYABLES = "payables"
    VAT_PAYABLE = "vat_payable"
    REVENUE = "revenue"
    EXPENSES = "expenses"


class Entry(DomainModel):
    """One side of a posting: debit is positive, credit negative."""

    account: Account
    amount: Decimal = Field(decimal_places=2)


class Posting(DomainModel):
    """A balanced journal entry of one company, identified by an idempotency key."""

    key: str = Field(min_length=1, max_length=200)
    company_id: Identifier
    booked_on: date
    description: str = ""
    entries: tuple[Entry, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _balanced(self) -> Self:
        total = sum((e.amount for e in self.entries), Decimal(0))
        if total != 0:
            raise ValueError(f"entries: posting {self.key!r} does not balance (debits - credits = {total})")
        return self


class Ledger:
    """All postings of the companies it serves; a posting delivered twice is booked once."""

    def __init__(self, postings: Iterable[Posting] = ()) -> None:
        self._postings: dict[str, Posting] = {}
        self._balances: dict[str, dict[Account, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for posting in postings:
            self.post(posting)

    def check(self, posting: Posting) -> bool:
        """True when new; False when already booked identically; IdempotencyConflict when the key was reused."""
        known = self._postings.get(posting.key)
        if known is None:
            return True
        if known != posting:
            raise IdempotencyConflict(posting.key, "posting")
        return False

    def post(self, posting: Posting) -> bool:
        if not self.check(posting):
            return False
        self._postings[posting.key] = posting
        for entry in posting.entries:
            self._balances[posting.company_id][entry.account] += entry.amount
        return True

    def post_all(self, postings: Iterable[Posting]) -> int:
        """Check every posting first, then book them: all or nothing. Returns how many were new."""
        batch = list(postings)
        seen: dict[str, Posting] = {}
        for posting in batch:
            if posting.key in seen and seen[posting.key] != posting:
                raise IdempotencyConflict(posting.key, "posting")
            seen[posting.key] = posting
            self.check(posting)
        return sum(self.post(posting) for posting in batch)

    def balance(self, company_id: str, account: Account) -> Decimal:
        return self._balances.get(company_id, {}).get(account, Decimal("0.00"))

    def balances(self, company_id: str) -> dict[Account, Decimal]:
        return dict(self._balances.get(company_id, {}))

    def companies(self) -> list[str]:
        return sorted(self._balances)

    def postings(self) -> list[Posting]:
        return list(self._postings.values())


def invoice_postings(invoice: Invoice) -> tuple[Posting, Posting]:
    """The seller's and the buyer's posting of an invoice (reversed for a credit note)."""
    sign = Decimal(-1) if invoice.is_credit_note else Decimal(1)
    net, tax, gross = invoice.line_total * sign, invoice.tax_total * sign, invoice.payable_amount * sign
    seller = Posting(
        key=f"invoice:{invoice.id}:seller:{invoice.seller_id}",
        company_id=invoice.seller_id,
        booked_on=invoice.issue_date,
        description=f"{invoice.kind.value} {invoice.id} to {invoice.buyer_id}",
        entries=_nonzero((Account.RECEIVABLES, gross), (Account.REVENUE, -net), (Account.VAT_PAYABLE, -tax)),
    )
    buyer = Posting(
        key=f"invoice:{invoice.id}:buyer:{invoice.buyer_id}",
        company_id=invoice.buyer_id,
        booked_on=invoice.issue_date,
        description=f"{invoice.kind.value} {invoice.id} from {invoice.seller_id}",
        entries=_nonzero((Account.EXPENSES, net), (Account.VAT_RECEIVABLE, tax), (Account.PAYABLES, -gross)),
    )
    return seller, buyer


def payment_postings(key: str, payer: str, payee: str, amount: Decimal, booked_on: date) -> tuple[Posting, Posting]:
    """A payment settling payables of the payer and receivables of the payee."""
    paid = (Entry(account=Account.PAYABLES, amount=amount), Entry(account=Account.BANK, amount=-amount))
    received = (Entry(account=Account.BANK, amount=amount), Entry(account=Account.RECEIVABLES, amount=-amount))
    return (
        Posting(key=f"{key}:payer", company_id=payer, booked_on=booked_on, description=f"payment to {payee}",
                entries=paid),
        Posting(key=f"{key}:payee", company_id=payee, booked_on=booked_on, description=f"payment from {payer}",
                entries=received),
    )


def _nonzero(*pairs: tuple[Account, Decimal]) -> tuple[Entry, ...]:
    entries = tuple(Entry(account=account, amount=amount) for account, amount in pairs if amount != 0)
    return entries if len(entries) >= 2 else tuple(Entry(account=a, amount=v) for a, v in pairs[:2])
