"""Exchange: negotiations, transfers, outbox and inbox, used token ids, audit log, received assets, usage log.

Revision ID: 0003_exchange
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_exchange"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "exchange_assets",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_assets")),
    )
    op.create_table(
        "exchange_audit",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("peer", sa.String(length=200), nullable=False),
        sa.Column("message_type", sa.String(length=60), nullable=False),
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("message_sha256", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_exchange_audit")),
    )
    with op.batch_alter_table("exchange_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_audit_process_id"), ["process_id"], unique=False)

    op.create_table(
        "exchange_inbox",
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender", "message_id", name=op.f("pk_exchange_inbox")),
    )
    op.create_table(
        "exchange_negotiations",
        sa.Column("pid", sa.String(length=200), nullable=False, comment="this node's process id"),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("peer_pid", sa.String(length=200), nullable=True),
        sa.Column("peer_member", sa.String(length=200), nullable=False),
        sa.Column("peer_address", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("dataset_id", sa.String(length=200), nullable=False),
        sa.Column("offer", DOCUMENT, nullable=False),
        sa.Column("agreement_id", sa.String(length=200), nullable=True),
        sa.Column("agreement", DOCUMENT, nullable=True),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pid", name=op.f("pk_exchange_negotiations")),
        sa.UniqueConstraint("agreement_id", name=op.f("uq_exchange_negotiations_agreement_id")),
    )
    with op.batch_alter_table("exchange_negotiations", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_negotiations_peer", ["peer_member", "peer_pid"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_negotiations_peer_member"), ["peer_member"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_negotiations_peer_pid"), ["peer_pid"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_negotiations_state"), ["state"], unique=False)

    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("process_pid", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column(
            "body", sa.Text(), nullable=False, comment="the exact JSON sent, so its hash is stable across retries"
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_exchange_outbox_message_id")),
    )
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_outbox_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_outbox_process_pid"), ["process_pid"], unique=False)

    op.create_table(
        "exchange_received_assets",
        sa.Column("id", sa.String(length=200), nullable=False, comment="the consumer transfer pid"),
        sa.Column("agreement_id", sa.String(length=200), nullable=False),
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("policy", DOCUMENT, nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_received_assets")),
    )
    with op.batch_alter_table("exchange_received_assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_received_assets_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_received_assets_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "exchange_transfers",
        sa.Column("pid", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("peer_pid", sa.String(length=200), nullable=True),
        sa.Column("peer_member", sa.String(length=200), nullable=False),
        sa.Column("peer_address", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("agreement_id", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=100), nullable=False),
        sa.Column("data_token", sa.String(length=100), nullable=True),
        sa.Column("data_endpoint", sa.Text(), nullable=True),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pid", name=op.f("pk_exchange_transfers")),
    )
    with op.batch_alter_table("exchange_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_transfers_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_transfers_peer_member"), ["peer_member"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_transfers_peer_pid"), ["peer_pid"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_transfers_state"), ["state"], unique=False)

    op.create_table(
        "exchange_usage_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("received_asset_id", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_usage_log")),
    )
    with op.batch_alter_table("exchange_usage_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_usage_log_received_asset_id"), ["received_asset_id"], unique=False
        )

    op.create_table(
        "exchange_used_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_exchange_used_tokens")),
    )
    with op.batch_alter_table("exchange_used_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_used_tokens_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("exchange_used_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_used_tokens_expires_at"))

    op.drop_table("exchange_used_tokens")
    with op.batch_alter_table("exchange_usage_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_usage_log_received_asset_id"))

    op.drop_table("exchange_usage_log")
    with op.batch_alter_table("exchange_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_transfers_state"))
        batch_op.drop_index(batch_op.f("ix_exchange_transfers_peer_pid"))
        batch_op.drop_index(batch_op.f("ix_exchange_transfers_peer_member"))
        batch_op.drop_index(batch_op.f("ix_exchange_transfers_agreement_id"))

    op.drop_table("exchange_transfers")
    with op.batch_alter_table("exchange_received_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_received_assets_expires_at"))
        batch_op.drop_index(batch_op.f("ix_exchange_received_assets_agreement_id"))

    op.drop_table("exchange_received_assets")
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_outbox_process_pid"))
        batch_op.drop_index(batch_op.f("ix_exchange_outbox_next_attempt_at"))

    op.drop_table("exchange_outbox")
    with op.batch_alter_table("exchange_negotiations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_negotiations_state"))
        batch_op.drop_index(batch_op.f("ix_exchange_negotiations_peer_pid"))
        batch_op.drop_index(batch_op.f("ix_exchange_negotiations_peer_member"))
        batch_op.drop_index("ix_exchange_negotiations_peer")

    op.drop_table("exchange_negotiations")
    op.drop_table("exchange_inbox")
    with op.batch_alter_table("exchange_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_audit_process_id"))

    op.drop_table("exchange_audit")
    op.drop_table("exchange_assets")
