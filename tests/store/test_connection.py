"""Which database is used, and the one-line errors for URLs that cannot work."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.samples import hub
from fabnet.store import Store, StoreError, database_url, open_store, upgrade


def test_database_url_prefers_explicit_then_environment_then_local_sqlite(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FABNET_DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'fabnet.sqlite'}"
    monkeypatch.setenv("FABNET_DATABASE_URL", "postgresql+psycopg://db.example:5433/fabnet")
    assert database_url() == "postgresql+psycopg://db.example:5433/fabnet"
    assert database_url("sqlite:///elsewhere.sqlite") == "sqlite:///elsewhere.sqlite"


def test_default_store_is_a_sqlite_file_in_the_working_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FABNET_DATABASE_URL", raising=False)
    with open_store() as store:
        assert store.url == f"sqlite:///{tmp_path / 'fabnet.sqlite'}"
    assert (tmp_path / "fabnet.sqlite").is_file()


def test_unreachable_postgres_names_host_and_port() -> None:
    with pytest.raises(StoreError, match=r"^cannot connect to PostgreSQL at 127\.0\.0\.1:1/fabnet: .*refused"):
        open_store("postgresql://someone:secret@127.0.0.1:1/fabnet")


def test_missing_postgres_database_is_named(postgres_url: str) -> None:
    with pytest.raises(StoreError, match='database "no_such_db_for_fabnet" does not exist'):
        upgrade(postgres_url.rsplit("/", 1)[0] + "/no_such_db_for_fabnet")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not-a-url", "is not valid"),
        ("://nothing", "is not valid"),
        ("oracle://scott:tiger@db/orcl", "unsupported database 'oracle' (fabnet supports sqlite, postgresql)"),
        ("postgresql+nodriver://127.0.0.1/x", "driver not available"),
    ],
)
def test_unusable_urls_are_refused_in_one_line_without_the_password(url: str, reason: str) -> None:
    with pytest.raises(StoreError) as raised:
        open_store(url)
    message = str(raised.value)
    assert reason in message
    assert "\n" not in message
    assert "tiger" not in message


def test_a_database_from_a_newer_fabnet_is_not_touched(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    with open_store(sqlite_url, migrate=False) as store, store.transaction() as uow:
        uow.session.execute(text("DELETE FROM alembic_version"))
        uow.session.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_future')"))
    with pytest.raises(StoreError, match=r"^cannot migrate .*Can't locate revision identified by '9999_future'"):
        upgrade(sqlite_url)


def test_a_failing_statement_is_a_one_line_store_error_and_rolls_back(store: Store) -> None:
    with pytest.raises(StoreError, match=r"^database error in .*no_such_function") as raised, \
            store.transaction() as uow:
        uow.hubs.put(hub())
        uow.session.execute(text("SELECT no_such_function()"))
    assert "\n" not in str(raised.value)
    with store.transaction() as uow:
        assert uow.hubs.count() == 0
    assert repr(store).startswith("Store('")


def test_a_lost_connection_is_named(postgres_schemas: Callable[[], str]) -> None:
    with open_store(postgres_schemas(), migrate=False) as store:
        with pytest.raises(StoreError, match=r"^lost the connection to PostgreSQL at 127\.0\.0\.1:5432/test"), \
                store.transaction() as uow:
            uow.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        with store.transaction() as uow:  # the pool replaces the dead connection
            assert uow.session.execute(text("SELECT 1")).scalar_one() == 1
