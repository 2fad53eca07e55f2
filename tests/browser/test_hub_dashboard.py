"""The hub dashboard in a real browser against a real hub: the network map with members and flows, the KPIs,
the members list and the catalog search."""

from browser.dashboard_support import screenshot


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
