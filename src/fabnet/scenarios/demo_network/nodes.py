"""The network as processes: the hub and one node per company (`service.testbed`), each with its own database
(SQLite in its folder, or a PostgreSQL schema of its own) holding its own slice of the scenario."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from fabnet.domain import Company, RegionalNetwork
from fabnet.scenarios.demo_network.hub_catalog import publish_listings
from fabnet.service import users
from fabnet.service.node_runtime import open_node_store
from fabnet.service.testbed import NodeSpec, Service, Testbed
from fabnet.store import Store
from fabnet.store.engine import URL_VARIABLE, parse_url

ADMIN_USER = "admin"
ADMIN_ROLE = "admin"
NODE_READY_TIMEOUT_S = 240.0
"""The nodes boot at the same time and share the machine's cores: each imports the whole node app first."""


def member_id(company_id: str) -> str:
    return f"urn:fabnet:member:{company_id}"


def node_database_url(folder: Path, company_id: str) -> str:
    """SQLite in the node's folder; with FABNET_DATABASE_URL set, a PostgreSQL schema of the node's own there."""
    shared = os.environ.get(URL_VARIABLE, "").strip()
    if not shared:
        return f"sqlite:///{(folder / 'data' / 'node.sqlite').resolve()}"
    schema = "node_" + re.sub(r"[^a-z0-9_]", "_", company_id.lower())
    url = parse_url(shared)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def prepare_schema(url: str) -> None:
    """A PostgreSQL URL naming a schema (via `search_path`) gets a fresh, empty schema; SQLite needs nothing."""
    parsed = parse_url(url)
    options = parsed.query.get("options")
    if parsed.get_backend_name() != "postgresql" or not isinstance(options, str) or "search_path=" not in options:
        return
    schema = options.split("search_path=", 1)[1].split()[0]
    engine = create_engine(parsed.difference_update_query(["options"]), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()


@dataclass
class CompanyNode:
    """One company's node: the process, its database and (once created) an admin login for its dashboards."""

    company_id: str
    service: Service
    database_url: str
    records: dict[str, int]
    admin_password: str | None = None
    admin_token: str | None = None

    @property
    def url(self) -> str:
        return self.service.url

    @property
    def member_id(self) -> str:
        return member_id(self.company_id)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The node's own database, opened by the demo next to the running node (WAL / PostgreSQL allow that)."""
        store = open_node_store(self.database_url)
        try:
            yield store
        finally:
            store.close()


@dataclass
class RunningNetwork:
    testbed: Testbed
    nodes: dict[str, CompanyNode] = field(default_factory=dict)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=httpx.Timeout(10.0, read=120.0)))
    listed_machines: int = 0
    """machines the nodes published to the hub's catalog"""
    node_settings: dict[str, object] = field(default_factory=dict)
    """settings every node's configuration gets (e.g. the telemetry broker)"""

    @property
    def hub_url(self) -> str:
        assert self.testbed.hub is not None
        return self.testbed.hub.url

    @property
    def services(self) -> list[Service]:
        return [s for s in (self.testbed.hub, *(n.service for n in self.nodes.values())) if s is not None]

    def node(self, company_id: str) -> CompanyNode:
        return self.nodes[company_id]

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after a grace period): no orphans, whatever happened."""
        self.http.close()
        self.testbed.stop()


def start_network(network: RegionalNetwork, root: Path, *, scenario: str, admin_password: str | None = None,
                  on_step: Callable[[str, int], None] = lambda _detail, _steps: None,
                  node_settings: Mapping[str, object] | None = None) -> RunningNetwork:
    """Start the hub and one node per company (in parallel, each migrating its own database), give every node an
    admin (with `admin_password` a login for the dashboards, else API tokens only), load each company's slice of
    the scenario through its node's `POST /api/v1/import`, publish each company's machines to the hub's catalog
    with its node's credential, and add the hub's member directory to every node.
    `node_settings` go into every node's configuration. On any failure every started process is stopped.
    `on_step` hears of progress (a detail, steps done)."""
    testbed = Testbed(root, own_databases=True)  # each node's URL is in its file, its own schema there
    running = RunningNetwork(testbed, node_settings=dict(node_settings or {}))
    try:
        testbed.start_hub()
        on_step(f"hub up at {testbed.hub.url if testbed.hub else '?'}; starting {len(network.companies)} nodes", 1)
        specs = [_spec(testbed, company, running.node_settings) for company in network.companies]
        services = testbed.start_nodes(specs, timeout=NODE_READY_TIMEOUT_S)
        testbed.refresh_trust()
        for company, spec, service in zip(network.companies, specs, services, strict=True):
            running.nodes[company.id] = _with_admin(CompanyNode(company.id, service, spec.extra["database_url"], {},
                                                                admin_password))
        with ThreadPoolExecutor(max_workers=4) as pool:
            for node, imported in zip(running.nodes.values(), pool.map(
                    lambda n: _import(running, n, scenario), running.nodes.values()), strict=True):
                node.records = imported
                on_step(f"{node.company_id}: {imported['orders']} orders, {imported['machines']} machines", 1)
        running.listed_machines = publish_listings(testbed, running.hub_url, network)
        on_step(f"{running.listed_machines} machines published to the hub's catalog", 0)
        for node in running.nodes.values():
            _add_directory(node, network)
    except BaseException:
        running.stop()
        raise
    return running


def join_network(running: RunningNetwork, network: RegionalNetwork, company_id: str) -> CompanyNode:
    """A company of `network` (given whole: e.g. the scenario with a company added) joins the running network the
    way the others did: onboarded at the hub, its node started and given its slice, its machines published to the
    hub's catalog, and every node's member directory extended."""
    company = network.company(company_id)
    spec = _spec(running.testbed, company, running.node_settings)
    (service,) = running.testbed.start_nodes([spec], timeout=NODE_READY_TIMEOUT_S)
    running.testbed.refresh_trust()
    node = running.nodes[company.id] = _with_admin(CompanyNode(company.id, service, spec.extra["database_url"], {}))
    node.records = _import(running, node, network.name, network)
    running.listed_machines += publish_listings(running.testbed, running.hub_url, network, (company.id,))
    for each in running.nodes.values():
        _add_directory(each, network)
    return node


def _spec(testbed: Testbed, company: Company, settings: Mapping[str, object]) -> NodeSpec:
    folder = testbed.root / company.id
    (folder / "data").mkdir(parents=True, exist_ok=True)
    url = node_database_url(folder, company.id)
    prepare_schema(url)
    return NodeSpec(company.id, company.kvk, extra={"database_url": url, "retry_max_delay_s": 2.0, **settings})


def _with_admin(node: CompanyNode) -> CompanyNode:
    with node.store() as store:
        users.add_user(store, ADMIN_USER, ADMIN_ROLE, node.admin_password)
        node.admin_token = users.issue_token(store, ADMIN_USER, name="fabnet demo")
    return node


def _add_directory(node: CompanyNode, network: RegionalNetwork) -> None:
    """The hubs and member companies the node does not hold yet (its slice names only its own partners)."""
    with node.store() as store, store.transaction() as uow:
        for hub in network.hubs:
            if uow.hubs.find(hub.id) is None:
                uow.hubs.put(hub)
        for company in network.companies:
            if uow.companies.find(company.id) is None:
                uow.companies.put(company)


def _import(running: RunningNetwork, node: CompanyNode, scenario: str,
            network: RegionalNetwork | None = None) -> dict[str, int]:
    body: dict[str, object] = {"scenario": scenario, "company_id": node.company_id}
    if network is not None:
        body["network"] = network.model_dump(mode="json", exclude_computed_fields=True)
    response = running.http.post(node.url + "/api/v1/import", json=body, headers=node.auth)
    if response.status_code != 200:
        raise RuntimeError(f"node {node.company_id}: import refused ({response.status_code}): {response.text[:200]}")
    answer = response.json()
    return {kind: answer[kind] for kind in ("companies", "machines", "designs", "orders")}
