"""The node's users and API tokens in its store: add, disable, passwords (argon2id), tokens, login and verification,
the login throttle (failed logins counted in the database) and pruning of ended sessions and tokens."""

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, wraps
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from fabnet.domain.access import (
    MAX_PASSWORD_LENGTH,
    Principal,
    Role,
    TokenKind,
    TokenParts,
    check_password,
    check_username,
    new_token,
    parse_token,
)
from fabnet.store import Store
from fabnet.store.access_tables import LoginFailureRow, TokenRow, UserRow

PASSWORDS = PasswordHasher()
"""argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile); old hashes are upgraded on login."""
SESSION_TTL = timedelta(hours=12)
DEFAULT_TOKEN_TTL = timedelta(days=90)
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""`last_used_at` is written at most this often per token, so that reads do not all become writes."""
WRONG_LOGIN = "username or password is wrong"
VERIFIED_TTL = timedelta(seconds=30)
"""How long a successful token verification is remembered. Revoking, disabling or changing a user in this
process forgets every remembered verification at once; a change made by another process (the CLI) is seen
within this time."""
SESSION_KEPT = timedelta(days=1)
"""An expired or revoked login session is deleted this long after it ended; until then it is refused by name."""
TOKEN_KEPT = timedelta(days=30)
"""An expired or revoked API token is deleted this long after it ended (it stays listed, and refused by name)."""


class UserError(ValueError):
    """Bad input to user management: the message names the field and the reason; `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


class CredentialsRejected(Exception):
    """A token or login that does not authenticate anyone (HTTP 401); the message says why."""


@dataclass(frozen=True)
class UserInfo:
    username: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None
    has_password: bool

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: `token` is the only time the secret is seen."""

    token: str
    token_id: str
    name: str
    owner: str
    role: Role
    expires_at: datetime | None


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    owner: str
    kind: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


F = TypeVar("F", bound=Callable[..., Any])


def _forgets_verified(change: F) -> F:
    """`change` alters users or tokens: remembered verifications are forgotten once it has committed (or failed)."""

    @wraps(change)
    def changing(*args: Any, **kwargs: Any) -> Any:
        try:
            return change(*args, **kwargs)
        finally:
            VERIFIED.forget_all()

    return changing  # type: ignore[return-value]


def now_utc() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every stored moment is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _info(row: UserRow) -> UserInfo:
    return UserInfo(row.username, Role(row.role), utc(row.created_at), utc(row.disabled_at),
                    row.password_hash is not None)


def _token_info(row: TokenRow) -> TokenInfo:
    return TokenInfo(row.id, row.name, row.owner, row.kind, utc(row.created_at), utc(row.expires_at),
                     utc(row.last_used_at), utc(row.revoked_at))


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"role: {role!r} is not one of {', '.join(Role)}") from None


def _checked(check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except ValueError as error:
        raise UserError(str(error)) from None


def hash_password(password: str) -> str:
    return PASSWORDS.hash(_checked(check_password, password))


@cache
def _decoy_hash() -> str:
    """A hash to verify against when the user does not exist, so that a wrong name costs as long as a wrong password."""
    return PASSWORDS.hash(secrets.token_urlsafe(16))


def check_new_user(store: Store, username: str, role: str | Role) -> None:
    """UserError unless `username` is valid and free and `role` exists (checked before asking for a password)."""
    _checked(check_username, username)
    _role(role)
    with store.transaction() as uow:
        if uow.session.get(UserRow, username) is not None:
            raise UserError(f"username: {username!r} exists already", 409)


def add_user(store: Store, username: str, role: str | Role, password: str | None = None,
             *, now: datetime | None = None) -> UserInfo:
    """Create a user; without a password it can only use API tokens. UserError if the name is taken or invalid."""
    _checked(check_username, username)
    checked_role = _role(role)
    password_hash = hash_password(password) if password is not None else None
    with store.transaction() as uow:
        if uow.session.get(UserRow, username) is not None:
            raise UserError(f"username: {username!r} exists already", 409)
        row = UserRow(username=username, role=checked_role.value, password_hash=password_hash,
                      created_at=now or now_utc(), disabled_at=None)
        uow.session.add(row)
        return _info(row)


def _user(session: Session, username: str) -> UserRow:
    row = session.get(UserRow, username)
    if row is None:
        raise UserError(f"username: no user {username!r}", 404)
    return row


@_forgets_verified
def change_user(store: Store, username: str, *, role: str | Role | None = None,
                password: str | None = None) -> UserInfo:
    """Change a user's role and/or password, both or neither (the last active admin stays admin)."""
    checked_role = _role(role) if role is not None else None
    password_hash = hash_password(password) if password is not None else None
    with store.transaction() as uow:
        row = _user(uow.session, username)
        if checked_role is not None:
            if row.role == Role.ADMIN and checked_role is not Role.ADMIN and row.disabled_at is None:
                _keep_an_admin(uow.session, username)
            row.role = checked_role.value
        if password_hash is not None:
            row.password_hash = password_hash
        return _info(row)


def set_password(store: Store, username: str, password: str) -> None:
    change_user(store, username, password=password)


def set_role(store: Store, username: str, role: str | Role) -> UserInfo:
    return change_user(store, username, role=role)


def _keep_an_admin(session: Session, leaving: str) -> None:
    others = session.scalar(
        select(func.count()).select_from(UserRow).where(
            UserRow.role == Role.ADMIN.value, UserRow.disabled_at.is_(None), UserRow.username != leaving))
    if not others:
        raise UserError(f"username: {leaving!r} is the last active admin; add another admin first", 409)


@_forgets_verified
def disable(store: Store, username: str, *, now: datetime | None = None) -> UserInfo:
    """Disable a user and revoke all its tokens; the row stays (who did what remains readable)."""
    moment = now or now_utc()
    with store.transaction() as uow:
        row = _user(uow.session, username)
        if row.disabled_at is None:
            if row.role == Role.ADMIN:
                _keep_an_admin(uow.session, username)
            row.disabled_at = moment
            uow.session.execute(update(TokenRow).where(TokenRow.owner == username, TokenRow.revoked_at.is_(None))
                                .values(revoked_at=moment))
        return _info(row)


def users(store: Store) -> list[UserInfo]:
    with store.transaction() as uow:
        return [_info(row) for row in uow.session.scalars(select(UserRow).order_by(UserRow.username))]


def active_user_count(store: Store) -> int:
    with store.transaction() as uow:
        return uow.session.scalar(select(func.count()).select_from(UserRow).where(UserRow.disabled_at.is_(None)))


def issue(store: Store, username: str, ttl: timedelta | None = DEFAULT_TOKEN_TTL, *, name: str = "api",
          kind: TokenKind = TokenKind.API, now: datetime | None = None) -> IssuedToken:
    """A new token for an active user, valid for `ttl` (None: until revoked)."""
    if not name.strip() or len(name) > 120:
        raise UserError("name: must be 1-120 characters")
    if ttl is not None and ttl <= timedelta(0):
        raise UserError("expires_in_days: must be positive")
    moment = now or now_utc()
    parts: TokenParts = new_token()
    expires_at = moment + ttl if ttl is not None else None
    with store.transaction() as uow:
        user = _user(uow.session, username)
        if user.disabled_at is not None:
            raise UserError(f"username: {username!r} is disabled", 409)
        uow.session.add(TokenRow(id=parts.token_id, secret_sha256=parts.digest, name=name.strip(), owner=username,
                                 kind=kind.value, created_at=moment, expires_at=expires_at))
        return IssuedToken(parts.text, parts.token_id, name.strip(), username, Role(user.role), expires_at)


def issue_token(store: Store, username: str, ttl: timedelta | None = DEFAULT_TOKEN_TTL, *, name: str = "api",
                now: datetime | None = None) -> str:
    """The text of a new API token for `username` (shown once; only its hash is stored)."""
    return issue(store, username, ttl, name=name, now=now).token


def login(store: Store, username: str, password: str, *, now: datetime | None = None,
          ttl: timedelta = SESSION_TTL) -> IssuedToken:
    """A session token for a correct username and password; CredentialsRejected (not saying which was wrong)."""
    with store.transaction() as uow:
        row = uow.session.get(UserRow, username)
        stored = row.password_hash if row is not None and row.disabled_at is None else None
        if not _password_matches(stored, password) or row is None:
            raise CredentialsRejected(WRONG_LOGIN)
        if PASSWORDS.check_needs_rehash(row.password_hash):
            row.password_hash = PASSWORDS.hash(password)
    return issue(store, username, ttl, name="login", kind=TokenKind.SESSION, now=now)


def _password_matches(stored: str | None, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return PASSWORDS.verify(stored or _decoy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


TOKENS = TokenRow.__table__
USERS = UserRow.__table__
FAILURES = LoginFailureRow.__table__


@dataclass(frozen=True)
class _Verified:
    """A token found valid at `checked_at`: usable without the database until `valid_until`."""

    principal: Principal
    checked_at: datetime
    valid_until: datetime


class _VerifiedTokens:
    """Successful verifications by (database, token digest); `forget_all` after any change to users or tokens.

    The generation counter stops a verification that read the database before a revocation from being
    remembered after it.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Verified] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, key: tuple[str, str], moment: datetime) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None or not entry.checked_at <= moment < entry.valid_until:
            return None
        return entry.principal

    def remember(self, key: tuple[str, str], entry: _Verified, generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                if len(self._entries) >= 10_000:  # a bound, not an eviction policy: tokens are few
                    self._entries.clear()
                self._entries[key] = entry

    def forget_all(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()


VERIFIED = _VerifiedTokens()


def verify(store: Store, token: str, now: datetime | None = None) -> Principal:
    """The principal a token stands for; CredentialsRejected naming the problem (malformed, unknown, revoked, …).

    Every authenticated request comes through here: a token verified in the last VERIFIED_TTL (and whose
    `last_used_at` is not due) is answered from memory; otherwise one Core query (no ORM objects) reads it, and
    `last_used_at` is written only when due.
    """
    parts = parse_token(token)
    if parts is None:
        raise CredentialsRejected("token: not a fabnet token")
    moment = now or now_utc()
    key = (str(store.engine.url), parts.digest)
    known = VERIFIED.get(key, moment)
    if known is not None:
        return known
    generation = VERIFIED.generation
    query = (select(TOKENS.c.secret_sha256, TOKENS.c.kind, TOKENS.c.owner, TOKENS.c.expires_at, TOKENS.c.revoked_at,
                    TOKENS.c.last_used_at, USERS.c.role, USERS.c.disabled_at)
             .join(USERS, USERS.c.username == TOKENS.c.owner).where(TOKENS.c.id == parts.token_id))
    with store.engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or not hmac.compare_digest(row.secret_sha256, parts.digest):
        raise CredentialsRejected("token: not valid")
    what = "session" if row.kind == TokenKind.SESSION else "token"
    if row.revoked_at is not None:
        raise CredentialsRejected(f"{what}: revoked at {utc(row.revoked_at).isoformat()}")
    expires_at = utc(row.expires_at)
    if expires_at is not None and moment >= expires_at:
        again = "; log in again" if row.kind == TokenKind.SESSION else ""
        raise CredentialsRejected(f"{what}: expired at {expires_at.isoformat()}{again}")
    if row.disabled_at is not None:
        raise CredentialsRejected(f"user {row.owner!r} is disabled")
    last_used = utc(row.last_used_at)
    if last_used is None or moment - last_used >= LAST_USED_RESOLUTION:
        with store.engine.begin() as connection:
            connection.execute(update(TOKENS).where(TOKENS.c.id == parts.token_id).values(last_used_at=moment))
        last_used = moment
    principal = Principal(row.owner, Role(row.role))
    # remembered until the TTL ends, the token expires or its last use is due to be written, whichever is first
    until = min(moment + VERIFIED_TTL, last_used + LAST_USED_RESOLUTION, expires_at or moment + VERIFIED_TTL)
    VERIFIED.remember(key, _Verified(principal, moment, until), generation)
    return principal


@_forgets_verified
def revoke(store: Store, token_id: str, *, owner: str | None = None, now: datetime | None = None) -> TokenInfo:
    """Revoke a token by id (only among `owner`'s tokens if given); UserError 404 if there is no such token."""
    with store.transaction() as uow:
        row = uow.session.get(TokenRow, token_id)
        if row is None or (owner is not None and row.owner != owner):
            raise UserError(f"token: no token {token_id!r}", 404)
        if row.revoked_at is None:
            row.revoked_at = now or now_utc()
        return _token_info(row)


@_forgets_verified
def revoke_presented(store: Store, token: str, *, now: datetime | None = None) -> None:
    """Revoke the token a caller presented (logout); a malformed or unknown token is ignored."""
    parts = parse_token(token)
    if parts is None:
        return
    with store.transaction() as uow:
        row = uow.session.get(TokenRow, parts.token_id)
        if row is not None and hmac.compare_digest(row.secret_sha256, parts.digest) and row.revoked_at is None:
            row.revoked_at = now or now_utc()


def tokens(store: Store, owner: str | None = None) -> list[TokenInfo]:
    with store.transaction() as uow:
        query = select(TokenRow).order_by(TokenRow.created_at)
        if owner is not None:
            query = query.where(TokenRow.owner == owner)
        return [_token_info(row) for row in uow.session.scalars(query)]


@dataclass(frozen=True)
class Pruned:
    """What `prune` deleted."""

    sessions: int
    tokens: int
    login_failures: int


def prune(store: Store, now: datetime | None = None, *, throttle: "StoredLoginThrottle | None" = None) -> Pruned:
    """Delete sessions that ended more than SESSION_KEPT ago, API tokens that ended more than TOKEN_KEPT ago and
    failed logins older than the throttle's window. Live sessions and tokens are never touched."""
    moment = now or now_utc()
    window = (throttle or LOGIN_THROTTLE).window

    def ended_before(cutoff: datetime) -> object:
        return or_(TOKENS.c.expires_at <= cutoff, TOKENS.c.revoked_at <= cutoff)

    with store.engine.begin() as connection:
        sessions = connection.execute(delete(TOKENS).where(
            TOKENS.c.kind == TokenKind.SESSION.value, ended_before(moment - SESSION_KEPT))).rowcount
        api = connection.execute(delete(TOKENS).where(
            TOKENS.c.kind != TokenKind.SESSION.value, ended_before(moment - TOKEN_KEPT))).rowcount
        failures = connection.execute(delete(FAILURES).where(FAILURES.c.failed_at <= moment - window)).rowcount
    return Pruned(sessions or 0, api or 0, failures or 0)


@dataclass(frozen=True)
class StoredLoginThrottle:
    """Counts failed logins per client and username in the node's database, so that all processes of a node (and a
    restart) share the count; after `max_failures` within `window` further tries are refused until the oldest of
    them has left the window."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)

    def wait(self, store: Store, client: str, username: str, now: datetime) -> timedelta | None:
        """How long the next try must wait, or None if it may try now."""
        query = (select(FAILURES.c.failed_at)
                 .where(FAILURES.c.username == username, FAILURES.c.client == client[:255],
                        FAILURES.c.failed_at > now - self.window)
                 .order_by(FAILURES.c.failed_at.desc()).limit(self.max_failures))
        with store.engine.connect() as connection:
            recent = [utc(moment) for moment in connection.execute(query).scalars()]
        if len(recent) < self.max_failures:
            return None
        return recent[-1] + self.window - now  # when the oldest of the last max_failures leaves the window

    def failed(self, store: Store, client: str, username: str, now: datetime) -> None:
        with store.engine.begin() as connection:
            connection.execute(FAILURES.insert().values(client=client[:255], username=username, failed_at=now))

    def succeeded(self, store: Store, client: str, username: str) -> None:
        with store.engine.begin() as connection:
            connection.execute(delete(FAILURES).where(FAILURES.c.username == username,
                                                      FAILURES.c.client == client[:255]))


LOGIN_THROTTLE = StoredLoginThrottle()
