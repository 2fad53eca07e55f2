"""What the browser tests share besides fixtures: the node handle, sign-in, screenshots for people to look at, and
two nodes that exchange a design over the Dataspace Protocol."""

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from fabnet.domain.access import Role
from fabnet.service import users
from fabnet.service.node_runtime import open_node_store
from fabnet.service.testbed import NodeSpec, Service, Testbed

PASSWORD = "dashboard pass 2026"
SCREENS = Path(os.environ.get("FABNET_SCREENS_DIR", "/tmp/fab/screens"))


@dataclass(frozen=True)
class DashboardNode:
    url: str
    hub_url: str
    admin_token: str
    planner: str = "plan"
    password: str = PASSWORD

    def api(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        return httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=120.0, **kwargs)


def sign_in(page: object, node: DashboardNode, username: str | None = None, password: str | None = None) -> None:
    page.goto(node.url + "/")
    page.fill("#username", username or node.planner)
    page.fill("#password", password or node.password)
    page.click("form.login button[type=submit]")


def screenshot(page: object, name: str) -> None:
    """Keep a picture of the page for people to look at (not compared: pixels differ between machines)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


DESIGN_ASSET = "urn:fabnet:asset:bracket-fr210-design"
DESIGN_BYTES = 200_000
"""195.3 KiB, as the page shows it."""


@dataclass(frozen=True)
class ContractPair:
    """A supplier and a buyer node after one contract and one completed transfer of the supplier's design."""

    supplier: DashboardNode
    buyer: DashboardNode
    supplier_member: str
    buyer_member: str
    agreement_id: str
    buyer_transfer: str
    supplier_transfer: str
    size: int


def _manage(service: Service, method: str, path: str, **kwargs: object) -> dict:
    answer = httpx.request(method, f"{service.url}/manage{path}", timeout=60.0, **kwargs)  # type: ignore[arg-type]
    assert answer.status_code in (200, 201), f"{method} {path}: {answer.status_code} {answer.text[:300]}"
    return answer.json()


def _wait_state(service: Service, kind: str, pid: str, *states: str) -> dict:
    return _manage(service, "GET", f"/{kind}/{pid}", params={"wait_for": ",".join(states), "timeout": 60})


def _dashboard_users(bed: Testbed, service: Service) -> DashboardNode:
    store = open_node_store(f"sqlite:///{bed.root / service.name / 'data' / 'node.sqlite'}")
    try:
        users.add_user(store, "root", Role.ADMIN, None)
        users.add_user(store, "plan", Role.PLANNER, PASSWORD)
        token = users.issue_token(store, "root", timedelta(hours=2))
    finally:
        store.close()
    assert bed.hub is not None
    return DashboardNode(service.url, bed.hub.url, token)


def exchange_a_design(bed: Testbed, folder: Path) -> ContractPair:
    """Start a supplier offering a design and a buyer; the buyer negotiates it (FINALIZED) and transfers it
    (COMPLETED on both sides), all over DSP between the two processes."""
    design = folder / "bracket-fr210.step"
    design.write_bytes(os.urandom(DESIGN_BYTES))
    asset = {"id": DESIGN_ASSET, "title": "Bracket fr-210", "kind": "design", "path": str(design)}
    supplier, buyer = bed.start_nodes([NodeSpec("supplier", "10000001", assets=[asset]),
                                       NodeSpec("buyer", "10000002")])
    bed.refresh_trust()
    negotiation = _manage(buyer, "POST", "/negotiations",
                          json={"peer_url": supplier.url, "offer_id": f"{DESIGN_ASSET}:offer"})
    agreed = _wait_state(buyer, "negotiations", negotiation["pid"], "FINALIZED", "TERMINATED")
    assert agreed["state"] == "FINALIZED", agreed
    started = _manage(buyer, "POST", "/transfers", json={"agreement_id": agreed["agreement_id"], "auto": True})
    moved = _wait_state(buyer, "transfers", started["pid"], "COMPLETED", "TERMINATED")
    assert moved["state"] == "COMPLETED", moved
    supplier_transfer = moved["peer_pid"]
    assert _wait_state(supplier, "transfers", supplier_transfer, "COMPLETED")["state"] == "COMPLETED"
    return ContractPair(_dashboard_users(bed, supplier), _dashboard_users(bed, buyer), bed.member_id("supplier"),
                        bed.member_id("buyer"), agreed["agreement_id"], started["pid"], supplier_transfer,
                        DESIGN_BYTES)
