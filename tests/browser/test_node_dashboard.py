"""The node dashboard in a real browser against a real node: sign-in, the Gantt chart with changeovers and the
twin's forecast, a control chart, one order followed from its arrival to its invoice, and the contracts page with
an agreement and a transfer that two real nodes made over the Dataspace Protocol."""

import re
from datetime import datetime, timedelta

from browser.dashboard_support import DESIGN_ASSET, ContractPair, DashboardNode, screenshot, sign_in

NAV_TIMEOUT = 30_000


def test_the_login_form_refuses_a_wrong_password_and_then_signs_in(page: object, node: DashboardNode) -> None:
    page.goto(node.url + "/")
    page.get_by_label("User name").wait_for()
    screenshot(page, "01-login")
    sign_in(page, node, password="not the password")
    error = page.locator("#login-error")
    error.wait_for(state="visible")
    assert "wrong" in error.inner_text().lower()
    assert page.locator("#nav").is_hidden()
    sign_in(page, node)
    page.locator("#nav").wait_for(state="visible")
    page.locator("table caption", has_text="orders").wait_for()
    assert page.locator("#user").inner_text() == "plan · planner"
    rows = page.locator("main tbody tr")
    assert rows.count() >= 20
    page.select_option("#status-filter", "scheduled")
    assert all(text == "scheduled" for text in page.locator("main tbody .pill").all_inner_texts())
    screenshot(page, "02-orders")
    page.click("#logout")
    page.locator("#username").wait_for()
    page.goto(node.url + "/#/gantt")
    page.locator("#username").wait_for()


def test_the_gantt_chart_shows_bars_highlighted_changeovers_and_the_forecast(page: object,
                                                                            node: DashboardNode) -> None:
    schedule = node.api("GET", "/schedule").json()
    with_setup = [op for op in schedule["operations"] if op["setup_start"] and op["setup_end"] != op["setup_start"]]
    forecast = node.api("GET", "/forecast").json()
    sign_in(page, node)
    page.locator("#nav").wait_for(state="visible")
    page.click("#nav >> text=Gantt")
    chart = page.locator("#gantt svg.gantt")
    chart.wait_for()
    assert chart.locator("rect.op").count() == len(schedule["operations"])
    assert chart.locator("rect.setup").count() == len(with_setup) > 0
    assert page.locator("#changeover-count").inner_text() == str(len(with_setup))
    # changeovers are drawn with the hatch pattern and an outline, so they stand out from operations
    fill = chart.locator("rect.setup").first.evaluate("node => getComputedStyle(node).fill")
    assert "changeover-hatch" in fill
    assert chart.locator("g.forecast").count() == len(forecast["orders"])
    assert chart.locator("g.forecast path.p50").count() == len(forecast["orders"])
    screenshot(page, "03-gantt")
    bar = chart.locator("rect.op").first
    order = bar.get_attribute("data-order")
    box = bar.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    bar.click()
    assert chart.locator("rect.op.dim").count() == chart.locator("rect.op").count() - chart.locator(
        f'rect.op[data-order="{order}"]').count()
    assert page.locator("#order-pick").input_value() == order


def test_a_control_chart_shows_points_limits_and_alarms(page: object, node: DashboardNode) -> None:
    streams = node.api("GET", "/quality/characteristics").json()
    assert streams, "the node has no quality characteristics to chart"
    first = streams[0]
    chart_data = node.api("GET", f"/quality/charts/{first['characteristic']}",
                          params={"chart": "imr", "machine_id": first["machine_id"]}).json()
    alarms = node.api("GET", "/quality/alarms").json()["items"]
    assert alarms, "the drift in the fixture raised no alarm"
    sign_in(page, node)
    page.locator("#nav").wait_for(state="visible")
    page.click("#nav >> text=Quality")
    chart = page.locator("#spc svg.control-chart")
    chart.wait_for()
    plotted = [p for p in chart_data["points"] if p["value"] is not None]
    assert chart.locator("circle.point").count() == len(plotted) > 0
    assert chart.locator("polyline.limit").count() == 2
    assert chart.locator("line.centre").count() == 1
    flagged = {a["index"] for a in chart_data["alarms"]} | {p["index"] for p in plotted if p["alarm"]}
    assert chart.locator("circle.point.alarm").count() == len(flagged) > 0
    assert page.locator("main h2", has_text="Alarms").inner_text() == f"Alarms ({len(alarms)})"
    screenshot(page, "04-quality")


def test_a_held_part_and_its_passport(page: object, node: DashboardNode) -> None:
    held = node.api("GET", "/parts", params={"verdict": "held"}).json()["items"]
    assert held, "no part was held by the monitor"
    sign_in(page, node)
    page.locator("#nav").wait_for(state="visible")
    page.click("#nav >> text=Parts")
    page.select_option("#verdict-filter", "held")
    assert page.locator("main tbody tr").count() == len(held)
    screenshot(page, "08-parts")
    page.click(f"main tbody a:text-is('{held[0]['id']}')")
    passport = page.locator("#passport .passport-tree")
    passport.wait_for()
    assert passport.locator("details").count() >= 1
    assert held[0]["serial"] in passport.inner_text()
    screenshot(page, "09-passport")
    page.click("#nav >> text=Contracts")
    page.locator("main h2", has_text="Contracts").wait_for()
    screenshot(page, "13-contracts")


def _new_order(node: DashboardNode) -> str:
    """An order that arrives now, for a design the company already makes."""
    existing = node.api("GET", "/orders", params={"limit": 1}).json()["items"][0]
    order_id = f"web-{datetime.now():%H%M%S%f}"
    release = datetime.fromisoformat(existing["release"])
    answer = node.api("POST", "/orders", json={**existing, "id": order_id, "status": "received",
                                              "customer_reference": "PO-DASHBOARD",
                                              "release": release.isoformat(),
                                              "due": (release + timedelta(days=20)).isoformat()})
    assert answer.status_code == 201, answer.text
    return order_id


