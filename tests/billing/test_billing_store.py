"""Billing storage on real SQLite and PostgreSQL: idempotent events across a crash, invoices, ledger, netting."""

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from billing.samples import make_invoice
from fabnet.billing.errors import BillingError, IdempotencyConflict
from fabnet.billing.invoice import credit_note_for
from fabnet.billing.ledger import invoice_postings
from fabnet.billing.metering import UsageEvent
from fabnet.billing.netting import net_invoices
from fabnet.billing.period import BillingPeriod
from fabnet.standards.ubl import invoice_to_ubl
from fabnet.store import open_store
from fabnet.store.billing_tables import BillingRepository

NOV = BillingPeriod(2026, 11)


def events(count: int, minutes: int = 10) -> list[UsageEvent]:
    return [UsageEvent(idempotency_key=f"evt-{n}", subject="oem", meter="machine_minutes",
                       timestamp=datetime(2026, 11, 3, 8, n, tzinfo=UTC), properties={"minutes": minutes})
            for n in range(count)]


CRASHING_WRITER = """
import os, sys
from fabnet.store import open_store
from fabnet.store.billing_tables import BillingRepository
from fabnet.billing.metering import UsageEvent
import json
batch = [UsageEvent.model_validate(e) for e in json.loads(sys.argv[2])]
store = open_store(sys.argv[1], migrate=False)
with store.transaction() as uow:
    BillingRepository(uow.session).record_events(batch[:3])
uow_context = store.transaction()
uow = uow_context.__enter__()
BillingRepository(uow.session).record_events(batch[3:])
uow.session.flush()
os._exit(9)  # the process dies before its second transaction commits
"""


def test_events_count_once_across_a_crash_and_redelivery(tmp_path: Path) -> None:
    """A real process dies mid-transaction (SQLite file; the PostgreSQL path is covered by the tests below)."""
    store_url = f"sqlite:///{tmp_path / 'crash.sqlite'}"
    open_store(store_url).close()  # migrated before the writer starts
    batch = events(6)
    payload = json.dumps([e.model_dump(mode="json") for e in batch])
    crashed = subprocess.run([sys.executable, "-c", CRASHING_WRITER, store_url, payload], capture_output=True,
                             timeout=120)
    assert crashed.returncode == 9, crashed.stderr.decode()
    with open_store(store_url) as store:
        with store.transaction() as uow:
            assert len(BillingRepository(uow.session).events(NOV)) == 3  # the uncommitted half is gone
        with store.transaction() as uow:  # the sender redelivers everything
            assert BillingRepository(uow.session).record_events(batch) == (3, 3)
        with store.transaction() as uow:
            assert BillingRepository(uow.session).record_events(batch + batch) == (0, 12)
        changed = batch[0].model_copy(update={"properties": {"minutes": 11}})
        with pytest.raises(IdempotencyConflict, match="evt-0"), store.transaction() as uow:
            BillingRepository(uow.session).record_events([*events(8)[6:], changed])
        with store.transaction() as uow:
            stored = BillingRepository(uow.session).events(NOV)
    assert [e.idempotency_key for e in stored] == [f"evt-{n}" for n in range(6)]  # evt-6, evt-7 not written


def test_invoice_ledger_and_netting_round_trip(store_url: str) -> None:
    first = make_invoice()
    back = make_invoice(id="INV-2026-00002", seller_id=first.buyer_id, buyer_id=first.seller_id, seller=first.buyer,
                        buyer=first.seller)
    with open_store(store_url) as store:
        with store.transaction() as uow:
            repo = BillingRepository(uow.session)
            for invoice in (first, back):
                repo.add_invoice(invoice, invoice_to_ubl(invoice))
                assert repo.post(invoice_postings(invoice)) == 2
            assert repo.post(invoice_postings(first)) == 0
        with store.transaction() as uow:
            repo = BillingRepository(uow.session)
            assert repo.invoice(first.id) == first
            assert repo.ubl(first.id).startswith(b"<?xml")
            for company in repo.ledger_companies():
                assert sum(repo.balances(company).values(), Decimal(0)) == 0
            open_invoices = repo.open_invoices(NOV)
            result = net_invoices(open_invoices, str(NOV))
            assert result.gross_amount == first.payable_amount * 2 and result.payments == []
            repo.close_period(NOV, result)
        with store.transaction() as uow:
            repo = BillingRepository(uow.session)
            assert repo.open_invoices(NOV) == []
            with pytest.raises(BillingError, match="already netted"):
                repo.close_period(NOV, result)


def test_redelivery_and_conflict_on_both_backends(store_url: str) -> None:
    with open_store(store_url) as store:
        with store.transaction() as uow:
            assert BillingRepository(uow.session).record_events(events(4)) == (4, 0)
        with store.transaction() as uow:
            assert BillingRepository(uow.session).record_events(events(5)) == (1, 4)
        with pytest.raises(IdempotencyConflict, match="evt-2"), store.transaction() as uow:
            BillingRepository(uow.session).record_events([*events(7)[5:], events(3, minutes=99)[2]])
        with store.transaction() as uow:
            assert len(BillingRepository(uow.session).events(NOV)) == 5


def test_credit_note_needs_its_stored_invoice_and_nothing_half_written(store_url: str) -> None:
    invoice = make_invoice()
    credit = credit_note_for(invoice, credit_note_id="CN-1", issue_date=date(2026, 11, 5), reason="x")
    with open_store(store_url) as store:
        with pytest.raises(BillingError, match=r"^billing_reference"), store.transaction() as uow:
            repo = BillingRepository(uow.session)
            repo.post(invoice_postings(credit))
            repo.add_invoice(credit, invoice_to_ubl(credit))
        with store.transaction() as uow:
            repo = BillingRepository(uow.session)
            assert repo.invoice_rows() == [] and repo.ledger_companies() == []


def test_migration_matches_the_tables(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from fabnet.store.schema import full_metadata

    with open_store(f"sqlite:///{tmp_path / 'm.sqlite'}") as store, store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, full_metadata()) if "billing" in str(d)]
        assert "0002_billing" in store.revisions().current
    assert differences == []
