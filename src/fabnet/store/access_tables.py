"""Users, API tokens (only a SHA-256 of each secret is kept) and failed logins of a node; migrations 0004_access and
0006_login_throttle."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fabnet.store.tables import Base

USERNAME_LENGTH = 64


class UserRow(Base):
    __tablename__ = "access_users"

    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(Text)
    """argon2id in PHC string format; None for an account that signs in with API tokens only."""
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class TokenRow(Base):
    __tablename__ = "access_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    owner: Mapped[str] = mapped_column(String(USERNAME_LENGTH), ForeignKey("access_users.username"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    """A `fabnet.domain.access.TokenKind`: "api" (for a program) or "session" (from a login, short-lived)."""
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginFailureRow(Base):
    """One failed login, kept for the throttle's window; in the database so that every process of a node counts it."""

    __tablename__ = "access_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(255))
    """The client's address as the node saw it ("-" when unknown)."""
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), index=True)
    failed_at: Mapped[datetime] = mapped_column(index=True)
