"""Which database to use, and an engine set up for it: SQLite with foreign keys and real transactions, PostgreSQL."""

import os
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from fabnet.store.errors import StoreError, connection_error

URL_VARIABLE = "FABNET_DATABASE_URL"
DEFAULT_SQLITE_FILE = "fabnet.sqlite"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
POSTGRES_CONNECT_TIMEOUT_S = 10
SQLITE_BEGIN_OPTION = "fabnet_sqlite_begin"
"""Execution option naming the BEGIN statement of a SQLite connection, e.g. "BEGIN IMMEDIATE" to take the write
lock at once."""
_DRIVER_ALIASES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}


def database_url(explicit: str | None = None) -> str:
    """The URL to use: `explicit`, else $FABNET_DATABASE_URL, else the SQLite file ./fabnet.sqlite (absolute)."""
    if explicit:
        return explicit
    from_environment = os.environ.get(URL_VARIABLE, "").strip()
    if from_environment:
        return from_environment
    return f"sqlite:///{Path(DEFAULT_SQLITE_FILE).resolve()}"


def parse_url(url: str) -> URL:
    """A checked SQLAlchemy URL; plain `postgresql://` means the psycopg 3 driver fabnet ships with."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"database URL {_mask_password(url)!r} is not valid: expected e.g. sqlite:///path/fabnet.sqlite or "
            "postgresql+psycopg://user@host:5432/database"
        ) from None
    if parsed.drivername in _DRIVER_ALIASES:
        parsed = parsed.set(drivername=_DRIVER_ALIASES[parsed.drivername])
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(
            f"database URL {_mask_password(url)!r}: unsupported database {backend!r} "
            f"(fabnet supports {', '.join(SUPPORTED_BACKENDS)})"
        )
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for `url` whose connections are checked on first use; StoreError if the URL is unusable."""
    parsed = parse_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            # one shared connection, or every session would see its own empty in-memory database
            options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif "connect_timeout" not in parsed.query:
        options = {"connect_args": {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}}
    try:
        engine = create_engine(parsed, **options)
    except (NoSuchModuleError, ImportError) as error:
        raise StoreError(f"database URL {_mask_password(url)!r}: driver not available ({error})") from None
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
    return engine


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite file URL whose folder exists but whose file does not (yet): an empty database."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    path = Path(parsed.database)
    return path.parent.is_dir() and not path.exists()


def verify_connection(engine: Engine) -> None:
    """Open one connection now, so that an unreachable database fails early with a clear message."""
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        raise connection_error(engine.url, error) from None


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    """Foreign keys on, and BEGIN emitted by SQLAlchemy so that SAVEPOINTs and DDL are transactional.

    Python's sqlite3 driver (before 3.12's `autocommit`) skips BEGIN for SELECT, DDL and SAVEPOINT, which would
    make a rolled-back import leave rows behind; the SQLAlchemy documentation's recipe takes over BEGIN.
    A file database runs in WAL mode, so that a node's web server can read while its workers write.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        if not in_memory:
            _use_wal(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # straight on the driver: through exec_driver_sql, BEGIN costs more than the rest of a small transaction
        statement = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "BEGIN")
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as error:
            raise DBAPIError.instance(statement, (), error, sqlite3.Error) from error


def _use_wal(cursor: Any, attempts: int = 50) -> None:
    """Switch a file database to WAL (persistent in the file). The switch needs an exclusive lock and SQLite
    answers "database is locked" at once, without its busy handler, while another connection holds one — e.g. a
    second process migrating the same fresh file — so wait briefly and retry; WAL is an optimisation, not a
    precondition, so give up quietly if the other connection keeps its lock."""
    for _ in range(attempts):
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)


def _mask_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
