"""Nodes for the JSON API tests: in-process (TestClient) or a real node process, with a user and token per role and
one brainport company imported."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from fabnet.domain.access import Role
from fabnet.service import users
from fabnet.service.node_app import create_node_app
from fabnet.service.node_config import NodeConfig
from fabnet.service.node_runtime import open_node_store
from fabnet.service.testbed import Service, free_port, serve_command
from fabnet.store import Store

SCENARIO = "brainport"
COMPANY = "kempenplaat"
"""A sheet-metal shop of the scenario: 8 machines, 25 orders, some of which need partners (coating)."""


@dataclass
class ApiNode:
    client: TestClient
    store: Store
    tokens: dict[Role, str]

    def as_(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.as_(Role.ADMIN)


def add_role_users(store: Store) -> dict[Role, str]:
    """A user per role (named after it) and an API token for each."""
    tokens = {}
    for role in Role:
        users.add_user(store, role.value, role)
        tokens[role] = users.issue_token(store, role.value, timedelta(days=1))
    return tokens


@contextmanager
def api_node(folder: Path, company: str | None = COMPANY, database_url: str | None = None) -> Iterator[ApiNode]:
    """An in-process node app (on a SQLite file unless `database_url`); `company` of the brainport scenario
    imported unless None."""
    url = database_url or f"sqlite:///{folder / 'node.sqlite'}"
    app = create_node_app(NodeConfig(data_dir=folder, database_url=url))
    with TestClient(app) as client:
        store = app.state.runtime.store
        node = ApiNode(client, store, add_role_users(store))
        if company is not None:
            response = client.post("/api/v1/import", json={"scenario": SCENARIO, "company_id": company},
                                   headers=node.admin)
            assert response.status_code == 200, response.text
        yield node


@contextmanager
def node_process(folder: Path) -> Iterator[tuple[Service, dict[Role, str]]]:
    """A real node process (uvicorn) on a free loopback port, with role users; nothing imported."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = folder / "node.json"
    config.write_text(json.dumps({"port": port, "data_dir": "data", "member_id": "urn:fabnet:member:api-test"}),
                      encoding="utf-8")
    service = Service("node", f"http://127.0.0.1:{port}", folder, [*serve_command(), "node", "--config", str(config)])
    service.start()
    try:
        service.wait_ready("/.well-known/dspace-version")
        store = open_node_store(f"sqlite:///{folder / 'data' / 'node.sqlite'}")
        try:
            tokens = add_role_users(store)
        finally:
            store.close()
        yield service, tokens
    finally:
        service.stop()


def measurement(machine_id: str, value: float, characteristic: str = "hole_diameter", **extra: object) -> dict:
    return {"characteristic": characteristic, "value": value, "machine_id": machine_id,
            "timestamp": datetime.now(UTC).isoformat(), **extra}
