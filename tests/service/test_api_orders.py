"""The company, machines, designs and orders over the JSON API: reads, writes, the order life cycle with its timeline,
process plans, invoicing on the way, roles, and bad input answered with a 4xx naming the problem."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fabnet.domain.access import Role
from fabnet.standards.peppol_validation import validate_document
from fabnet.store.billing_tables import InvoiceRow
from service.api_support import COMPANY, ApiNode, api_node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiNode]:
    with api_node(tmp_path_factory.mktemp("orders-node")) as node:
        yield node


def _first(node: ApiNode, path: str) -> dict:
    response = node.client.get(path, headers=node.admin)
    assert response.status_code == 200, response.text
    return response.json()["items"][0]


def _new_order(node: ApiNode, order_id: str, **changes: object) -> dict:
    template = _first(node, "/api/v1/orders")
    return {**template, "id": order_id, "status": "received", **changes}


def test_company_is_the_imported_one(node: ApiNode) -> None:
    body = node.client.get("/api/v1/company", headers=node.as_(Role.VIEWER)).json()
    assert body["company"]["id"] == COMPANY
    assert body["machines"] == 8 and body["orders"] == 25
    assert body["origin"].startswith("2026-11-30T00:00:00")


def test_importing_again_keeps_the_orders_status(node: ApiNode) -> None:
    order = _new_order(node, "reimport-1")
    assert node.client.post("/api/v1/orders", json=order, headers=node.admin).status_code == 201
    node.client.post("/api/v1/orders/reimport-1/status", json={"status": "on_hold"}, headers=node.admin)
    again = node.client.post("/api/v1/import", json={"scenario": "brainport", "company_id": COMPANY},
                             headers=node.admin)
    assert again.status_code == 200
    assert node.client.get("/api/v1/orders/reimport-1", headers=node.admin).json()["status"] == "on_hold"


def test_another_company_cannot_be_imported_into_the_same_node(node: ApiNode) -> None:
    response = node.client.post("/api/v1/import", json={"scenario": "brainport", "company_id": "maaslas"},
                                headers=node.admin)
    assert response.status_code == 409
    assert COMPANY in response.json()["error"]


@pytest.mark.parametrize(("body", "field"), [
    ({"scenario": "atlantis", "company_id": COMPANY}, "scenario"),
    ({"scenario": "brainport", "company_id": "nobody"}, "company_id"),
    ({"scenario": "brainport"}, "company_id"),
    ({"scenario": 7, "company_id": COMPANY}, "scenario"),
])
def test_bad_imports_name_the_field(node: ApiNode, body: dict, field: str) -> None:
    response = node.client.post("/api/v1/import", json=body, headers=node.admin)
    assert response.status_code == 422
    assert field in response.json()["error"]


def test_import_needs_an_admin(node: ApiNode) -> None:
    body = {"scenario": "brainport", "company_id": COMPANY}
    assert node.client.post("/api/v1/import", json=body, headers=node.as_(Role.PLANNER)).status_code == 403
    assert node.client.post("/api/v1/import", json=body).status_code == 401


def test_machines_read_add_replace(node: ApiNode) -> None:
    machines = node.client.get("/api/v1/machines?limit=3", headers=node.as_(Role.VIEWER)).json()
    assert machines["total"] == 8 and len(machines["items"]) == 3
    machine = {**machines["items"][0], "id": "kp-new-laser", "name": "New laser"}
    added = node.client.post("/api/v1/machines", json=machine, headers=node.as_(Role.PLANNER))
    assert added.status_code == 201
    again = node.client.post("/api/v1/machines", json=machine, headers=node.as_(Role.PLANNER))
    assert again.status_code == 409 and "exists" in again.json()["error"]
    renamed = node.client.put("/api/v1/machines/kp-new-laser", json={**machine, "name": "Renamed"},
                              headers=node.as_(Role.PLANNER))
    assert renamed.status_code == 200
    assert node.client.get("/api/v1/machines/kp-new-laser", headers=node.admin).json()["name"] == "Renamed"


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"company_id": "maaslas"}, 422, "company_id"),
    ({"power_kw": -1}, 422, "power_kw"),
    ({"skills": []}, 422, "skills"),
    ({"hourly_rate_eur": "lots"}, 422, "hourly_rate_eur"),
    ({"colour": "red"}, 422, "colour"),
])
def test_bad_machines_are_refused_naming_the_field(node: ApiNode, change: dict, status: int, words: str) -> None:
    machine = {**_first(node, "/api/v1/machines"), "id": "kp-bad", **change}
    response = node.client.post("/api/v1/machines", json=machine, headers=node.admin)
    assert response.status_code == status
    assert words in response.json()["error"]
    assert node.client.get("/api/v1/machines/kp-bad", headers=node.admin).status_code == 404


def test_put_with_another_id_in_the_body_is_refused(node: ApiNode) -> None:
    machine = _first(node, "/api/v1/machines")
    response = node.client.put("/api/v1/machines/other-id", json=machine, headers=node.admin)
    assert response.status_code == 422 and "other-id" in response.json()["error"]


def test_designs(node: ApiNode) -> None:
    design = _first(node, "/api/v1/designs")
    assert node.client.get(f"/api/v1/designs/{design['id']}", headers=node.admin).json()["id"] == design["id"]
    copy = {**design, "id": "copy-of-" + design["id"]}
    assert node.client.post("/api/v1/designs", json=copy, headers=node.as_(Role.PLANNER)).status_code == 201
    orphan = {**design, "id": "orphan", "owner_id": "nobody"}
    refused = node.client.post("/api/v1/designs", json=orphan, headers=node.admin)
    assert refused.status_code == 422 and "owner_id" in refused.json()["error"]
    assert node.client.get("/api/v1/designs/nope", headers=node.admin).status_code == 404


def test_viewer_and_operator_may_not_write_orders(node: ApiNode) -> None:
    order = _new_order(node, "not-allowed")
    for role in (Role.VIEWER, Role.OPERATOR):
        response = node.client.post("/api/v1/orders", json=order, headers=node.as_(role))
        assert response.status_code == 403
        assert "planner" in response.json()["error"]
    assert node.client.get("/api/v1/orders/not-allowed", headers=node.admin).status_code == 404


@pytest.mark.parametrize(("change", "words"), [
    ({"quantity": 0}, "quantity"),
    ({"quantity": "many"}, "quantity"),
    ({"due": "2020-01-01T00:00:00Z"}, "due"),
    ({"design_id": "no-such-design"}, "design_id"),
    ({"customer_id": "no-such-company"}, "customer_id"),
    ({"supplier_id": "maaslas"}, "supplier_id"),
    ({"status": "lost"}, "status"),
    ({"id": ""}, "id"),
])
def test_bad_orders_are_refused_naming_the_field(node: ApiNode, change: dict, words: str) -> None:
    order = _new_order(node, "bad-order", **change)
    before = node.client.get("/api/v1/orders", headers=node.admin).json()["total"]
    response = node.client.post("/api/v1/orders", json=order, headers=node.admin)
    assert response.status_code == 422, response.text
    assert words in response.json()["error"]
    assert node.client.get("/api/v1/orders", headers=node.admin).json()["total"] == before


def test_missing_field_and_wrong_json_are_4xx(node: ApiNode) -> None:
    order = _new_order(node, "missing-quantity")
    del order["quantity"]
    missing = node.client.post("/api/v1/orders", json=order, headers=node.admin)
    assert missing.status_code == 422 and "quantity" in missing.json()["error"]
    broken = node.client.post("/api/v1/orders", content=b"{not json", headers={**node.admin,
                                                                             "content-type": "application/json"})
    assert 400 <= broken.status_code < 500 and "error" in broken.json()


def test_order_life_from_received_to_invoiced(node: ApiNode) -> None:
    order = _new_order(node, "life-1")
    created = node.client.post("/api/v1/orders", json=order, headers=node.as_(Role.PLANNER))
    assert created.status_code == 201
    assert created.json()["timeline"][0]["status"] == "received"
    assert node.client.get("/api/v1/orders/life-1/plan", headers=node.admin).status_code == 404
    plan = node.client.post("/api/v1/orders/life-1/plan", headers=node.as_(Role.PLANNER)).json()
    assert plan["plan"]["quantity"] == order["quantity"] and plan["plan"]["operations"]
    assert node.client.get("/api/v1/orders/life-1/plan", headers=node.admin).json() == plan
    for status in ("scheduled", "in_production", "completed"):
        moved = node.client.post("/api/v1/orders/life-1/status", json={"status": status, "note": f"to {status}"},
                                 headers=node.as_(Role.PLANNER))
        assert moved.status_code == 200, moved.text
    invoiced = node.client.post("/api/v1/orders/life-1/status", json={"status": "invoiced"}, headers=node.admin)
    body = invoiced.json()
    assert body["status"] == "invoiced" and body["invoice_id"]
    assert [e["status"] for e in body["timeline"]] == ["received", "planned", "scheduled", "in_production",
                                                       "completed", "invoiced"]
    assert all(e["actor"] in ("planner", "admin") for e in body["timeline"])
    ubl = node.client.get(f"/api/v1/invoices/{body['invoice_id']}/ubl", headers=node.as_(Role.VIEWER))
    assert ubl.headers["content-type"].startswith("application/xml")
    assert validate_document(ubl.content, body["invoice_id"]).valid
    invoice = node.client.get(f"/api/v1/invoices/{body['invoice_id']}", headers=node.admin).json()
    assert invoice["order_id"] == "life-1" and invoice["seller_id"] == COMPANY
    listed = node.client.get("/api/v1/invoices", headers=node.admin).json()["items"]
    assert body["invoice_id"] in {i["id"] for i in listed}


def test_a_final_status_cannot_change(node: ApiNode) -> None:
    node.client.post("/api/v1/orders", json=_new_order(node, "cancel-1"), headers=node.admin)
    assert node.client.post("/api/v1/orders/cancel-1/status", json={"status": "cancelled"},
                            headers=node.admin).status_code == 200
    again = node.client.post("/api/v1/orders/cancel-1/status", json={"status": "received"}, headers=node.admin)
    assert again.status_code == 409 and "cancelled" in again.json()["error"]


def test_a_failed_invoice_changes_nothing(node: ApiNode) -> None:
    """A design the company cannot make at all (only powder coating, which it lacks) gives nothing to invoice: the
    order stays completed and no invoice is stored."""
    design = _first(node, "/api/v1/designs")
    coating = {**design, "id": "coat-only", "bom": [], "cad_files": [],
               "features": {"coated_area_m2": 0.5, "coating_colour": "RAL9005"}}
    assert node.client.post("/api/v1/designs", json=coating, headers=node.admin).status_code == 201, coating
    node.client.post("/api/v1/orders", json=_new_order(node, "coat-1", design_id="coat-only"), headers=node.admin)
    for status in ("scheduled", "in_production", "completed"):
        node.client.post("/api/v1/orders/coat-1/status", json={"status": status}, headers=node.admin)
    with node.store.transaction() as uow:
        before = uow.session.execute(select(func.count()).select_from(InvoiceRow)).scalar_one()
    refused = node.client.post("/api/v1/orders/coat-1/status", json={"status": "invoiced"}, headers=node.admin)
    assert refused.status_code == 409, refused.text
    assert "coat-1" in refused.json()["error"]
    order = node.client.get("/api/v1/orders/coat-1", headers=node.admin).json()
    assert order["status"] == "completed" and order["invoice_id"] is None
    assert node.client.get("/api/v1/orders/coat-1/plan", headers=node.admin).status_code == 404
    with node.store.transaction() as uow:
        assert uow.session.execute(select(func.count()).select_from(InvoiceRow)).scalar_one() == before


def test_unknown_ids_are_404_naming_them(node: ApiNode) -> None:
    for path in ("/api/v1/orders/nope", "/api/v1/machines/nope", "/api/v1/designs/nope", "/api/v1/parts/nope",
                 "/api/v1/invoices/nope", "/api/v1/invoices/nope/ubl", "/api/v1/orders/nope/plan"):
        response = node.client.get(path, headers=node.admin)
        assert response.status_code == 404, path
        assert "nope" in response.json()["error"]


def test_paging_and_filters(node: ApiNode) -> None:
    everything = node.client.get("/api/v1/orders?limit=1000", headers=node.admin).json()
    pages = [node.client.get(f"/api/v1/orders?limit=7&offset={k}", headers=node.admin).json()["items"]
             for k in range(0, everything["total"], 7)]
    assert [o["id"] for p in pages for o in p] == [o["id"] for o in everything["items"]]
    held = node.client.get("/api/v1/orders?status=on_hold", headers=node.admin).json()["items"]
    assert held and all(o["status"] == "on_hold" for o in held)
    assert node.client.get("/api/v1/orders?limit=0", headers=node.admin).status_code == 422
    assert node.client.get("/api/v1/orders?status=lost", headers=node.admin).status_code == 422


def test_before_any_import_the_api_says_what_to_do(tmp_path: Path) -> None:
    with api_node(tmp_path, company=None) as empty:
        for path in ("/api/v1/company", "/api/v1/orders", "/api/v1/machines", "/shells"):
            response = empty.client.get(path, headers=empty.admin)
            assert response.status_code == 409, path
            assert "/api/v1/import" in response.json()["error"]
