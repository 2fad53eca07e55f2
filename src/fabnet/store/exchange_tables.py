"""The connector's tables: negotiations, transfers, outbox and inbox, used token ids, audit log, received assets."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fabnet.store.tables import Base

PID_LENGTH = 200


class ExchangeAssetRow(Base):
    """An asset this node offers (provider side); `document` is the validated `fabnet.exchange.catalog.Asset`."""

    __tablename__ = "exchange_assets"

    id: Mapped[str] = mapped_column(String(PID_LENGTH), primary_key=True)
    document: Mapped[dict[str, Any]]


class NegotiationRow(Base):
    __tablename__ = "exchange_negotiations"

    pid: Mapped[str] = mapped_column(String(PID_LENGTH), primary_key=True, comment="this node's process id")
    role: Mapped[str] = mapped_column(String(10))
    peer_pid: Mapped[str | None] = mapped_column(String(PID_LENGTH), index=True)
    peer_member: Mapped[str] = mapped_column(String(PID_LENGTH), index=True)
    peer_address: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), index=True)
    dataset_id: Mapped[str] = mapped_column(String(PID_LENGTH))
    offer: Mapped[dict[str, Any]]
    agreement_id: Mapped[str | None] = mapped_column(String(PID_LENGTH), unique=True)
    agreement: Mapped[dict[str, Any] | None]
    auto: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_exchange_negotiations_peer", "peer_member", "peer_pid"),)


class TransferRow(Base):
    __tablename__ = "exchange_transfers"

    pid: Mapped[str] = mapped_column(String(PID_LENGTH), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))
    peer_pid: Mapped[str | None] = mapped_column(String(PID_LENGTH), index=True)
    peer_member: Mapped[str] = mapped_column(String(PID_LENGTH), index=True)
    peer_address: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), index=True)
    agreement_id: Mapped[str] = mapped_column(String(PID_LENGTH), index=True)
    format: Mapped[str] = mapped_column(String(100))
    data_token: Mapped[str | None] = mapped_column(String(100))
    data_endpoint: Mapped[str | None] = mapped_column(Text)
    auto: Mapped[bool] = mapped_column(Boolean, default=True)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OutboxRow(Base):
    """A message committed with the state change that caused it; the delivery worker sends it at least once."""

    __tablename__ = "exchange_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    process_pid: Mapped[str] = mapped_column(String(PID_LENGTH), index=True)
    recipient: Mapped[str] = mapped_column(String(PID_LENGTH))
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, comment="the exact JSON sent, so its hash is stable across retries")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class InboxRow(Base):
    """A message taken in, by sender and message id, with the answer given, so a redelivery gets the same one."""

    __tablename__ = "exchange_inbox"

    sender: Mapped[str] = mapped_column(String(PID_LENGTH), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    receipt: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]


class UsedTokenRow(Base):
    """A self-issued token id seen before its expiry: a second use is a replay."""

    __tablename__ = "exchange_used_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender: Mapped[str] = mapped_column(String(PID_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AuditRow(Base):
    __tablename__ = "exchange_audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))
    peer: Mapped[str] = mapped_column(String(PID_LENGTH))
    message_type: Mapped[str] = mapped_column(String(60))
    process_id: Mapped[str] = mapped_column(String(PID_LENGTH), index=True)
    message_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)


class ReceivedAssetRow(Base):
    """An asset received under an agreement, kept encrypted at rest; each use is checked against `policy`."""

    __tablename__ = "exchange_received_assets"

    id: Mapped[str] = mapped_column(String(PID_LENGTH), primary_key=True, comment="the consumer transfer pid")
    agreement_id: Mapped[str] = mapped_column(String(PID_LENGTH), index=True)
    asset_id: Mapped[str] = mapped_column(String(PID_LENGTH))
    provider: Mapped[str] = mapped_column(String(PID_LENGTH))
    path: Mapped[str] = mapped_column(Text)
    policy: Mapped[dict[str, Any]]
    content_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    deleted_at: Mapped[datetime | None]
    received_at: Mapped[datetime]


class UsageLogRow(Base):
    __tablename__ = "exchange_usage_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_asset_id: Mapped[str] = mapped_column(String(PID_LENGTH), index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(Text)
    allowed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)


EXCHANGE_TABLES = [
    row.__table__
    for row in (
        ExchangeAssetRow, NegotiationRow, TransferRow, OutboxRow, InboxRow, UsedTokenRow, AuditRow,
        ReceivedAssetRow, UsageLogRow,
    )
]
