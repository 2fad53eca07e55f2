"""The JSON API on PostgreSQL: the same node, its store in a fresh schema of the real server (dropped afterwards)."""

import random
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from sqlalchemy.engine import make_url

from fabnet.domain.access import Role
from fabnet.service.api_quality import MONITOR
from service.api_support import ApiNode, api_node, measurement


@pytest.fixture
def node(postgres_url: str, tmp_path: Path) -> Iterator[ApiNode]:
    conninfo = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"fabnet_api_test_{secrets.token_hex(6)}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in postgres_url else "?"
    try:
        with api_node(tmp_path, database_url=f"{postgres_url}{separator}options={quote(f'-csearch_path={schema}')}") \
                as node:
            yield node
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.postgres
def test_order_life_quality_and_schedule_on_postgresql(node: ApiNode) -> None:
    client, admin = node.client, node.admin
    template = client.get("/api/v1/orders?limit=1", headers=admin).json()["items"][0]
    created = client.post("/api/v1/orders", json={**template, "id": "pg-1", "status": "received"}, headers=admin)
    assert created.status_code == 201, created.text
    assert client.post("/api/v1/orders/pg-1/plan", headers=admin).status_code == 200
    for status in ("scheduled", "in_production", "completed", "invoiced"):
        moved = client.post("/api/v1/orders/pg-1/status", json={"status": status}, headers=node.as_(Role.PLANNER))
        assert moved.status_code == 200, moved.text
    order = client.get("/api/v1/orders/pg-1", headers=admin).json()
    assert order["invoice_id"] and [e["status"] for e in order["timeline"]][-1] == "invoiced"
    assert client.get(f"/api/v1/invoices/{order['invoice_id']}/ubl", headers=admin).status_code == 200
    batch = [measurement("kp-laser-12", 10.0 + 0.01 * (k % 7)) for k in range(30)]
    assert client.post("/api/v1/quality/measurements", json={"measurements": batch}, headers=admin).status_code == 201
    chart = client.get("/api/v1/quality/charts/hole_diameter?chart=ewma", headers=admin).json()
    assert len(chart["points"]) == 30
    rng = random.Random(11)  # in control past phase I, then a shift of 3 sigma: the monitor raises alarms
    values = [10.0 + rng.gauss(0, 0.01) for _ in range(MONITOR.phase1_samples + 20)] + [10.03] * 20
    raised = []
    for start in range(0, len(values), 20):
        batch = [measurement("kp-laser-12", v, "pg_bore") for v in values[start:start + 20]]
        raised += client.post("/api/v1/quality/measurements", json={"measurements": batch}, headers=admin).json()[
            "alarms"]
    alarms = client.get("/api/v1/quality/alarms?limit=1000", headers=admin).json()
    assert raised and alarms["total"] == len(alarms["items"]) >= len(raised)
    assert {a["id"] for a in raised} <= {a["id"] for a in alarms["items"]}
    company = client.get("/api/v1/company", headers=admin).json()
    assert company["orders"] == client.get("/api/v1/orders?limit=1", headers=admin).json()["total"] > 0
    machines = client.get("/api/v1/machines", headers=admin).json()
    assert company["machines"] == machines["total"] == len(machines["items"]) > 0
    refused = client.post("/api/v1/orders", json={**template, "id": "pg-2", "design_id": "nope"}, headers=admin)
    assert refused.status_code == 422 and "design_id" in refused.json()["error"]
    schedule = client.post("/api/v1/schedule", json={"time_limit_s": 1}, headers=admin)
    assert schedule.status_code == 200 and schedule.json()["operations"]
    assert len(client.get("/shells?limit=1000", headers=admin).json()["result"]) > 10
