"""Who may do what on a node: roles, principals, the API token format and login throttling (rules only, no I/O)."""

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A user's role. Everyone authenticated may read; each role writes its own area; admin writes everything."""

    ADMIN = "admin"
    PLANNER = "planner"
    OPERATOR = "operator"
    VIEWER = "viewer"


WRITES: dict[Role, str] = {
    Role.ADMIN: "everything, including users and tokens",
    Role.PLANNER: "machines, designs, orders, plans, schedules, forecasts",
    Role.OPERATOR: "quality measurements, part holds and verdicts",
    Role.VIEWER: "nothing (read only)",
}
"""What each role may change, as the documentation and the CLI describe it."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    username: str
    role: Role

    def may(self, roles: Iterable[Role]) -> bool:
        """True if this principal holds one of `roles`; admin may do everything."""
        return self.role is Role.ADMIN or self.role in set(roles)


USERNAME = re.compile(r"[a-z][a-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
"""A bound on the work one login asks of the KDF."""


def check_username(name: str) -> str:
    """`name` if it is a valid username, else ValueError saying why."""
    if not USERNAME.fullmatch(name):
        raise ValueError(f"username: {name!r} must be 1-64 characters a-z 0-9 . _ -, starting with a letter")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"password: must be at most {MAX_PASSWORD_LENGTH} characters")
    return password


class TokenKind(StrEnum):
    API = "api"
    """Made for a program or script (`fabnet node token`, POST /api/v1/auth/tokens)."""
    SESSION = "session"
    """Made by a login; short-lived, carried in the session cookie."""


TOKEN_PREFIX = "fbn_"
TOKEN_ID_HEX = 16
SECRET_BYTES = 32


@dataclass(frozen=True)
class TokenParts:
    """An API token `fbn_<id>_<secret>`: the id finds the stored row, the secret is only kept as its SHA-256."""

    token_id: str
    secret: str

    @property
    def text(self) -> str:
        return f"{TOKEN_PREFIX}{self.token_id}_{self.secret}"

    @property
    def digest(self) -> str:
        return secret_digest(self.secret)


def new_token() -> TokenParts:
    return TokenParts(secrets.token_hex(TOKEN_ID_HEX // 2), secrets.token_urlsafe(SECRET_BYTES))


def parse_token(text: str) -> TokenParts | None:
    """The parts of a token, or None if `text` does not have the token format."""
    id_end = len(TOKEN_PREFIX) + TOKEN_ID_HEX
    if not text.startswith(TOKEN_PREFIX) or len(text) < id_end + 2 or text[id_end] != "_":
        return None
    token_id, secret = text[len(TOKEN_PREFIX):id_end], text[id_end + 1:]
    if not re.fullmatch(r"[0-9a-f]+", token_id) or not re.fullmatch(r"[A-Za-z0-9_-]+", secret):
        return None
    return TokenParts(token_id, secret)


def secret_digest(secret: str) -> str:
    """SHA-256 of a token secret: the secret has 256 random bits, so a fast hash is enough (no KDF needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()
