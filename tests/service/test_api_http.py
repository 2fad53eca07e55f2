"""The JSON API of a real node process over HTTP: import, reads and writes with tokens, errors as JSON, writes that
survive a restart, and an OpenAPI document that lists every route of the API."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi.routing import APIRoute

from fabnet.domain.access import Role
from fabnet.service.api_routers import API_MODULES
from fabnet.service.testbed import Service
from service.api_support import COMPANY, SCENARIO, node_process


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, dict[Role, str]]]:
    with node_process(tmp_path_factory.mktemp("http-node")) as started:
        yield started


def _client(service: Service, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=service.url, headers=headers, timeout=60.0)


def test_import_then_read_and_write_over_http(node: tuple[Service, dict[Role, str]]) -> None:
    service, tokens = node
    with _client(service, tokens[Role.ADMIN]) as admin, _client(service, tokens[Role.PLANNER]) as planner:
        imported = admin.post("/api/v1/import", json={"scenario": SCENARIO, "company_id": COMPANY})
        assert imported.status_code == 200, imported.text
        assert imported.json()["orders"] == 25
        order = planner.get("/api/v1/orders?limit=1").json()["items"][0]
        created = planner.post("/api/v1/orders", json={**order, "id": "http-1", "status": "received"})
        assert created.status_code == 201
        assert planner.get("/api/v1/orders/http-1").json()["timeline"][0]["actor"] == "planner"
        wrong = planner.post("/api/v1/orders", json={**order, "id": "http-2", "quantity": -3})
        assert wrong.status_code == 422 and wrong.headers["content-type"] == "application/json"
        assert "quantity" in wrong.json()["error"]
    with _client(service, None) as anonymous:
        assert anonymous.get("/api/v1/orders").status_code == 401
    with _client(service, tokens[Role.VIEWER]) as viewer:
        refused = viewer.post("/api/v1/orders/http-1/status", json={"status": "on_hold"})
        assert refused.status_code == 403 and "planner" in refused.json()["error"]


def test_writes_survive_a_restart(node: tuple[Service, dict[Role, str]]) -> None:
    service, tokens = node
    with _client(service, tokens[Role.PLANNER]) as planner:
        if planner.get("/api/v1/orders/http-1").status_code == 404:
            pytest.skip("needs the import test first")
        planner.post("/api/v1/orders/http-1/status", json={"status": "on_hold", "note": "before restart"})
    service.stop(kill=True)
    service.start()
    service.wait_ready("/.well-known/dspace-version")
    with _client(service, tokens[Role.VIEWER]) as viewer:
        order = viewer.get("/api/v1/orders/http-1").json()
        assert order["status"] == "on_hold" and order["timeline"][-1]["note"] == "before restart"


def test_openapi_lists_every_route(node: tuple[Service, dict[Role, str]]) -> None:
    service, _ = node
    document = httpx.get(service.url + "/openapi.json", timeout=30).json()
    listed = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routes = [route for module in API_MODULES for route in module.router.routes if isinstance(route, APIRoute)]
    assert len(routes) >= 30
    for route in routes:
        for method in route.methods:
            assert (route.path, method) in listed, f"{method} {route.path} is missing from /openapi.json"
            operation = document["paths"][route.path][method.lower()]
            assert operation.get("summary"), f"{method} {route.path} has no summary"
    assert httpx.get(service.url + "/docs", timeout=30).status_code == 200

