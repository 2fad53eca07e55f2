"""A node's KPI report over real HTTP: a hub and a node as processes, the node's company imported, scheduled,
forecast and some parts made; `GET /api/v1/network/kpi-report` previews, `POST` sends it signed to the hub."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from billing.samples import BUYER, SELLER, make_invoice
from fabnet.domain.access import Role
from fabnet.service import testbed as processes
from fabnet.service import users
from fabnet.service.hub_api_auth import admin_token
from fabnet.service.node_runtime import open_node_store
from fabnet.service.testbed import NodeSpec
from fabnet.standards.ubl import invoice_to_ubl
from fabnet.store.billing_tables import BillingRepository

COMPANY = "kempenplaat"
PERIOD = "2026"  # the brainport scenario's horizon starts on 2026-11-30
PARTS = 6


@dataclass
class Node:
    url: str
    hub_url: str
    tokens: dict[Role, str]

    def call(self, method: str, path: str, role: Role = Role.ADMIN, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=120.0, **kwargs)


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[processes.Testbed, Node]]:
    testbed = processes.Testbed(tmp_path_factory.mktemp("node-kpis"))
    try:
        testbed.start_hub()
        service = testbed.start_node(NodeSpec(COMPANY, "99120411"))
        store = open_node_store(f"sqlite:///{Path(testbed.root) / COMPANY / 'data' / 'node.sqlite'}")
        try:
            tokens = {}
            for role in (Role.ADMIN, Role.PLANNER):
                users.add_user(store, role.value, role)
                tokens[role] = users.issue_token(store, role.value, timedelta(hours=1))
        finally:
            store.close()
        assert testbed.hub is not None
        node = Node(service.url, testbed.hub.url, tokens)
        for path, body in (("/import", {"scenario": "brainport", "company_id": COMPANY}),
                           ("/schedule", {"time_limit_s": 3}), ("/forecast", {"replications": 5})):
            answer = node.call("POST", path, json=body)
            assert answer.status_code in (200, 201), f"POST {path}: {answer.text[:300]}"
        _make_parts(node)
        _file_invoices(Path(testbed.root) / COMPANY / "data" / "node.sqlite")
        yield testbed, node
    finally:
        testbed.stop()


def _make_parts(node: Node) -> None:
    """Parts of the first scheduled order along its scheduled route (1.5 kWh a step); one held, one scrapped."""
    operations = node.call("GET", "/schedule").json()["operations"]
    order_id = operations[0]["order_id"]
    order = node.call("GET", f"/orders/{order_id}").json()["order"]
    route = [{"operation_id": op["operation_id"], "machine_id": op["machine_id"], "start": op["start"],
              "end": op["end"], "energy_kwh": 1.5} for op in operations if op["order_id"] == order_id]
    for n in range(PARTS):
        part = {"id": f"{order_id}-k{n}", "order_id": order_id, "design_id": order["design_id"], "serial": f"K{n}",
                "route": route}
        assert node.call("POST", "/parts", json=part).status_code == 201
    assert node.call("POST", f"/parts/{order_id}-k0/hold").status_code == 200
    assert node.call("POST", f"/parts/{order_id}-k1/verdict", json={"verdict": "scrapped"}).status_code == 200


def _file_invoices(database: Path) -> None:
    """Two invoices the company received (one of another year) and one it issued, as billing files them."""
    own = SELLER.model_copy(update={"id": COMPANY})
    invoices = [make_invoice(id="IN-1", buyer_id=COMPANY, buyer=own),
                make_invoice(id="IN-2", buyer_id=COMPANY, buyer=own, issue_date=date(2025, 6, 1),
                             due_date=date(2025, 7, 1)),
                make_invoice(id="OUT-1", seller_id=COMPANY, seller=own, buyer_id=BUYER.id, buyer=BUYER,
                             lines=make_invoice().lines[:1])]
    store = open_node_store(f"sqlite:///{database}")
    try:
        with store.transaction() as uow:
            repo = BillingRepository(uow.session)
            for invoice in invoices:
                repo.add_invoice(invoice, invoice_to_ubl(invoice))
    finally:
        store.close()


def test_the_preview_is_computed_from_the_nodes_own_records(bed: tuple[processes.Testbed, Node]) -> None:
    _, node = bed
    answer = node.call("GET", "/network/kpi-report", params={"period": PERIOD})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["member_id"] == f"urn:fabnet:member:{COMPANY}" and report["company_id"] == COMPANY
    schedule = node.call("GET", "/schedule").json()
    changeover = report["changeover"]
    assert changeover["scheduled_minutes"] == schedule["total_setup_min"]
    assert changeover["operations"] == len(schedule["operations"])
    assert changeover["fcfs_minutes"] >= 0
    assert report["parts_made"] == PARTS
    assert report["defects"] == {"parts_held": 1, "parts_rejected": 1, "alarms_raised": 0, "defects_escaped": None}
    resources = report["resources"]
    steps = len([op for op in schedule["operations"] if op["order_id"] == schedule["operations"][0]["order_id"]])
    assert resources["source"] == "parts" and resources["parts"] == PARTS
    assert resources["energy_kwh"] == pytest.approx(PARTS * steps * 1.5)
    assert resources["material_kg"] > 0
    amounts = {i["id"]: Decimal(i["payable_amount"]) for i in node.call("GET", "/invoices").json()["items"]}
    owes = amounts["IN-1"] - amounts["OUT-1"]  # 2025's invoice is not of this period
    assert owes > 0
    assert report["netting"] == {"invoices": 1, "invoiced_eur": f"{amounts['IN-1']:.2f}", "payments_after_netting": 1,
                                 "settled_after_netting_eur": f"{owes:.2f}"}
    # nothing of another year; a bad period or a role other than admin is refused
    assert node.call("GET", "/network/kpi-report", params={"period": "2025"}).json()["parts_made"] == 0
    assert "period" in node.call("GET", "/network/kpi-report", params={"period": "2026-13"}).json()["error"]
    assert node.call("GET", "/network/kpi-report", Role.PLANNER).status_code == 403
    assert node.call("POST", "/network/kpi-report", Role.PLANNER).status_code == 403


def test_the_node_sends_its_report_and_a_resent_one_replaces_it(bed: tuple[processes.Testbed, Node]) -> None:
    testbed, node = bed
    before = httpx.get(f"{node.hub_url}/api/v1/kpis", params={"period": PERIOD}, timeout=30).json()
    assert before["members_reporting"] == 0 and before["changeover_hours_saved"] is None
    sent = node.call("POST", "/network/kpi-report", params={"period": PERIOD})
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["hub_url"] == node.hub_url and body["replaced"] is False
    report = body["report"]
    assert testbed.registry is not None  # one member's figures: the hub shows them to its operator only
    operator = {"Authorization": f"Bearer {admin_token(testbed.registry.config)}"}
    kpis = httpx.get(f"{node.hub_url}/api/v1/kpis", params={"period": PERIOD}, headers=operator, timeout=30).json()
    assert kpis["members_reporting"] == 1 and kpis["coverage"]["changeover"]["members_reporting"] == 1
    saved = (report["changeover"]["fcfs_minutes"] - report["changeover"]["scheduled_minutes"]) / 60
    assert kpis["changeover_hours_saved"] == pytest.approx(saved, abs=1e-3)
    assert kpis["parts_made"] == PARTS and kpis["defects_stopped"] == 2
    assert kpis["energy_kwh_per_part"] == pytest.approx(report["resources"]["energy_kwh"] / PARTS)
    netting = report["netting"]
    assert kpis["coverage"]["netting"] == {"source": "reports", "members_reporting": 1}
    assert Decimal(kpis["money_movement_saved_eur"]) == (Decimal(netting["invoiced_eur"])
                                                         - Decimal(netting["settled_after_netting_eur"]))

    again = node.call("POST", "/network/kpi-report", params={"period": PERIOD})
    assert again.status_code == 200 and again.json()["replaced"] is True
    kpis = httpx.get(f"{node.hub_url}/api/v1/kpis", params={"period": PERIOD}, headers=operator, timeout=30).json()
    assert kpis["parts_made"] == PARTS and kpis["defects_stopped"] == 2  # replaced, not doubled
    assert kpis["changeover_hours_saved"] == pytest.approx(saved, abs=1e-3)

    assert testbed.registry is not None
    testbed.registry.revoke(f"urn:fabnet:member:{COMPANY}")
    refused = node.call("POST", "/network/kpi-report", params={"period": PERIOD})
    assert refused.status_code == 502 and "403" in refused.json()["error"]
