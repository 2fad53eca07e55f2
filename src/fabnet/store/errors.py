"""StoreError and the translation of database failures into one-line messages that name the cause."""

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError


class StoreError(Exception):
    """A storage failure the user can act on; the message is one line naming the problem."""


def display(url: URL) -> str:
    """The URL as safe to print: the password hidden."""
    return url.render_as_string(hide_password=True)


def location(url: URL) -> str:
    """Where the database lives, for messages: the file of SQLite, host:port/database otherwise."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}" if url.database and url.database != ":memory:" else "in-memory SQLite"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def driver_reason(error: DBAPIError) -> str:
    """The driver's own reason, reduced to one line (PostgreSQL's DETAIL line is kept: it names the key)."""
    lines = [line.strip() for line in str(error.orig).splitlines() if line.strip()]
    if not lines:
        return type(error.orig).__name__
    reason = lines[0]
    # libpq: 'connection failed: connection to server at "h", port 1 failed: Connection refused'
    if reason.startswith("connection failed:"):
        reason = reason.rsplit("failed: ", 1)[1]
    reason = reason.removeprefix("FATAL:").strip()
    # "Key (design_id)=(x) is not present…" helps; "Failing row contains (…the whole document…)" does not
    keys = (line.removeprefix("DETAIL:").strip() for line in lines[1:] if line.startswith("DETAIL:  Key "))
    detail = next(keys, None)
    return f"{reason} ({detail})" if detail else reason


def connection_error(url: URL, error: DBAPIError) -> StoreError:
    """A failure to reach or open the database."""
    reason = driver_reason(error)
    if url.get_backend_name() == "sqlite":
        return StoreError(f"cannot open {location(url)}: {reason} (does its folder exist and is it writable?)")
    return StoreError(f"cannot connect to {location(url)}: {reason}")


def statement_error(url: URL, error: DBAPIError) -> StoreError:
    """A failure while running a statement, with a hint where the fix is known."""
    reason = driver_reason(error)
    if isinstance(error, IntegrityError):
        return StoreError(f"constraint violated in {location(url)}: {reason}")
    missing_table = "no such table" in reason or ("relation" in reason and "does not exist" in reason)
    if isinstance(error, OperationalError | ProgrammingError) and missing_table:
        return StoreError(f"{location(url)} is missing tables ({reason}): run `fabnet db upgrade`")
    if isinstance(error, OperationalError) and error.connection_invalidated:
        return StoreError(f"lost the connection to {location(url)}: {reason}")
    return StoreError(f"database error in {location(url)}: {reason}")
