"""Billing: usage events, invoices, ledger postings and entries, price lists, netting runs.

Revision ID: 0002_billing
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_billing"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(120)
KEY = sa.String(200)
MONEY = sa.Numeric(18, 2)


def document() -> sa.Column:
    return sa.Column("document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "billing_events",
        sa.Column("idempotency_key", KEY, nullable=False),
        sa.Column("subject", ID, nullable=False),
        sa.Column("meter", ID, nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        document(),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_billing_events"),
    )
    for column in ("subject", "meter", "timestamp"):
        op.create_index(f"ix_billing_events_{column}", "billing_events", [column])

    op.create_table(
        "billing_invoices",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("buyer_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("billing_reference", ID, nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payable_amount", MONEY, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        document(),
        sa.Column("ubl", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_billing_invoices"),
    )
    for column in ("seller_id", "buyer_id", "order_id", "billing_reference", "issue_date", "status"):
        op.create_index(f"ix_billing_invoices_{column}", "billing_invoices", [column])

    op.create_table(
        "billing_postings",
        sa.Column("key", KEY, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        document(),
        sa.PrimaryKeyConstraint("key", name="pk_billing_postings"),
    )
    op.create_index("ix_billing_postings_company_id", "billing_postings", ["company_id"])

    op.create_table(
        "billing_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("posting_key", KEY, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(["posting_key"], ["billing_postings.key"],
                                name="fk_billing_entries_posting_key_billing_postings"),
        sa.PrimaryKeyConstraint("id", name="pk_billing_entries"),
    )
    for column in ("posting_key", "company_id", "account"):
        op.create_index(f"ix_billing_entries_{column}", "billing_entries", [column])

    op.create_table(
        "billing_price_lists",
        sa.Column("company_id", ID, nullable=False),
        document(),
        sa.PrimaryKeyConstraint("company_id", name="pk_billing_price_lists"),
    )

    op.create_table(
        "billing_netting_runs",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        document(),
        sa.PrimaryKeyConstraint("period", name="pk_billing_netting_runs"),
    )


def downgrade() -> None:
    for table in ("billing_netting_runs", "billing_price_lists", "billing_entries", "billing_postings",
                  "billing_invoices", "billing_events"):
        op.drop_table(table)
