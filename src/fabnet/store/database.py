"""The Store: a database opened (and migrated) once, handing out transactions as units of work."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fabnet.store.engine import database_url, make_engine, verify_connection
from fabnet.store.errors import display, statement_error
from fabnet.store.migrate import Revisions, engine_revisions, upgrade_engine
from fabnet.store.unit_of_work import UnitOfWork


class Store:
    """An open database. Use `with store.transaction() as uow:` for each unit of work; `close()` at the end."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        """The database URL with the password hidden."""
        return display(self.engine.url)

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """One unit of work: committed when the block ends, rolled back on any exception.

        Database failures come out as a one-line StoreError; other exceptions pass through unchanged.
        """
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield UnitOfWork(session)
            session.commit()
        except DBAPIError as error:
            session.rollback()
            raise statement_error(self.engine.url, error) from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def revisions(self) -> Revisions:
        """The migration revisions the database is at, and the heads it should be at."""
        return engine_revisions(self.engine)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open the database at `url` (default: see `database_url`), migrated to the newest schema unless told not to.

    StoreError (one line) when the URL is malformed, the database unreachable or the migration fails.
    """
    engine = make_engine(database_url(url))
    try:
        if migrate:
            upgrade_engine(engine)
        else:
            verify_connection(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)
