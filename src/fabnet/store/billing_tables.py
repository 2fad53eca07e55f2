"""Billing tables (events, invoices, ledger, price lists, netting runs) and their repository; see 0002_billing."""

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from fabnet.billing.errors import BillingError, IdempotencyConflict
from fabnet.billing.ledger import Account, Posting
from fabnet.billing.metering import UsageEvent
from fabnet.billing.netting import NettingResult, OpenInvoice
from fabnet.billing.period import BillingPeriod
from fabnet.billing.pricing import PriceList
from fabnet.domain.invoice import Invoice
from fabnet.store.tables import ID_LENGTH, Base

KEY = 200
MONEY = Numeric(18, 2)


class UsageEventRow(Base):
    __tablename__ = "billing_events"

    idempotency_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    subject: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    meter: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    timestamp: Mapped[datetime] = mapped_column(index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]


class InvoiceRow(Base):
    __tablename__ = "billing_invoices"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    seller_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    buyer_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    order_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    billing_reference: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    issue_date: Mapped[date] = mapped_column(Date, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    payable_amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(16), index=True)
    document: Mapped[dict[str, Any]]
    ubl: Mapped[str] = mapped_column(Text)


class PostingRow(Base):
    __tablename__ = "billing_postings"

    key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    booked_on: Mapped[date] = mapped_column(Date)
    document: Mapped[dict[str, Any]]


class EntryRow(Base):
    __tablename__ = "billing_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    posting_key: Mapped[str] = mapped_column(String(KEY), ForeignKey("billing_postings.key"), index=True)
    company_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    account: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class PriceListRow(Base):
    __tablename__ = "billing_price_lists"

    company_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    document: Mapped[dict[str, Any]]


class NettingRunRow(Base):
    __tablename__ = "billing_netting_runs"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    document: Mapped[dict[str, Any]]


