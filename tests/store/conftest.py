"""Backends for the store tests: a SQLite file and a random schema on the real PostgreSQL, fresh per test run.

Each backend is migrated once per run; `store` empties every table after each test, so tests stay independent
without paying for a migration each. Tests of migrations themselves take the fresh `empty_url`.
"""

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from fabnet.store import Store, open_store, upgrade
from fabnet.store.schema import full_metadata

BACKENDS = ("sqlite", "postgresql")


def sqlite_file_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'fabnet.sqlite'}"


@pytest.fixture(scope="session")
def postgres_schemas(postgres_url: str) -> Iterator[Callable[[], str]]:
    """A factory of fresh schemas on the PostgreSQL server (as URLs with their search_path); all dropped at the end."""
    conninfo = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    made: list[str] = []

    def fresh_schema_url() -> str:
        schema = f"fabnet_test_{secrets.token_hex(6)}"
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        made.append(schema)
        separator = "&" if "?" in postgres_url else "?"
        return f"{postgres_url}{separator}options={quote(f'-csearch_path={schema}')}"

    yield fresh_schema_url
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for schema in made:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file that does not exist yet."""
    return sqlite_file_url(tmp_path)


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with nothing in it, not even tables; once per backend."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_schemas")()
    return sqlite_file_url(tmp_path)


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a database migrated to the newest schema, shared by the tests of one run."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_schemas")()
    else:
        url = sqlite_file_url(tmp_path_factory.mktemp("store"))
    upgrade(url)
    return url


@pytest.fixture
def url(migrated_url: str) -> Iterator[str]:
    """A migrated, empty database; emptied again after the test."""
    yield migrated_url
    with open_store(migrated_url, migrate=False) as cleaner, cleaner.transaction() as uow:
        for table in reversed(full_metadata().sorted_tables):
            uow.session.execute(delete(table))


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = open_store(url, migrate=False)
    yield opened
    opened.close()
