"""The network demo once, for real (from another working directory, with a relative output folder): the hub and one
node per company as separate processes, left running at the end so that the tests can ask the nodes themselves (over
HTTP, and in their own databases) what happened between them; then a partner node is killed after allocation and
before its contract (it is replaced), and during allocation (re-allocated or waiting, never lost)."""

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from conftest import reachable
from fabnet.cli import app
from fabnet.domain import OrderStatus
from fabnet.exchange.tokens import issue_token
from fabnet.network.allocation import Marketplace, allocate, candidates, reallocate
from fabnet.network.catalog import CapabilityCatalog, CapabilityQuery
from fabnet.network.members import InProcessQuoteProvider
from fabnet.network.quotes import RequestForQuotation, Site
from fabnet.scenarios import load_scenario
from fabnet.scenarios.demo.marketplace import allocate_orders
from fabnet.scenarios.demo.settings import DemoOptions
from fabnet.scenarios.demo.store_load import load_database
from fabnet.scenarios.demo_network.contracts import contract_all
from fabnet.scenarios.demo_network.hub_catalog import HubCatalogSearch
from fabnet.scenarios.demo_network.nodes import NODE_READY_TIMEOUT_S, join_network
from fabnet.scenarios.demo_network.rfq_client import HttpQuoteProvider
from fabnet.scenarios.demo_network.run import NetworkDemo, run_network_demo
from fabnet.standards.peppol_validation import validate_document
from fabnet.store import open_store
from fabnet.store.billing_tables import BillingRepository
from fabnet.store.exchange_tables import NegotiationRow, TransferRow
from network.second_coater import COATERS, with_a_second_coater

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkDemo]:
    # from another working directory with a relative output folder, as `fabnet demo` runs with its default
    # `out/demo`: the node processes run in folders of their own and must still find their configuration
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("network-demo"))
        finished = run_network_demo(DemoOptions.quick(Path("out")), keep_running=True)
        assert finished.running is not None
        try:
            yield finished
        finally:
            finished.running.stop()
    assert all(s.process is None or s.process.poll() is not None for s in finished.running.services), "no orphans"


def test_a_relative_output_folder_works_from_any_working_directory(demo: NetworkDemo) -> None:
    assert not Path(demo.summary.options["out"]).is_absolute()
    assert Path(demo.summary.summary_file).resolve().is_file()
    for node in demo.running.nodes.values():  # type: ignore[union-attr]
        assert Path(node.service.folder).is_absolute() and (Path(node.service.folder) / "node.json").is_file()


def api(demo: NetworkDemo, company_id: str, path: str) -> httpx.Response:
    node = demo.running.node(company_id)  # type: ignore[union-attr]
    return httpx.get(node.url + "/api/v1" + path, headers=node.auth, timeout=30.0)


def test_every_company_ran_as_its_own_process_with_its_own_database(demo: NetworkDemo) -> None:
    summary, running = demo.summary, demo.running
    assert running is not None and summary.network is not None
    scenario = load_scenario("brainport")
    assert {n.company_id for n in summary.network.nodes} == {c.id for c in scenario.companies}
    assert len(summary.network.nodes) >= 4
    pids = {n.pid for n in summary.network.nodes} | {summary.network.hub_pid}
    assert len(pids) == len(summary.network.nodes) + 1 and os.getpid() not in pids
    assert len({n.database for n in summary.network.nodes}) == len(summary.network.nodes)
    for node in summary.network.nodes:
        company = httpx.get(node.url + "/api/v1/company", headers=running.node(node.company_id).auth, timeout=30.0)
        assert company.status_code == 200, company.text
        assert company.json()["company"]["id"] == node.company_id
    assert summary.mode == "multi-process"
    stored = json.loads(Path(summary.summary_file).read_text(encoding="utf-8"))
    assert stored["network"]["rfqs_sent"] == summary.network.rfqs_sent > 0
    assert summary.network.rfqs_answered > 0 and not summary.network.rfqs_unanswered, summary.network.rfq_failures


