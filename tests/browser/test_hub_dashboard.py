"""The hub dashboard in a real browser against a real hub: the public network map (members, orders between regions,
no values), the operator's sign-in showing every flow with its value, the KPIs (from flows and from a real node's
KPI report), the members directory and the catalog search."""

import pytest

from browser.dashboard_support import DashboardNode, screenshot
from fabnet.service.hub_api_auth import admin_token
from fabnet.service.testbed import Testbed as ProcessTestbed  # not "Test…": pytest would try to collect it

KPI_PERIOD = "2026"
"""The node's schedule of the brainport scenario starts on 2026-11-30; its parts are made along it."""


@pytest.fixture
def operator_token(testbed: ProcessTestbed, hub: str) -> str:
    """The hub's admin token, as `fabnet hub admin-token` prints it (the hub made it in its data folder)."""
    assert testbed.registry is not None
    return admin_token(testbed.registry.config)


def _sign_in(page: object, token: str) -> None:
    page.click("#sign-in")
    page.fill("#admin-token", token)
    page.click("form.login button[type=submit]")
    page.locator("#disclosure[data-view='operator']").wait_for()


def test_the_public_network_page_shows_regions_not_pairs_of_members(page: object, hub: str) -> None:
    import httpx

    network_map = httpx.get(f"{hub}/api/v1/network/map", timeout=30).json()
    kpis = httpx.get(f"{hub}/api/v1/kpis", timeout=30).json()
    assert network_map["view"] == "public" and network_map["flows"] == []
    regional = network_map["region_flows"]["flows"]
    assert regional and network_map["region_flows"]["withheld_orders"] > 0  # the brainport orders give both
    page.goto(hub + "/")
    svg = page.locator("#network-map svg.network-map")
    svg.wait_for()
    assert svg.locator("g.member-site").count() == len(network_map["members"]) >= 7
    # arrows between regions (a loop for orders within one), none between members
    assert svg.locator("path.region-flow").count() == len(regional)
    assert svg.locator("path.flow:not(.region-flow)").count() == 0
    widest = max(regional, key=lambda f: f["orders"])
    narrowest = min(regional, key=lambda f: f["orders"])
    if widest["orders"] > narrowest["orders"]:
        def width(flow: dict) -> float:
            path = svg.locator(f'path.region-flow[data-from-hub="{flow["from"]}"][data-to-hub="{flow["to"]}"]')
            return float(path.get_attribute("stroke-width"))

        assert width(widest) > width(narrowest)
    assert page.locator("#region-flow-table tbody tr").count() == len(regional)
    assert page.locator("#member-flow-table").count() == 0 and page.locator("#changeovers-by-company").count() == 0
    shown = page.locator("#region-flows").inner_text()
    assert "EUR" not in shown and "€" not in shown  # orders, never their value
    note = page.locator("#disclosure[data-view='public']").inner_text()
    assert "commercial data" in note and f"{network_map['region_flows']['withheld_orders']} orders" in note
    assert page.locator("#user").inner_text() == "public view"

    # members sit where they are: Rotterdam west and north of Eindhoven
    def centre(member: str) -> tuple[float, float]:
        circle = svg.locator(f'g.member-site[data-member="{member}"] circle')
        return float(circle.get_attribute("cx")), float(circle.get_attribute("cy"))

    ids = {m["company_id"]: m["id"] for m in network_map["members"]}
    rotterdam, eindhoven = centre(ids["maaslas"]), centre(ids["brabant-agri"])
    assert rotterdam[0] < eindhoven[0] and rotterdam[1] < eindhoven[1]
    assert page.locator("#kpi-members .figure").inner_text() == str(kpis["active_members"])
    assert page.locator("#kpi-orders .figure").inner_text() == f"{kpis['orders_handled']:,}"
    assert page.locator("table caption", has_text="towards").count() == 1
    screenshot(page, "10-hub-network")


def test_the_operator_signs_in_to_see_every_flow_with_its_value(page: object, hub: str,
                                                                operator_token: str) -> None:
    import httpx

    everything = httpx.get(f"{hub}/api/v1/network/map", timeout=30,
                           headers={"Authorization": f"Bearer {operator_token}"}).json()
    page.goto(hub + "/#/sign-in")
    page.fill("#admin-token", "not-the-token")
    page.click("form.login button[type=submit]")
    error = page.locator("#signin-error")
    error.wait_for()
    assert "refused" in error.inner_text() and "malformed" in error.inner_text()
    page.goto(hub + "/")
    page.locator("#disclosure[data-view='public']").wait_for()
    _sign_in(page, operator_token)
    assert page.locator("#user").inner_text() == "operator"
    svg = page.locator("#network-map svg.network-map")
    flows = svg.locator("path.flow:not(.region-flow)")
    assert flows.count() == len(everything["flows"]) > 0 and svg.locator("path.region-flow").count() == 0
    widest = max(everything["flows"], key=lambda f: f["orders"])
    narrowest = min(everything["flows"], key=lambda f: f["orders"])
    if widest["orders"] > narrowest["orders"]:
        def width(flow: dict) -> float:
            path = svg.locator(f'path.flow[data-from="{flow["from"]}"][data-to="{flow["to"]}"]')
            return float(path.get_attribute("stroke-width"))

        assert width(widest) > width(narrowest)
    rows = page.locator("#member-flow-table tbody tr")
    assert rows.count() == len(everything["flows"])
    largest = max(everything["flows"], key=lambda f: float(f["value"]))  # the table is by orders, the map by value
    assert f"{float(largest['value']):,.2f}" in page.locator("#member-flow-table").inner_text()  # hidden to the public
    assert page.locator("#changeovers-by-company").count() == 1
    # the token stays for this tab: the members page shows the credentials too
    page.click("#nav >> text=Members")
    page.locator("#members-disclosure", has_text="Operator view").wait_for()
    assert page.locator("main thead", has_text="KvK").count() == 1
    screenshot(page, "14-hub-operator")
    page.click("#sign-out")
    page.locator("#members-disclosure", has_text="Public directory").wait_for()
    assert page.locator("main thead", has_text="KvK").count() == 0
    assert page.evaluate("sessionStorage.length") == 0
    # a token the hub no longer takes (say, a new one was configured): back to the public view, saying why
    page.evaluate("sessionStorage.setItem('fabnet.hub.admin-token', 'an-old-token')")
    page.goto(hub + "/#/network")
    page.locator("#signed-out").wait_for()
    assert "refused the admin token" in page.locator("#signed-out").inner_text()
    assert page.locator("#disclosure[data-view='public']").count() == 1
    assert page.locator("#user").inner_text() == "public view" and page.evaluate("sessionStorage.length") == 0


