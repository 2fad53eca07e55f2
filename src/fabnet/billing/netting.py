"""Multilateral netting: settle every member's net position with at most (non-zero members − 1) payments."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from fabnet.billing.errors import BillingError
from fabnet.billing.ledger import Account, Entry, Posting


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An unpaid invoice in the network: the debtor (buyer) owes the creditor (seller) the gross amount."""

    invoice_id: str
    debtor: str
    creditor: str
    amount: Decimal
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class Payment:
    payer: str
    payee: str
    amount: Decimal

    def to_json(self) -> dict[str, str]:
        return {"payer": self.payer, "payee": self.payee, "amount": f"{self.amount:.2f}"}


@dataclass(frozen=True)
class NettingResult:
    """Payments that settle all open invoices of a period, and what netting saved compared with paying each."""

    period: str
    currency: str
    members: int
    invoices: int
    gross_amount: Decimal
    positions: dict[str, Decimal] = field(repr=False)
    payments: list[Payment] = field(repr=False)

    @property
    def nonzero_members(self) -> int:
        return sum(1 for value in self.positions.values() if value != 0)

    @property
    def net_amount(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0.00"))

    @property
    def payments_saved(self) -> int:
        return self.invoices - len(self.payments)

    @property
    def movement_saved(self) -> Decimal:
        return self.gross_amount - self.net_amount

    def summary(self) -> dict[str, object]:
        saved_share = self.movement_saved / self.gross_amount * 100 if self.gross_amount else Decimal(0)
        return {
            "period": self.period,
            "currency": self.currency,
            "members": self.members,
            "members_with_position": self.nonzero_members,
            "invoices": self.invoices,
            "payments": len(self.payments),
            "payments_saved": self.payments_saved,
            "gross_amount": f"{self.gross_amount:.2f}",
            "net_amount": f"{self.net_amount:.2f}",
            "movement_saved": f"{self.movement_saved:.2f}",
            "movement_saved_percent": f"{saved_share:.1f}",
        }

    def to_json(self) -> dict[str, object]:
        return {
            **self.summary(),
            "positions": {member: f"{value:.2f}" for member, value in sorted(self.positions.items())},
            "payments": [p.to_json() for p in self.payments],
        }


def _cents(invoice: OpenInvoice) -> int:
    amount = invoice.amount
    if not amount.is_finite() or amount <= 0:
        raise BillingError(f"amount: invoice {invoice.invoice_id!r} has a non-positive amount {amount}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise BillingError(f"amount: invoice {invoice.invoice_id!r} amount {amount} has more than 2 decimals")
    return int(cents)


def net_positions(invoices: Iterable[OpenInvoice], currency: str = "EUR") -> tuple[dict[str, int], int, int]:
    """Net position per member in cents (positive: receives), the invoice count and the gross sum in cents."""
    positions: dict[str, int] = defaultdict(int)
    count = gross = 0
    for invoice in invoices:
        if invoice.currency != currency:
            raise BillingError(
                f"currency: invoice {invoice.invoice_id!r} is in {invoice.currency}, netting runs in {currency}"
            )
        if invoice.debtor == invoice.creditor:
            raise BillingError(f"debtor: invoice {invoice.invoice_id!r} has the same debtor and creditor")
        # exact: the reduced fraction of a whole number of cents has a denominator dividing 100
        numerator, denominator = invoice.amount.as_integer_ratio() if invoice.amount.is_finite() else (0, 1)
        if numerator <= 0 or 100 % denominator:
            _cents(invoice)  # raises the error naming the invoice
        cents = numerator * (100 // denominator)
        positions[invoice.creditor] += cents
        positions[invoice.debtor] -= cents
        count += 1
        gross += cents
    return dict(positions), count, gross


def settle(positions: dict[str, int]) -> list[tuple[str, str, int]]:
    """Greedy largest-first matching of payers to payees: each payment closes at least one position, the last
    closes two, so there are at most (non-zero positions − 1) payments."""
    if sum(positions.values()) != 0:
        raise BillingError("positions: net positions do not sum to zero")
    payers = sorted(((-v, m) for m, v in positions.items() if v < 0), reverse=True)
    payees = sorted(((v, m) for m, v in positions.items() if v > 0), reverse=True)
    transfers: list[tuple[str, str, int]] = []
    i = j = 0
    owe, payer = payers[0] if payers else (0, "")
    due, payee = payees[0] if payees else (0, "")
    while i < len(payers) and j < len(payees):
        amount = min(owe, due)
        transfers.append((payer, payee, amount))
        owe -= amount
        due -= amount
        if owe == 0:
            i += 1
            if i < len(payers):
                owe, payer = payers[i]
        if due == 0:
            j += 1
            if j < len(payees):
                due, payee = payees[j]
    return transfers


def net_invoices(invoices: Iterable[OpenInvoice], period: str, currency: str = "EUR") -> NettingResult:
    """Multilateral netting of all open invoices of a period, exact to the cent."""
    positions, count, gross = net_positions(invoices, currency)
    transfers = settle(positions)
    cent = Decimal("0.01")
    return NettingResult(
        period=period,
        currency=currency,
        members=len(positions),
        invoices=count,
        gross_amount=Decimal(gross) * cent,
        positions={m: Decimal(v) * cent for m, v in positions.items()},
        payments=[Payment(payer, payee, Decimal(amount) * cent) for payer, payee, amount in transfers],
    )


def settlement_postings(result: NettingResult, receivables: dict[str, Decimal], payables: dict[str, Decimal],
                        booked_on: date) -> list[Posting]:
    """Each member clears its netted receivables and payables against the bank movement netting leaves."""
    postings = []
    for member in sorted(set(receivables) | set(payables)):
        incoming, outgoing = receivables.get(member, Decimal(0)), payables.get(member, Decimal(0))
        entries = [
            Entry(account=Account.PAYABLES, amount=outgoing),
            Entry(account=Account.RECEIVABLES, amount=-incoming),
        ]
        if incoming != outgoing:
            entries.append(Entry(account=Account.BANK, amount=incoming - outgoing))
        postings.append(Posting(key=f"netting:{result.period}:{member}", company_id=member, booked_on=booked_on,
                                description=f"network netting {result.period}", entries=tuple(entries)))
    return postings
