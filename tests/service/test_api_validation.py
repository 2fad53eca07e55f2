"""Property: whatever body arrives at a write endpoint, the answer is 2xx or a 4xx `{"error": ...}`, never a 5xx,
and a refused request leaves every table exactly as it was."""

import hashlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from fabnet.store.schema import full_metadata
from service.api_support import ApiNode, api_node, measurement

WATCHED = ("machines", "designs", "orders", "parts", "order_events", "order_plans", "quality_measurements",
           "quality_alarms", "quality_streams", "billing_invoices", "companies", "node_profile")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiNode]:
    with api_node(tmp_path_factory.mktemp("validation-node")) as node:
        yield node


@pytest.fixture(scope="module")
def templates(node: ApiNode) -> dict[str, dict[str, Any]]:
    """A valid body per endpoint, from the node's own records (so that small changes hit real checks)."""

    def first(path: str) -> dict:
        return node.client.get(path, headers=node.admin).json()["items"][0]

    order = first("/api/v1/orders")
    return {
        "/api/v1/orders": {**order, "id": "fuzz-order"},
        "/api/v1/machines": {**first("/api/v1/machines"), "id": "fuzz-machine"},
        "/api/v1/designs": {**first("/api/v1/designs"), "id": "fuzz-design"},
        "/api/v1/parts": {"id": "fuzz-part", "order_id": order["id"], "design_id": order["design_id"], "serial": "1"},
        "/api/v1/quality/measurements": {"measurements": [measurement("kp-laser-12", 1.0)]},
        f"/api/v1/orders/{order['id']}/status": {"status": "on_hold", "note": "fuzz"},
        "/api/v1/import": {"scenario": "brainport", "company_id": "kempenplaat"},
    }


def fingerprint(node: ApiNode) -> str:
    digest = hashlib.sha256()
    tables = full_metadata().tables
    with node.store.engine.connect() as connection:
        for name in WATCHED:
            table = tables[name]
            for row in connection.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
        digest.update(repr(connection.execute(text("SELECT count(*) FROM billing_postings")).scalar()).encode())
    return digest.hexdigest()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def bodies(draw: st.DrawFn, templates: dict[str, dict[str, Any]]) -> tuple[str, Any]:
    path = draw(st.sampled_from(sorted(templates)))
    template = templates[path]
    how = draw(st.sampled_from(["replace", "drop", "extra", "anything"]))
    if how == "anything":
        return path, draw(json_values)
    body = dict(template)
    field = draw(st.sampled_from(sorted(template)))
    if how == "replace":
        body[field] = draw(json_values)
    elif how == "drop":
        del body[field]
    else:
        body[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    return path, body


def test_random_bodies_are_answered_2xx_or_4xx_and_refusals_store_nothing(
    node: ApiNode, templates: dict[str, dict[str, Any]]
) -> None:
    seen: Counter[int] = Counter()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(bodies(templates))
    def check(request: tuple[str, Any]) -> None:
        path, body = request
        before = fingerprint(node)
        response = node.client.post(path, json=body, headers=node.admin)
        assert response.status_code < 500, (path, body, response.text)
        seen[response.status_code // 100] += 1
        if response.status_code >= 400:
            assert isinstance(response.json().get("error"), str) and response.json()["error"]
            assert fingerprint(node) == before, (path, body, response.status_code)

    check()
    assert seen[4] > 50 and seen[2] > 0, seen  # both refusals and accepted writes were exercised