def test_the_members_and_the_catalog_search(page: object, hub: str) -> None:
    page.goto(hub + "/#/members")
    page.locator("table caption", has_text="members").wait_for()
    assert page.locator("main tbody tr").count() >= 7
    # the public directory: name, region, skills; no KvK numbers, endpoints or credentials
    assert page.locator("main thead", has_text="Skills").count() == 1
    assert page.locator("main thead", has_text="KvK").count() == 0
    assert "cut.laser" in page.locator("main tbody").inner_text()
    screenshot(page, "11-hub-members")
    page.click("#nav >> text=Catalog")
    page.fill("#q-skill", "cut.laser")
    page.click("form.search button[type=submit]")
    page.locator("#catalog-results caption", has_text="can do it").wait_for()
    assert page.locator("#catalog-results tbody tr").count() >= 1
    assert "Kempenplaat" in page.locator("#catalog-results tbody").inner_text()
    screenshot(page, "12-hub-catalog")
    page.fill("#q-thickness_mm", "-1")
    page.click("form.search button[type=submit]")
    error = page.locator("#catalog-results .error")
    error.wait_for()
    assert "thickness_mm" in error.inner_text()


def _number(page: object, card: str) -> float:
    """The figure of a KPI card as a number ("1,234.5 h" → 1234.5)."""
    return float(page.locator(f"{card} .figure").inner_text().split()[0].replace(",", ""))


def test_the_kpis_come_from_the_nodes_reports(page: object, hub: str, node: DashboardNode,
                                              operator_token: str) -> None:
    import httpx

    page.goto(hub + "/")
    page.locator("#kpi-changeover").wait_for()
    assert page.locator("#kpi-changeover .figure").inner_text() == "not reported"
    assert page.locator("#kpi-energy .figure").inner_text() == "not reported"
    assert "No member has sent" in page.locator("#kpi-reporting").inner_text()

    # the node computes its report from its own schedule, parts, holds and alarms, and sends it signed to the hub
    sent = node.api("POST", "/network/kpi-report", params={"period": KPI_PERIOD})
    assert sent.status_code == 200, sent.text
    report = sent.json()["report"]
    assert report["changeover"] is not None and report["parts_made"] > 0
    kpis = httpx.get(f"{hub}/api/v1/kpis", timeout=30).json()
    assert kpis["members_reporting"] == 1

    page.reload()
    # one member's figures are its own: the public page says they are withheld, and why
    page.locator("#kpi-changeover[data-members-reporting='1'][data-source='withheld']").wait_for()
    for card in ("#kpi-changeover", "#kpi-defects", "#kpi-energy", "#kpi-material"):
        assert page.locator(f"{card} .figure").inner_text() == "withheld", card
    assert "reported by 1 member: fewer than 3" in page.locator("#kpi-changeover").inner_text()
    assert kpis["changeover_hours_saved"] is None and kpis["coverage"]["changeover"]["source"] == "withheld"
    assert "600" in page.locator("#kpi-members").inner_text()  # the programme's starting point
    assert "1 member" in page.locator("#kpi-reporting").inner_text()
    assert page.locator("#changeovers-by-company").count() == 0  # the company's own row: not for the public
    screenshot(page, "13-hub-kpis-reported")

    # the operator sees the figures and the company's own row
    everything = httpx.get(f"{hub}/api/v1/kpis", timeout=30,
                           headers={"Authorization": f"Bearer {operator_token}"}).json()
    _sign_in(page, operator_token)
    page.locator("#kpi-changeover[data-members-reporting='1'][data-source='reports']").wait_for()
    assert _number(page, "#kpi-changeover") == pytest.approx(everything["changeover_hours_saved"], abs=0.05)
    assert page.locator("#kpi-changeover .figure").inner_text().endswith(" h")
    assert "reported by 1 member" in page.locator("#kpi-changeover").inner_text()
    assert page.locator("#kpi-defects .figure").inner_text() == str(everything["defects_stopped"])
    assert everything["defects_stopped"] > 0  # the drifting laser's parts were held
    assert _number(page, "#kpi-energy") == pytest.approx(everything["energy_kwh_per_part"], abs=5e-4)
    assert page.locator("#kpi-energy .figure").inner_text().endswith(" kWh")
    assert page.locator("#kpi-material .figure").inner_text() not in ("not reported", "withheld")
    page.click("#changeovers-by-company summary")
    rows = page.locator("#changeovers-by-company tbody tr")
    assert rows.count() == 1 and "kempenplaat" in rows.inner_text()
    own = report["changeover"]
    assert f"{own['fcfs_minutes'] - own['scheduled_minutes']:,}" in rows.inner_text()
