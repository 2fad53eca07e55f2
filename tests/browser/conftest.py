"""Browser fixtures: Debian's chromium driven by Playwright, a real hub and node (brainport, one company,
scheduled and forecast) serving the dashboards over real HTTP, and two nodes of their own hub that negotiated a
contract and transferred a design over the Dataspace Protocol."""

import os
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from browser.dashboard_support import PASSWORD, ContractPair, DashboardNode, exchange_a_design
from fabnet.domain.access import Role
from fabnet.network.catalog import MachineListing, MemberListing
from fabnet.network.flows import FlowReport
from fabnet.scenarios.loader import load_scenario
from fabnet.service import users
from fabnet.service.hub_api_client import HubClient
from fabnet.service.node_runtime import open_node_store
from fabnet.service.testbed import NodeSpec, Testbed

CHROMIUM = Path("/usr/bin/chromium")
# no network beyond loopback, no background fetches: the dashboards must work offline
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() == "true"
COMPANY = "kempenplaat"
HUB_ID = "urn:fabnet:hub:testbed"  # the id Testbed.start_hub gives its hub
FLOWS_REPORTED = 32  # enough for arrows of different widths; each report is a signed HTTP request
SCENARIO = "brainport"


def _require_chromium() -> None:
    if CHROMIUM.is_file():
        return
    message = (f"Debian's chromium is not installed at {CHROMIUM} "
               "(`make test` installs it as root: apt-get install chromium)")
    if IN_CI:
        pytest.fail(f"{message}; CI=true needs it")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: while Playwright's sync API is open, the main thread counts as running an event loop, so
    every later test's `asyncio.run()` would fail if the browser lived for the whole session."""
    _require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        message = "the Python package playwright is not installed (pip install -e '.[dev]')"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB", timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        yield page
    finally:
        context.close()
    # a 401 before login and a deliberate wrong password show up as console errors of the fetch; scripts must not fail
    script_errors = [e for e in errors if "Failed to load resource" not in e]
    assert not script_errors, f"errors in the page: {script_errors}"


@pytest.fixture(scope="session")
def testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    """A hub and (through `node`) one node as processes; their folders and logs stay in pytest's temporary
    directory (pytest keeps the last few runs) for a look after a failure."""
    bed = Testbed(tmp_path_factory.mktemp("dashboard"))
    try:
        bed.start_hub()
        yield bed
    finally:
        bed.stop()


@pytest.fixture(scope="session")
def node(testbed: Testbed) -> DashboardNode:
    return start_dashboard_node(testbed)


def start_dashboard_node(testbed: Testbed) -> DashboardNode:
    """A node of one brainport company with users, its orders imported, scheduled and forecast by the twin, and
    parts measured by the live monitor."""
    service = testbed.start_node(NodeSpec(COMPANY, "99120401"))
    store = open_node_store(f"sqlite:///{testbed.root / COMPANY / 'data' / 'node.sqlite'}")
    try:
        users.add_user(store, "root", Role.ADMIN, PASSWORD)
        users.add_user(store, "plan", Role.PLANNER, PASSWORD)
        users.add_user(store, "view", Role.VIEWER, PASSWORD)
        token = users.issue_token(store, "root", timedelta(hours=2))
    finally:
        store.close()
    assert testbed.hub is not None
    dashboard = DashboardNode(service.url, testbed.hub.url, token)
    for path, body in (("/import", {"scenario": SCENARIO, "company_id": COMPANY}),
                       ("/schedule", {"time_limit_s": 5}),
                       ("/forecast", {"replications": 20})):
        answer = dashboard.api("POST", path, json=body)
        assert answer.status_code in (200, 201), f"POST {path}: {answer.status_code} {answer.text[:300]}"
    _measure_parts(dashboard)
    return dashboard


def _measure_parts(node: DashboardNode, warm_up: int = 200, parts: int = 40, drift_from: int = 30) -> None:
    """The laser's hole diameters: `warm_up` values the live monitor learns its limits from (phase I), then parts
    of the first scheduled order, each with its route and its measured hole; the laser drifts for the last parts,
    so the monitor raises alarms and holds them."""
    operations = node.api("GET", "/schedule").json()["operations"]
    order_id = operations[0]["order_id"]
    order = node.api("GET", f"/orders/{order_id}").json()["order"]
    route = [{"operation_id": op["operation_id"], "machine_id": op["machine_id"], "start": op["start"],
              "end": op["end"], "energy_kwh": 1.5} for op in operations if op["order_id"] == order_id]
    machine_id, finished = route[0]["machine_id"], datetime.fromisoformat(route[-1]["end"])
    noise = random.Random(7)

    def hole(n: int, part_id: str | None, drift: float = 0.0) -> dict:
        return {"characteristic": "hole_diameter", "value": round(8.0 + noise.gauss(0, 0.002) + drift, 5),
                "unit": "mm", "timestamp": (finished + timedelta(minutes=n)).isoformat(), "part_id": part_id,
                "machine_id": machine_id, "lower_limit": 7.98, "upper_limit": 8.02}

    measurements = [hole(n, None) for n in range(warm_up)]
    for n in range(parts):
        part_id = f"{order_id}-p{n + 1:03d}"
        part = {"id": part_id, "order_id": order_id, "design_id": order["design_id"], "serial": f"SN{n + 1:05d}",
                "material_lot": "LOT-2026-48", "route": route, "co2_kg": 2.4}
        answer = node.api("POST", "/parts", json=part)
        assert answer.status_code == 201, answer.text
        drift = 0.003 * (n - drift_from + 1) if n >= drift_from else 0.0
        measurements.append(hole(warm_up + n, part_id, drift))
    answer = node.api("POST", "/quality/measurements", json={"measurements": measurements})
    assert answer.status_code == 201, answer.text


@pytest.fixture(scope="session")
def hub(testbed: Testbed, node: DashboardNode) -> str:
    """The hub with every brainport company as a member that published its machines, and their orders as flows."""
    network = load_scenario(SCENARIO)
    assert testbed.hub is not None
    clients: dict[str, HubClient] = {}
    for company in network.companies:
        keys = testbed.keys.get(company.id) or testbed.onboard(company.id, company.kvk, "http://127.0.0.1:9")[0]
        clients[company.id] = HubClient(testbed.hub.url, HUB_ID, testbed.member_id(company.id), keys)
        machines = tuple(MachineListing(machine=m, free_minutes_per_week=2400.0)
                         for m in network.machines_of(company.id))
        clients[company.id].publish(MemberListing(company=company, machines=machines))
    for order in network.orders[:FLOWS_REPORTED]:
        clients[order.supplier_id].report_flow(FlowReport.model_validate({
            "from": testbed.member_id(order.customer_id), "to": testbed.member_id(order.supplier_id),
            "order_id": order.id, "value_eur": Decimal(order.quantity * 40), "quantity": order.quantity,
            "ordered_on": order.release.date()}))
    return testbed.hub.url


@pytest.fixture(scope="session")
def contract_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractPair]:
    """A supplier and a buyer node under a hub of their own (the shared hub's members and KPIs stay as the hub
    tests expect): the buyer negotiated the supplier's design over DSP and the transfer completed."""
    root = tmp_path_factory.mktemp("contracts")
    bed = Testbed(root / "net")
    try:
        bed.start_hub()
        yield exchange_a_design(bed, root)
    finally:
        bed.stop()
