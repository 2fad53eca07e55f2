"""Alembic migrations run from code: the scripts ship inside the package, no alembic.ini is needed."""

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from fabnet.store.engine import SQLITE_BEGIN_OPTION, make_engine, parse_url, sqlite_file_missing, verify_connection
from fabnet.store.errors import StoreError, display, location, statement_error

SCRIPT_LOCATION = "fabnet.store:migrations"
MIGRATION_LOCK_KEY = 0x0FAB_0001
"""The PostgreSQL advisory lock that serialises concurrent migrations of one database."""


@dataclass(frozen=True)
class Revisions:
    """Where a database stands: the revisions it is at and the heads the installed fabnet knows."""

    url: str
    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return set(self.current) == set(self.heads)


def alembic_config(engine: Engine | None = None) -> Config:
    """The Alembic configuration of fabnet's migrations (for `alembic` commands run from Python)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def heads() -> tuple[str, ...]:
    """The head revisions of the migrations shipped with this fabnet (one per branch)."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest revision of every migration branch ("heads")."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine) -> None:
    """Upgrade through an existing engine, in one transaction (one connection, so in-memory SQLite works too)."""
    verify_connection(engine)
    config = alembic_config(engine)
    try:
        with engine.connect() as connection:
            # processes starting together must not both migrate: the first takes the lock, the next finds it done
            connection.execution_options(**{SQLITE_BEGIN_OPTION: "BEGIN IMMEDIATE"})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
    except CommandError as error:
        raise StoreError(f"cannot migrate {location(engine.url)}: {error}") from None
    except DBAPIError as error:
        raise statement_error(engine.url, error) from None


def revisions(url: str) -> Revisions:
    """The revisions the database at `url` is at, and the heads it should be at (a missing SQLite file: none)."""
    if sqlite_file_missing(url):
        return Revisions(url=display(parse_url(url)), current=(), heads=heads())
    engine = make_engine(url)
    try:
        return engine_revisions(engine)
    finally:
        engine.dispose()


def engine_revisions(engine: Engine) -> Revisions:
    verify_connection(engine)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except DBAPIError as error:
        raise statement_error(engine.url, error) from None
    return Revisions(url=display(engine.url), current=tuple(sorted(current)), heads=heads())