def test_an_order_followed_from_arrival_to_invoice(page: object, node: DashboardNode) -> None:
    order_id = _new_order(node)
    sign_in(page, node)
    page.locator("#nav").wait_for(state="visible")
    page.fill("#order-search", order_id)
    page.click(f"main tbody a:text-is('{order_id}')")
    page.locator("h1", has_text=f"Order {order_id}").wait_for()
    assert page.locator("ol.timeline li.current").get_attribute("data-stage") == "received"
    steps = ["planned", "scheduled", "in_production", "completed", "invoiced"]
    for stage in steps:
        button = page.locator("#next-step")
        assert button.get_attribute("data-next") == stage
        button.click()
        page.locator(f'ol.timeline li.current[data-stage="{stage}"]').wait_for()
    assert page.locator("#next-step").count() == 0
    assert page.locator("ol.timeline li.done").count() == 6
    events = page.locator("#order-events li").all_inner_texts()
    assert [e.split(" · ")[0] for e in events] == ["received", *(s.replace("_", " ") for s in steps)]
    screenshot(page, "05-order")
    invoice_link = page.locator("main a[href^='#/invoices/']")
    invoice_id = invoice_link.inner_text()
    assert invoice_id
    invoice_link.click()
    page.locator("h1", has_text=f"Invoice {invoice_id}").wait_for()
    assert page.locator("main dl.facts a", has_text=order_id).count() == 1
    assert re.search(r"EUR [\d,]+\.\d\d", page.locator("main dl.facts .figure").inner_text())
    ubl = page.locator("a.ubl").get_attribute("href")
    answer = page.request.get(node.url + ubl)
    assert answer.status == 200 and "xml" in answer.headers["content-type"]
    assert f"<cbc:ID>{invoice_id}</cbc:ID>" in answer.text()
    screenshot(page, "06-invoice")
    page.click("#nav >> text=Invoices")
    page.locator(f"main tbody a:text-is('{invoice_id}')").wait_for()
    screenshot(page, "07-invoices")


def test_a_viewer_sees_everything_but_no_buttons_that_change_it(page: object, node: DashboardNode) -> None:
    order_id = node.api("GET", "/orders", params={"limit": 1}).json()["items"][0]["id"]
    sign_in(page, node, username="view")
    page.locator("#nav").wait_for(state="visible")
    assert page.locator("#user").inner_text() == "view · viewer"
    page.goto(f"{node.url}/#/orders/{order_id}")
    page.locator("h1", has_text=f"Order {order_id}").wait_for()
    assert page.locator("#next-step").count() == 0
    page.click("#nav >> text=Gantt")
    page.locator("#gantt svg.gantt").wait_for()
    assert page.get_by_role("button", name="Re-schedule open orders").count() == 0


def _contract_rows(page: object) -> tuple[list[str], list[str]]:
    contracts = page.locator("table#contracts tbody tr").all_inner_texts()
    transfers = page.locator("table#transfers tbody tr").all_inner_texts()
    return contracts, transfers


def test_the_contracts_page_shows_a_real_agreement_and_transfer(page: object, contract_pair: ContractPair) -> None:
    """Two nodes negotiated a design over DSP and moved it: both dashboards show the agreement (peer, asset,
    FINALIZED) and the transfer (COMPLETED, its size), each from its own side."""
    pair = contract_pair
    sides = ((pair.buyer, "consumer", pair.supplier_member, pair.buyer_transfer, "buyer"),
             (pair.supplier, "provider", pair.buyer_member, pair.supplier_transfer, "supplier"))
    for node, role, peer, transfer_pid, name in sides:
        contracts = node.api("GET", "/contracts").json()["items"]
        assert [(c["agreement_id"], c["role"], c["peer"], c["asset"], c["state"]) for c in contracts] == [
            (pair.agreement_id, role, peer, DESIGN_ASSET, "FINALIZED")]
        sign_in(page, node)
        page.locator("#nav").wait_for(state="visible")
        page.click("#nav >> text=Contracts")
        page.locator("table#contracts").wait_for()
        contract_rows, transfer_rows = _contract_rows(page)
        assert len(contract_rows) == 1 and len(transfer_rows) == 1, (contract_rows, transfer_rows)
        contract = page.locator("table#contracts tbody tr").first
        assert contract.locator("[data-field=agreement]").get_attribute("title") == pair.agreement_id
        assert contract.locator("[data-field=peer]").inner_text().startswith(peer.rsplit(":", 1)[-1])
        assert contract.locator("[data-field=peer]").get_attribute("title") == peer
        assert contract.locator("[data-field=role]").inner_text() == role
        assert contract.locator("[data-field=asset]").get_attribute("title") == DESIGN_ASSET
        assert contract.locator("[data-field=state]").inner_text() == "FINALIZED"
        assert contract.locator("[data-field=policy]").inner_text() == "use"
        transfer = page.locator("table#transfers tbody tr").first
        assert transfer.locator("[data-field=transfer]").get_attribute("title") == transfer_pid
        assert transfer.locator("[data-field=agreement]").get_attribute("title") == pair.agreement_id
        assert transfer.locator("[data-field=state]").inner_text() == "COMPLETED"
        assert transfer.locator("[data-field=size]").inner_text() == f"{pair.size / 1024:.1f} KiB"
        assert transfer.locator("[data-field=size]").get_attribute("title") == f"{pair.size:,} bytes"
        assert page.locator("main h2", has_text="Contracts (1)").count() == 1
        screenshot(page, f"14-contracts-{name}")
        page.click("#logout")
        page.locator("#username").wait_for()