def _fingerprint(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class BillingRepository:
    """Billing records inside one unit of work; every write checks all of its input before it writes any."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # usage events
    def record_events(self, events: Iterable[UsageEvent]) -> tuple[int, int]:
        """Store new events; redeliveries are skipped. Returns (new, duplicates). A reused key with other
        content raises IdempotencyConflict before anything is written."""
        batch: dict[str, tuple[UsageEvent, str]] = {}
        duplicates = 0
        for event in events:
            fingerprint = _fingerprint(event.model_dump(mode="json"))
            if event.idempotency_key in batch:
                if batch[event.idempotency_key][1] != fingerprint:
                    raise IdempotencyConflict(event.idempotency_key)
                duplicates += 1
                continue
            batch[event.idempotency_key] = (event, fingerprint)
        stored = dict(
            self.session.execute(
                select(UsageEventRow.idempotency_key, UsageEventRow.fingerprint).where(
                    UsageEventRow.idempotency_key.in_(list(batch))
                )
            ).all()
        ) if batch else {}
        for key, (_event, fingerprint) in batch.items():
            if key in stored and stored[key] != fingerprint:
                raise IdempotencyConflict(key)
        new = [(e, f) for key, (e, f) in batch.items() if key not in stored]
        self.session.add_all(
            UsageEventRow(idempotency_key=e.idempotency_key, subject=e.subject, meter=e.meter, timestamp=e.timestamp,
                          fingerprint=f, document=e.model_dump(mode="json"))
            for e, f in new
        )
        self.session.flush()
        return len(new), duplicates + len(batch) - len(new)

    def events(self, period: BillingPeriod | None = None) -> list[UsageEvent]:
        query = select(UsageEventRow.document).order_by(UsageEventRow.timestamp, UsageEventRow.idempotency_key)
        if period is not None:
            query = query.where(UsageEventRow.timestamp >= period.start, UsageEventRow.timestamp < period.end)
        return [UsageEvent.model_validate(doc) for doc in self.session.execute(query).scalars()]

    # invoices
    def add_invoice(self, invoice: Invoice, ubl: bytes) -> None:
        """Store a new invoice; BillingError if its id is taken or a credit note's invoice is not stored."""
        if self.session.get(InvoiceRow, invoice.id) is not None:
            raise BillingError(f"id: invoice {invoice.id!r} already exists")
        if invoice.billing_reference is not None:
            original = self.session.get(InvoiceRow, invoice.billing_reference)
            if original is None:
                raise BillingError(f"billing_reference: no stored invoice {invoice.billing_reference!r} to credit")
        self.session.add(InvoiceRow(
            id=invoice.id, kind=invoice.kind.value, seller_id=invoice.seller_id, buyer_id=invoice.buyer_id,
            order_id=invoice.order_id, billing_reference=invoice.billing_reference, issue_date=invoice.issue_date,
            currency=invoice.currency, payable_amount=invoice.payable_amount, status="open",
            document=invoice.model_dump(mode="json"), ubl=ubl.decode("utf-8"),
        ))
        self.session.flush()

    def invoice(self, invoice_id: str) -> Invoice:
        row = self.session.get(InvoiceRow, invoice_id)
        if row is None:
            raise KeyError(f"no invoice with id {invoice_id!r} is stored")
        return Invoice.model_validate(row.document)

    def ubl(self, invoice_id: str) -> bytes:
        row = self.session.get(InvoiceRow, invoice_id)
        if row is None:
            raise KeyError(f"no invoice with id {invoice_id!r} is stored")
        return row.ubl.encode("utf-8")

    def invoice_rows(self, status: str | None = None) -> list[InvoiceRow]:
        query = select(InvoiceRow).order_by(InvoiceRow.issue_date, InvoiceRow.id)
        if status is not None:
            query = query.where(InvoiceRow.status == status)
        return list(self.session.execute(query).scalars())

    def invoice_for_order(self, order_id: str) -> str | None:
        query = select(InvoiceRow.id).where(InvoiceRow.order_id == order_id, InvoiceRow.kind == "invoice")
        return self.session.execute(query).scalars().first()

    def next_invoice_id(self, seller_id: str, issue_date: date, prefix: str = "INV") -> str:
        stem = f"{prefix}-{issue_date.year}-"
        count = self.session.execute(
            select(func.count()).select_from(InvoiceRow).where(InvoiceRow.id.like(f"{stem}%"))
        ).scalar_one()
        return f"{stem}{count + 1:05d}"

    def open_invoices(self, period: BillingPeriod) -> list[OpenInvoice]:
        """Open invoices issued in the period, less the credit notes issued against them (fully credited drop)."""
        rows = self.session.execute(
            select(InvoiceRow.id, InvoiceRow.kind, InvoiceRow.seller_id, InvoiceRow.buyer_id, InvoiceRow.currency,
                   InvoiceRow.payable_amount, InvoiceRow.billing_reference)
            .where(InvoiceRow.status == "open", InvoiceRow.issue_date >= period.start.date(),
                   InvoiceRow.issue_date < period.end.date())
            .order_by(InvoiceRow.id)
        ).all()
        credited: dict[str, Decimal] = {}
        for row in rows:
            if row.kind == "credit_note" and row.billing_reference:
                credited[row.billing_reference] = credited.get(row.billing_reference, Decimal(0)) + row.payable_amount
        result = []
        for row in rows:
            if row.kind != "invoice":
                continue
            amount = Decimal(row.payable_amount) - credited.get(row.id, Decimal(0))
            if amount > 0:
                result.append(OpenInvoice(row.id, row.buyer_id, row.seller_id, amount.quantize(Decimal("0.01")),
                                          row.currency))
        return result

    def close_period(self, period: BillingPeriod, result: NettingResult) -> None:
        """Mark the period's open invoices netted and keep the netting run; BillingError if already netted."""
        if self.session.get(NettingRunRow, str(period)) is not None:
            raise BillingError(f"period: {period} was already netted")
        self.session.add(NettingRunRow(period=str(period), currency=result.currency, document=result.to_json()))
        self.session.execute(
            update(InvoiceRow)
            .where(InvoiceRow.status == "open", InvoiceRow.issue_date >= period.start.date(),
                   InvoiceRow.issue_date < period.end.date())
            .values(status="netted")
        )
        self.session.flush()

    # ledger
    def post(self, postings: Iterable[Posting]) -> int:
        """Book postings idempotently (all checked first); returns how many were new."""
        batch = list(postings)
        new: dict[str, Posting] = {}
        for posting in batch:
            stored = self.session.get(PostingRow, posting.key)
            document = posting.model_dump(mode="json")
            if stored is not None:
                if stored.document != document:
                    raise IdempotencyConflict(posting.key, "posting")
                continue
            if posting.key in new and new[posting.key] != posting:
                raise IdempotencyConflict(posting.key, "posting")
            new[posting.key] = posting
        self.session.add_all(
            PostingRow(key=posting.key, company_id=posting.company_id, booked_on=posting.booked_on,
                       document=posting.model_dump(mode="json"))
            for posting in new.values()
        )
        self.session.flush()  # entries refer to their postings: no relationship() orders the inserts for us
        for posting in new.values():
            self.session.add_all(
                EntryRow(posting_key=posting.key, company_id=posting.company_id, account=entry.account.value,
                         amount=entry.amount)
                for entry in posting.entries
            )
        self.session.flush()
        return len(new)

    def balances(self, company_id: str) -> dict[Account, Decimal]:
        rows = self.session.execute(
            select(EntryRow.account, func.sum(EntryRow.amount))
            .where(EntryRow.company_id == company_id)
            .group_by(EntryRow.account)
        ).all()
        return {Account(account): Decimal(total).quantize(Decimal("0.01")) for account, total in rows}

    def ledger_companies(self) -> list[str]:
        query = select(EntryRow.company_id).distinct().order_by(EntryRow.company_id)
        return list(self.session.execute(query).scalars())

    # price lists
    def save_price_list(self, prices: PriceList) -> None:
        row = self.session.get(PriceListRow, prices.company_id)
        if row is None:
            self.session.add(PriceListRow(company_id=prices.company_id, document=prices.model_dump(mode="json")))
        else:
            row.document = prices.model_dump(mode="json")
        self.session.flush()

    def price_list(self, company_id: str) -> PriceList | None:
        row = self.session.get(PriceListRow, company_id)
        return None if row is None else PriceList.model_validate(row.document)
