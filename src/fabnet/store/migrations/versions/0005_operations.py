"""Operations: the node's company, order timelines and plans, schedule runs, forecasts, quality data.

Revision ID: 0005_operations
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_operations"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(120)
MOMENT = sa.DateTime(timezone=True)


def document(name: str = "document") -> sa.Column:
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "node_profile",
        sa.Column("key", sa.String(16), nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("scenario", ID, nullable=False),
        sa.Column("origin", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_node_profile"),
    )
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_events"),
    )
    op.create_index("ix_order_events_order_id", "order_events", ["order_id"])
    op.create_table(
        "order_plans",
        sa.Column("order_id", ID, nullable=False),
        sa.Column("planned_at", MOMENT, nullable=False),
        document(),
        sa.PrimaryKeyConstraint("order_id", name="pk_order_plans"),
    )
    op.create_table(
        "schedule_runs",
        sa.Column("company_id", ID, nullable=False),
        sa.Column("solved_at", MOMENT, nullable=False),
        document("problem"),
        document("solution"),
        document("warnings"),
        sa.PrimaryKeyConstraint("company_id", name="pk_schedule_runs"),
    )
    op.create_table(
        "twin_forecasts",
        sa.Column("company_id", ID, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("replications", sa.Integer(), nullable=False),
        document(),
        sa.PrimaryKeyConstraint("company_id", name="pk_twin_forecasts"),
    )
    op.create_table(
        "quality_measurements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("machine_id", ID, nullable=False),
        sa.Column("characteristic", ID, nullable=False),
        sa.Column("part_id", ID, nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        document(),
        sa.PrimaryKeyConstraint("id", name="pk_quality_measurements"),
    )
    for column in ("machine_id", "characteristic", "part_id"):
        op.create_index(f"ix_quality_measurements_{column}", "quality_measurements", [column])
    op.create_table(
        "quality_streams",
        sa.Column("machine_id", ID, nullable=False),
        sa.Column("characteristic", ID, nullable=False),
        document(),
        sa.PrimaryKeyConstraint("machine_id", "characteristic", name="pk_quality_streams"),
    )
    op.create_table(
        "quality_alarms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("measurement_id", sa.Integer(), nullable=False),
        sa.Column("machine_id", ID, nullable=False),
        sa.Column("characteristic", ID, nullable=False),
        sa.Column("part_id", ID, nullable=True),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        document(),
        sa.PrimaryKeyConstraint("id", name="pk_quality_alarms"),
    )
    for column in ("measurement_id", "machine_id", "characteristic"):
        op.create_index(f"ix_quality_alarms_{column}", "quality_alarms", [column])


def downgrade() -> None:
    for table in ("quality_alarms", "quality_streams", "quality_measurements", "twin_forecasts", "schedule_runs",
                  "order_plans", "order_events", "node_profile"):
        op.drop_table(table)
