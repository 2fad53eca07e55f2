"""With FABNET_DATABASE_URL set, every node of the network demo gets a PostgreSQL schema of its own: migrated there,
and what one node stores is not in another's."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from fabnet.scenarios import load_scenario
from fabnet.scenarios.demo_network.nodes import node_database_url, prepare_schema
from fabnet.service.node_runtime import open_node_store
from fabnet.store.engine import URL_VARIABLE

pytestmark = pytest.mark.postgres


def test_each_node_has_its_own_schema(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_VARIABLE, postgres_url)
    network = load_scenario("brainport")
    first, second = network.companies[0], network.companies[1]
    urls = {c.id: node_database_url(tmp_path / c.id, c.id) for c in (first, second)}
    assert len(set(urls.values())) == 2 and all("search_path" in url for url in urls.values())
    for company in (first, second):
        prepare_schema(urls[company.id])
        store = open_node_store(urls[company.id])
        try:
            with store.transaction() as uow:
                for hub in network.hubs:
                    uow.hubs.put(hub)
                uow.companies.put(company)
                uow.machines.put(network.machines_of(company.id)[0])
        finally:
            store.close()
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            for company in (first, second):
                schema = "node_" + company.id.replace("-", "_")
                tables = set(connection.execute(text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
                ).scalars())
                assert {"alembic_version", "companies", "exchange_negotiations"} <= tables, tables
                stored = set(connection.execute(text(f'SELECT id FROM "{schema}".companies')).scalars())
                assert stored == {company.id}
    finally:
        engine.dispose()
    prepare_schema(urls[first.id])  # a fresh run starts from an empty schema
    store = open_node_store(urls[first.id])
    try:
        with store.transaction() as uow:
            assert uow.companies.count() == 0
    finally:
        store.close()
