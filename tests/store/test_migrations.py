"""Migrations: from an empty database to the newest schema, matching the table definitions exactly."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Table, inspect

from fabnet.store import StoreError, heads, open_store, revisions, upgrade
from fabnet.store.engine import make_engine
from fabnet.store.schema import full_metadata, table_module_names
from fabnet.store.tables import metadata

FOUNDATION_TABLES = {"hubs", "companies", "fieldlabs", "machines", "designs", "orders", "process_plans", "schedules",
                     "parts"}


def test_upgrade_from_empty_reaches_every_head_with_the_schema_of_the_tables(empty_url: str) -> None:
    before = revisions(empty_url)
    assert before.current == ()
    assert not before.up_to_date
    # two processes starting at once on a fresh database: one migrates, the other waits and finds it done
    with ThreadPoolExecutor(max_workers=2) as pool:
        for started in [pool.submit(upgrade, empty_url) for _ in range(2)]:
            started.result()
    assert revisions(empty_url).current == heads()
    assert revisions(empty_url).up_to_date
    upgrade(empty_url)  # nothing left to do, nothing fails
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) >= FOUNDATION_TABLES
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, full_metadata())
            assert [d for d in differences if _table_of(d) in FOUNDATION_TABLES] == []
            foreign_keys = inspect(connection).get_foreign_keys("orders")
            assert {fk["referred_table"] for fk in foreign_keys} == {"companies", "designs"}
            # alembic does not compare CHECK constraints, so their names are checked here
            checks = {check["name"] for check in inspect(connection).get_check_constraints("orders")}
            assert checks == {c.name for c in metadata.tables["orders"].constraints if isinstance(c, CheckConstraint)}
            assert checks == {"ck_orders_quantity_positive", "ck_orders_due_after_release"}
    finally:
        engine.dispose()


def test_an_unmigrated_database_asks_for_an_upgrade(empty_url: str) -> None:
    with open_store(empty_url, migrate=False) as unmigrated:
        assert not unmigrated.revisions().up_to_date
        with pytest.raises(StoreError, match=r"missing tables .*run `fabnet db upgrade`"), \
                unmigrated.transaction() as uow:
            uow.companies.count()


def test_open_store_migrates_by_default(sqlite_url: str) -> None:
    with open_store(sqlite_url) as migrated:
        assert migrated.revisions().up_to_date
        with migrated.transaction() as uow:
            assert uow.companies.count() == 0


def test_in_memory_sqlite_works_as_one_database() -> None:
    with open_store("sqlite://") as store:
        with store.transaction() as uow:
            assert uow.hubs.count() == 0
        assert store.revisions().up_to_date


def test_every_store_module_is_found_for_the_metadata() -> None:
    names = table_module_names()
    assert "fabnet.store.tables" in names
    assert not any("migrations" in name for name in names)
    assert full_metadata() is metadata
    assert set(metadata.tables) >= FOUNDATION_TABLES


def _table_of(difference: Any) -> str:
    """The table a compare_metadata difference is about: a (kind, object, ...) or (kind, schema, table, ...) tuple,
    or a list of those for column changes."""
    item = difference[0] if isinstance(difference, list) else difference
    subject = item[1]
    if isinstance(subject, Table):
        return subject.name
    if hasattr(subject, "table"):  # an index or constraint
        return subject.table.name
    return item[2]
