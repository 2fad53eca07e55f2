"""The hub dashboard in a real browser against a real hub: the network map with members and flows, the KPIs (from
flows and from a real node's KPI report), the members list and the catalog search."""

import pytest

from browser.dashboard_support import DashboardNode, screenshot

KPI_PERIOD = "2026"
"""The node's schedule of the brainport scenario starts on 2026-11-30; its parts are made along it."""


def test_the_network_page_draws_members_flows_and_kpis(page: object, hub: str) -> None:
    import httpx

    network_map = httpx.get(f"{hub}/api/v1/network/map", timeout=30).json()
    kpis = httpx.get(f"{hub}/api/v1/kpis", timeout=30).json()
    page.goto(hub + "/")
    svg = page.locator("#network-map svg.network-map")
    svg.wait_for()
    assert svg.locator("g.member-site").count() == len(network_map["members"]) >= 7
    flows = svg.locator("path.flow")
    assert flows.count() == len(network_map["flows"]) > 0
    widest = max(network_map["flows"], key=lambda f: f["orders"])
    narrowest = min(network_map["flows"], key=lambda f: f["orders"])
    if widest["orders"] > narrowest["orders"]:
        def width(flow: dict) -> float:
            path = svg.locator(f'path.flow[data-from="{flow["from"]}"][data-to="{flow["to"]}"]')
            return float(path.get_attribute("stroke-width"))

        assert width(widest) > width(narrowest)
    # members sit where they are: Rotterdam (south-west of nothing here, but west and north of Eindhoven)
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


def test_the_members_and_the_catalog_search(page: object, hub: str) -> None:
    page.goto(hub + "/#/members")
    page.locator("table caption", has_text="members").wait_for()
    assert page.locator("main tbody tr").count() >= 7
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


def test_the_kpis_come_from_the_nodes_reports(page: object, hub: str, node: DashboardNode) -> None:
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
    page.locator("#kpi-changeover[data-members-reporting='1']").wait_for()
    assert _number(page, "#kpi-changeover") == pytest.approx(kpis["changeover_hours_saved"], abs=0.05)
    assert page.locator("#kpi-changeover .figure").inner_text().endswith(" h")
    assert "reported by 1 member" in page.locator("#kpi-changeover").inner_text()
    assert page.locator("#kpi-defects .figure").inner_text() == str(kpis["defects_stopped"])
    assert kpis["defects_stopped"] > 0  # the drifting laser's parts were held
    assert _number(page, "#kpi-energy") == pytest.approx(kpis["energy_kwh_per_part"], abs=5e-4)
    assert page.locator("#kpi-energy .figure").inner_text().endswith(" kWh")
    assert page.locator("#kpi-material .figure").inner_text() != "not reported"
    assert "600" in page.locator("#kpi-members").inner_text()  # the programme's starting point
    assert "1 member" in page.locator("#kpi-reporting").inner_text()
    screenshot(page, "13-hub-kpis-reported")