def test_contracts_are_finalized_on_both_nodes_and_designs_arrive_intact(demo: NetworkDemo) -> None:
    summary, running = demo.summary, demo.running
    assert running is not None and summary.contracts is not None
    rows = summary.contracts.contracts
    assert rows and len(rows) == len(summary.allocation.sub_orders)
    for row in rows:
        partner, receiver = running.node(row.partner), running.node(row.receiver)
        # each side's own database holds its side of the agreement
        with partner.store() as store, store.transaction() as uow:
            consumer = uow.session.get(NegotiationRow, row.consumer_pid)
            transfer = uow.session.get(TransferRow, row.transfer_pid)
            assert consumer is not None and consumer.state == "FINALIZED" and consumer.agreement_id == row.agreement_id
            assert transfer is not None and transfer.state == "COMPLETED"
            assert uow.orders.get(row.sub_order_id).supplier_id == row.partner
        with receiver.store() as store, store.transaction() as uow:
            provider = uow.session.get(NegotiationRow, row.provider_pid)
            assert provider is not None and provider.state == "FINALIZED" and provider.agreement_id == row.agreement_id
        contracts = api(demo, row.partner, "/contracts")
        assert contracts.status_code == 200 and row.agreement_id in contracts.text
        # the design as the partner received it is the file the receiver offered
        design_id = next(s.design_id for s in summary.allocation.sub_orders if s.id == row.sub_order_id)
        offered = Path(summary.report_file).parent / "aas" / "designs" / f"{design_id}.json"
        assert hashlib.sha256(offered.read_bytes()).hexdigest() == row.offered_sha256 == row.received_sha256
        assert api(demo, row.partner, f"/designs/{design_id}").status_code == 200


def test_sub_order_status_flows_back_from_the_partners(demo: NetworkDemo) -> None:
    statuses = demo.summary.network.sub_order_statuses  # type: ignore[union-attr]
    assert set(statuses) == {s.id for s in demo.summary.allocation.sub_orders}
    for sub_order_id, status in statuses.items():
        partner = next(s.partner for s in demo.summary.allocation.sub_orders if s.id == sub_order_id)
        live = api(demo, partner, f"/orders/{sub_order_id}")
        assert live.status_code == 200 and live.json()["status"] == status == OrderStatus.INVOICED.value


def test_drift_alarm_holds_the_part_in_the_company_node(demo: NetworkDemo) -> None:
    quality, network = demo.summary.quality, demo.summary.network
    assert network is not None and network.telemetry is not None
    assert network.telemetry.samples_received > 0
    assert network.telemetry.broker_kind == ("external" if reachable("127.0.0.1", 1883) else "in-process")
    alarm = quality.alarm
    assert alarm.parts_held and alarm.parts_after_drift_start >= 0 and quality.false_alarms_before_drift == 0
    assert quality.reschedule.feasible and quality.reschedule.rework_operation.endswith("/rework")
    parts = api(demo, quality.company_id, "/parts?verdict=held")
    assert parts.status_code == 200, parts.text
    held = {p["id"]: p for p in parts.json()["items"]}
    assert alarm.part_id in held


def test_the_alarm_came_from_the_company_node_watching_its_telemetry(demo: NetworkDemo) -> None:
    quality = demo.summary.quality
    if not reachable("127.0.0.1", 1883):
        assert quality.monitored_by == "demo"  # the in-process amqtt broker speaks only MQTT 3.1.1
        pytest.skip("no MQTT 5 broker on 127.0.0.1:1883: the demo watched the telemetry itself")
    assert quality.monitored_by == "node"
    status = api(demo, quality.company_id, "/quality/telemetry").json()
    assert status["connected"] and status["alarms"] >= 1 and quality.alarm.part_id in status["held_parts"]
    alarms = api(demo, quality.company_id, f"/quality/alarms?machine_id={quality.machine_id}").json()["items"]
    assert alarms and alarms[-1]["part_id"] == quality.alarm.part_id and alarms[-1]["rule"] == quality.alarm.rule
    assert api(demo, quality.company_id, f"/parts/{quality.alarm.part_id}").json()["verdict"] == "held"
    schedule = api(demo, quality.company_id, "/schedule").json()
    assert quality.reschedule.rework_operation in {o["operation_id"] for o in schedule["operations"]}
    assert schedule["check"]["feasible"]
    # the node's measurements are the part's genealogy in its passport
    part = api(demo, quality.company_id, f"/parts/{quality.alarm.part_id}").json()
    assert part["measurements"] and part["route"][0]["machine_id"] == quality.machine_id
    # every node subscribed to its own company's topics only: no other node has this machine's measurements
    for other in demo.running.nodes:  # type: ignore[union-attr]
        status = api(demo, other, "/quality/telemetry").json()
        assert status["enabled"] and status["topic"] == f"fabnet/{other}/#"
        if other != quality.company_id:
            watched = api(demo, other, "/quality/characteristics").json()
            assert quality.machine_id not in {c["machine_id"] for c in watched}


