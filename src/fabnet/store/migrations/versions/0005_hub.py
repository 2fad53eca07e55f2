"""Hub: issued membership credentials, members' capability listings, reported order flows.

Revision ID: 0005_hub
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_hub"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEMBER = sa.String(200)
ID = sa.String(120)
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hub_members",
        sa.Column("member_id", MEMBER, nullable=False),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("issued_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_hub_members")),
    )
    op.create_table(
        "hub_listings",
        sa.Column("company_id", ID, nullable=False),
        sa.Column("kvk", sa.String(8), nullable=False),
        sa.Column("member_id", MEMBER, nullable=True),
        sa.Column("document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("published_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_hub_listings")),
        sa.UniqueConstraint("kvk", name=op.f("uq_hub_listings_kvk")),
    )
    op.create_index(op.f("ix_hub_listings_member_id"), "hub_listings", ["member_id"], unique=False)
    op.create_table(
        "hub_flows",
        sa.Column("from_member", MEMBER, nullable=False),
        sa.Column("to_member", MEMBER, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("value_eur", sa.Numeric(18, 2), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("parent_order_id", ID, nullable=True),
        sa.Column("reported_by", MEMBER, nullable=False),
        sa.Column("reported_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("from_member", "to_member", "order_id", name=op.f("pk_hub_flows")),
    )
    op.create_index(op.f("ix_hub_flows_ordered_on"), "hub_flows", ["ordered_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_flows_ordered_on"), table_name="hub_flows")
    op.drop_table("hub_flows")
    op.drop_index(op.f("ix_hub_listings_member_id"), table_name="hub_listings")
    op.drop_table("hub_listings")
    op.drop_table("hub_members")
