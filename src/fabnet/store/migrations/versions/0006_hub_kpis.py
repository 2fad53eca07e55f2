"""Hub: members' KPI reports (changeovers against FCFS, defects stopped, energy and material, netting), one per
member and period.

Revision ID: 0006_hub_kpis
Revises: 0005_hub
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_hub_kpis"
down_revision: str | Sequence[str] | None = "0005_hub"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hub_kpi_reports",
        sa.Column("member_id", sa.String(200), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("generated_at", MOMENT, nullable=False),
        sa.Column("received_at", MOMENT, nullable=False),
        sa.Column("document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "period", name=op.f("pk_hub_kpi_reports")),
    )
    op.create_index(op.f("ix_hub_kpi_reports_first_day"), "hub_kpi_reports", ["first_day"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_kpi_reports_first_day"), table_name="hub_kpi_reports")
    op.drop_table("hub_kpi_reports")