def test_invoices_are_valid_peppol_and_in_both_parties_nodes_and_netting_reduces_payments(demo: NetworkDemo) -> None:
    billing, running = demo.summary.billing, demo.running
    assert running is not None
    assert billing.fatal_findings == 0 and billing.schema_errors == 0
    assert billing.payments_after < billing.payments_before
    seen = 0
    for company_id, node in running.nodes.items():
        with node.store() as store, store.transaction() as uow:
            for row in BillingRepository(uow.session).invoice_rows():
                assert company_id in (row.seller_id, row.buyer_id)
                seen += 1
                if seen <= 2:  # the official rules take a while; the demo validated its own sample already
                    report = validate_document(row.ubl.encode("utf-8"), row.id)
                    assert report.valid, report.fatal[:1]
        listed = api(demo, company_id, "/invoices")
        assert listed.status_code == 200
    assert seen == 2 * billing.invoices  # each invoice is in its seller's and its buyer's node


def test_flows_are_recorded_at_the_hub(demo: NetworkDemo) -> None:
    network = demo.summary.network
    assert network is not None and network.flows_recorded >= len(demo.summary.allocation.sub_orders)
    from fabnet.service.hub_api_auth import admin_token

    assert demo.running is not None and demo.running.testbed.registry is not None
    operator = {"Authorization": f"Bearer {admin_token(demo.running.testbed.registry.config)}"}
    map_ = httpx.get(network.hub_url + "/api/v1/network/map", headers=operator, timeout=30.0)  # public: no pairs
    assert map_.status_code == 200
    assert map_.json()["flows"]


def test_each_supplier_node_scheduled_and_forecast_its_own_orders(demo: NetworkDemo) -> None:
    summary = demo.summary
    partners = Counter(s.partner for s in summary.allocation.sub_orders)
    forecasts = {c.company_id: c for c in summary.twin.companies}
    assert summary.scheduling.all_feasible and summary.scheduling.companies
    for company in summary.scheduling.companies:
        schedule = api(demo, company.company_id, "/schedule")
        assert schedule.status_code == 200, schedule.text
        view = schedule.json()
        # the node's own check and the demo's independent one agree on every figure of the summary
        assert view["check"]["feasible"] and company.feasible and view["status"] == company.status
        assert view["jobs"] == company.jobs
        quality = summary.quality
        if quality.monitored_by == "node" and company.company_id == quality.company_id:
            # its node has since repaired the schedule around the rework its telemetry alarm asked for
            assert quality.reschedule.rework_operation in {op["operation_id"] for op in view["operations"]}
        else:
            assert view["check"]["total_setup_min"] == company.cpsat.total_changeover_min
            assert view["fcfs"]["total_setup_min"] == company.fcfs.total_changeover_min
        scheduled_orders = {op["order_id"] for op in view["operations"]}
        received = {s.id for s in summary.allocation.sub_orders if s.partner == company.company_id}
        assert received <= scheduled_orders, "the sub-orders it received are in its own schedule"
        assert len(received) == partners.get(company.company_id, 0)
        forecast = api(demo, company.company_id, "/forecast")
        assert forecast.status_code == 200, forecast.text
        by_order = {o["order_id"]: o["on_time_probability"] for o in forecast.json()["orders"]}
        assert by_order == {o.order_id: o.on_time_probability for o in forecasts[company.company_id].orders}
        assert forecast.json()["replications"] == summary.twin.replications
    assert sum(partners.values()) == len(summary.allocation.sub_orders)
    assert {c for c in partners} <= {c.company_id for c in summary.scheduling.companies}


