"""Login throttle: failed logins in the node's database, so that every process of a node (and a restart) counts them.

Revision ID: 0006_login_throttle
Revises: 0004_access
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_login_throttle"
down_revision: str | Sequence[str] | None = "0004_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "access_login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failed_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_login_failures")),
    )
    op.create_index(op.f("ix_access_login_failures_username"), "access_login_failures", ["username"])
    op.create_index(op.f("ix_access_login_failures_failed_at"), "access_login_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_access_login_failures_failed_at"), table_name="access_login_failures")
    op.drop_index(op.f("ix_access_login_failures_username"), table_name="access_login_failures")
    op.drop_table("access_login_failures")
