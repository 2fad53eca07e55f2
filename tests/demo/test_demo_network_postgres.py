"""With FABNET_DATABASE_URL set, every node of the network demo gets a PostgreSQL schema of its own: migrated there,
and what one node stores is not in another's."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from fabnet.scenarios import load_scenario
from fabnet.scenarios.demo_network.nodes import node_database_url, prepare_schema, start_network
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


@pytest.mark.slow
def test_nodes_started_with_the_variable_set_use_their_own_schema(postgres_url: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The variable is in the environment the node processes inherit, and the configuration layers put it before
    the URL in a node's file: the network must keep it from them, or every node would share one schema (and the
    demo's admin token, written into the node's own schema, would not be found)."""
    monkeypatch.setenv(URL_VARIABLE, postgres_url)
    scenario = load_scenario("brainport")
    two = scenario.model_copy(update={"companies": scenario.companies[:2]})
    running = start_network(two, tmp_path / "network", scenario="brainport")
    try:
        for node in running.nodes.values():
            assert "search_path%3Dnode_" in node.database_url
            company = httpx.get(node.url + "/api/v1/company", headers=node.auth, timeout=30.0)
            assert company.status_code == 200, company.text
            assert company.json()["company"]["id"] == node.company_id
            with node.store() as store, store.transaction() as uow:
                assert {o.supplier_id for o in uow.orders.list()} == {node.company_id}
        assert (tmp_path / "network" / "hub" / "hub.sqlite").is_file(), "the hub keeps SQLite in its folder"
    finally:
        running.stop()