def test_candidates_come_from_the_hub_catalog_the_nodes_published(demo: NetworkDemo) -> None:
    network, hub = demo.summary.network, demo.running.hub_url  # type: ignore[union-attr]
    assert network is not None
    scenario = load_scenario("brainport")
    assert network.catalog_machines == len(scenario.machines) and network.catalog_searches > 0
    in_process = CapabilityCatalog.from_network(scenario)
    over_http = HubCatalogSearch(demo.running.http, hub)  # type: ignore[union-attr]
    market = Marketplace(scenario, in_process, InProcessQuoteProvider(scenario))
    packages = [p.package for o in scenario.orders[:12] for p in allocate(market, o).packages]
    assert packages
    for package in packages[:8]:
        assert candidates(over_http, package) == candidates(in_process, package), package.id
        leave_out = candidates(in_process, package)[:1]
        assert candidates(over_http, package, leave_out) == candidates(in_process, package, leave_out), package.id
    query = CapabilityQuery(skill="inspect.cmm", limit=500)  # four companies in both hubs have one
    everyone = over_http.search(query).companies()
    assert len(everyone) >= 3 and everyone == in_process.search(query).companies()
    without = over_http.search(query.model_copy(update={"exclude_companies": (everyone[0],)})).companies()
    assert everyone[0] not in without and set(without) == set(everyone) - {everyone[0]}
    region = scenario.company(everyone[0]).hub_id
    local = over_http.search(query.model_copy(update={"hub_ids": (region,)})).companies()
    assert local and set(local) == {c for c in everyone if scenario.company(c).hub_id == region} != set(everyone)


def test_a_partner_failing_after_allocation_is_replaced(demo: NetworkDemo, tmp_path: Path) -> None:
    """A second powder coater joins the running network; the coater chosen for an order's coating is killed after
    allocation, before the contracts: the work goes to the other, whose node contracts it and holds the design and
    the sub-order; the given-up sub-order stays on record, cancelled."""
    running = demo.running
    assert running is not None
    network = with_a_second_coater(load_scenario("brainport"))
    join_network(running, network, "tweede-coat")
    # a fresh order id: the nodes hold the demo's own sub-orders of bp-o005 already
    again = network.order("bp-o005").model_copy(update={"id": "bp-o005-again"})
    only = network.model_copy(update={"orders": (again,)})
    store, _ = load_database(only, tmp_path / "clearing.sqlite")
    try:
        allocated = allocate_orders(only, store, provider=HttpQuoteProvider(running),
                                    catalog=HubCatalogSearch(running.http, running.hub_url))
        (first,) = allocated.sub_orders
        failed = first.order.supplier_id
        assert failed in COATERS
        other = next(c for c in COATERS if c != failed)
        node = running.node(failed).service
        node.stop(kill=True)
        try:
            aas = Path(demo.summary.report_file).parent / "aas" / "designs"
            contracts, final = contract_all(running, allocated, store, lambda design: aas / f"{design}.json",
                                            tmp_path / "received")
        finally:
            node.start()
            node.wait_ready("/.well-known/dspace-version", NODE_READY_TIMEOUT_S)
        with store.transaction() as uow:
            given_up = uow.orders.get(first.order.id).status
    finally:
        store.close()
    (row,) = contracts.replacements
    assert row.sub_order_id == first.order.id and row.failed_partner == failed and "did not answer" in row.reason
    assert contracts.reallocated == 1 and contracts.waiting == 0 and row.waiting_units == 0
    assert given_up is OrderStatus.CANCELLED and final.cancelled == (first.order.id,)
    (replacement,) = final.sub_orders
    assert row.replaced_by == (replacement.order.id,) and replacement.order.supplier_id == other
    assert replacement.order.id != first.order.id and replacement.order.quantity == first.order.quantity
    (contract,) = contracts.contracts
    assert contract.partner == other and contract.consumer_state == contract.provider_state == "FINALIZED"
    assert contract.transfer_state == "COMPLETED" and contract.offered_sha256 == contract.received_sha256
    held = api(demo, other, f"/orders/{replacement.order.id}")
    assert held.status_code == 200 and held.json()["order"]["supplier_id"] == other
    assert api(demo, other, f"/designs/{replacement.order.design_id}").status_code == 200
    # never lost: every unit of the order's packages is with a partner or in house
    for package in final.results[again.id].packages:
        assert package.split.quantity_allocated == package.package.quantity and package.split.quantity_waiting == 0






def test_report_shows_the_processes(demo: NetworkDemo) -> None:
    html = Path(demo.summary.report_file).read_text(encoding="utf-8")
    assert "The network's processes" in html
    for node in demo.summary.network.nodes:  # type: ignore[union-attr]
        assert node.url in html


def test_cli_refuses_keep_running_in_process() -> None:
    result = CliRunner().invoke(app, ["demo", "--in-process", "--keep-running"])
    assert result.exit_code == 2 and "--keep-running" in result.output


def test_rfq_endpoint_refuses_bad_requests_with_a_one_line_error(demo: NetworkDemo) -> None:
    running = demo.running
    assert running is not None
    sender, receiver = running.node("kempenplaat"), running.node("rijnmond-coat")

    def token() -> str:
        return issue_token(running.testbed.keys[sender.company_id], sender.member_id, receiver.member_id,
                           datetime.now(UTC))

    url = receiver.url + "/api/v1/rfq"
    unsigned = httpx.post(url, json={}, timeout=30.0)
    assert unsigned.status_code == 401 and unsigned.json() == {"error": "missing bearer token"}
    login = httpx.post(url, json={}, headers=receiver.auth, timeout=30.0)
    assert login.status_code == 401, "a user's API token is no member's self-issued token"
    bad = httpx.post(url, json={"member_id": "rijnmond-coat"}, timeout=30.0,
                     headers={"Authorization": f"Bearer {token()}"})
    assert bad.status_code == 422 and bad.json()["error"].startswith("rfq: ")
    scenario = load_scenario("brainport")
    market = Marketplace(scenario, CapabilityCatalog.from_network(scenario), InProcessQuoteProvider(scenario))
    package = next(p.package for o in scenario.orders for p in allocate(market, o).packages)
    site = Site(company_id="kempenplaat", latitude=51.44, longitude=5.47)
    elsewhere = RequestForQuotation(package=package, member_id="vonkwerk", deliver_to=site)
    wrong = httpx.post(url, json=elsewhere.model_dump(mode="json"), timeout=30.0,
                       headers={"Authorization": f"Bearer {token()}"})
    assert wrong.status_code == 404 and "member_id" in wrong.json()["error"]
    unknown_peer = httpx.post(sender.url + "/manage/rfq", timeout=30.0, json={
        "peer_url": "http://127.0.0.1:9", "request": elsewhere.model_dump(mode="json")})
    assert unknown_peer.status_code == 400 and unknown_peer.json()["error"].startswith("peer_url: ")


def test_a_partner_down_during_allocation_loses_no_order(demo: NetworkDemo, tmp_path: Path) -> None:
    """Runs last: it kills the busiest partner's node, allocates one of its orders again, then brings it back."""
    running = demo.running
    assert running is not None
    scenario = load_scenario("brainport")
    sub_orders = demo.summary.allocation.sub_orders
    partner = Counter(s.partner for s in sub_orders).most_common(1)[0][0]
    order_id = next(s.order_id for s in sub_orders if s.partner == partner)
    node = running.node(partner).service
    node.stop(kill=True)
    one_order = scenario.model_copy(update={"orders": (scenario.order(order_id),)})
    store, _ = load_database(scenario, tmp_path / "clearing.sqlite")
    try:
        provider = HttpQuoteProvider(running)
        allocated = allocate_orders(one_order, store, provider=provider)
    finally:
        store.close()
    assert provider.unavailable.get(partner, 0) >= 1, "the killed node was asked and did not answer"
    assert all("did not answer" in failure for failure in provider.failures), provider.failures
    result = allocated.result
    assert partner not in {s.partner for s in result.sub_orders}
    assert result.orders == 1 and result.allocated + result.waiting + result.in_house == 1
    if result.waiting:  # reported as waiting, with the member that did not answer named
        assert any(w.startswith(order_id) and partner in w for w in result.waiting_packages), result.waiting_packages
    with open_store(f"sqlite:///{tmp_path / 'clearing.sqlite'}", migrate=False) as reopened, \
            reopened.transaction() as uow:
        stored = {order.id for order in uow.orders.list()}
    assert order_id in stored and {s.id for s in result.sub_orders} <= stored
    # the work that waited goes to the partner once its node answers again
    market = Marketplace(scenario, CapabilityCatalog.from_network(scenario), HttpQuoteProvider(running))
    down = allocate(market, order_id)
    assert partner not in {s.order.supplier_id for s in down.sub_orders}
    node.start()
    node.wait_ready("/.well-known/dspace-version", NODE_READY_TIMEOUT_S)
    again = reallocate(market, down)
    assert not again.waiting() and again.waiting_quantity == 0
    if down.waiting():
        assert partner in {s.order.supplier_id for s in again.sub_orders}
