"""The marketplace on the brainport scenario: packages, RFQs, split, decline, down members, reallocation."""

from datetime import timedelta

import pytest

from fabnet.domain import OrderStatus, RegionalNetwork
from fabnet.network.allocation import (
    AllocationStatus,
    Marketplace,
    PackageStatus,
    allocate,
    candidates,
    reallocate,
)
from fabnet.network.catalog import CapabilityCatalog, CapabilityQuery, SearchResult
from fabnet.network.members import InProcessQuoteProvider
from fabnet.network.quotes import QuoteStatus
from fabnet.scenarios import load_scenario
from network.second_coater import COATERS, with_a_second_coater


@pytest.fixture(scope="module")
def brainport() -> RegionalNetwork:
    return load_scenario("brainport")


@pytest.fixture(scope="module")
def two_coaters(brainport: RegionalNetwork) -> RegionalNetwork:
    return with_a_second_coater(brainport)


def _market(network: RegionalNetwork, **provider_options) -> Marketplace:
    return Marketplace(network, CapabilityCatalog.from_network(network),
                       InProcessQuoteProvider(network, **provider_options), check_in_time=False)


def test_order_work_the_supplier_cannot_do_goes_to_capable_members(brainport: RegionalNetwork) -> None:
    result = allocate(_market(brainport), "bp-o010")
    assert result.status is AllocationStatus.ALLOCATED
    assert result.receiver_id == "maaslas"
    assert set(result.in_house_operations) == {"assemble", "weld", "inspect"}
    by_design = {p.package.design.id: p for p in result.packages}
    assert set(by_design) == {"fr-210", "fr-220", "fr-200"}
    assert by_design["fr-210"].package.operation_keys == ("cut", "bend")
    per_frame = sum(line.quantity for line in brainport.design("fr-200").bom if line.design_id == "fr-220")
    assert by_design["fr-220"].package.quantity == per_frame * by_design["fr-200"].package.quantity
    for package in result.packages:
        assert "maaslas" not in package.candidates
        assert package.status is PackageStatus.ALLOCATED
        assert sum(line.quantity for line in package.split.lines) == package.package.quantity
    partners = {s.order.supplier_id for s in result.sub_orders}
    assert partners == {"kempenplaat", "rijnmond-coat"}
    for sub in result.sub_orders:
        assert sub.order.customer_id == "maaslas" and sub.order.status is OrderStatus.ALLOCATED
        assert sub.price_eur > 0 and sub.co2_kg > 0
    assert result.total_price_eur == pytest.approx(sum(s.price_eur for s in result.sub_orders))


def test_partner_down_leaves_the_order_waiting_then_it_is_taken_when_back(brainport: RegionalNetwork) -> None:
    down = _market(brainport, unavailable={"kempenplaat"})
    result = allocate(down, "bp-o010")
    assert result.status is AllocationStatus.WAITING
    waiting = {p.package.design.id for p in result.waiting()}
    assert waiting == {"fr-210", "fr-220"}
    for package in result.waiting():
        assert [q.status for q in package.quotes] == [QuoteStatus.UNAVAILABLE]
        assert "kempenplaat" in package.note
    assert result.waiting_quantity == sum(p.package.quantity for p in result.waiting())
    assert {s.order.supplier_id for s in result.sub_orders} == {"rijnmond-coat"}  # the rest went ahead
    retried = reallocate(_market(brainport), result)
    assert retried.status is AllocationStatus.ALLOCATED
    assert {s.order.supplier_id for s in retried.sub_orders} == {"kempenplaat", "rijnmond-coat"}
    coat_before = next(s for s in result.sub_orders if s.order.supplier_id == "rijnmond-coat")
    coat_after = next(s for s in retried.sub_orders if s.order.supplier_id == "rijnmond-coat")
    assert coat_after == coat_before  # untouched packages keep their allocation


def test_a_declining_member_is_replaced_and_a_failed_partner_is_reallocated(two_coaters: RegionalNetwork) -> None:
    market = _market(two_coaters)
    first = allocate(market, "bp-o005")
    chosen = {s.order.supplier_id for s in first.sub_orders}
    assert len(chosen) == 1 and chosen <= set(COATERS)
    failed = chosen.pop()
    other = next(c for c in COATERS if c != failed)
    replaced = reallocate(market, first, failed)
    assert {s.order.supplier_id for s in replaced.sub_orders} == {other}
    assert failed in replaced.excluded_members
    assert replaced.status is AllocationStatus.ALLOCATED
    declining = allocate(_market(two_coaters, declining={other}), "bp-o005")
    assert {s.order.supplier_id for s in declining.sub_orders} == {failed}
    statuses = {q.member_id: q.status for q in declining.packages[0].quotes}
    assert statuses[other] is QuoteStatus.DECLINED


def test_scarce_capacity_splits_a_package_over_members(two_coaters: RegionalNetwork) -> None:
    coat_machines = [m.id for m in two_coaters.machines if m.company_id in COATERS]
    market = _market(two_coaters, free_minutes={machine: 40.0 for machine in coat_machines})
    result = allocate(market, "bp-o005")
    package = result.packages[0]
    assert package.package.quantity == 250
    assert {line.member_id for line in package.split.lines} == set(COATERS)
    offered = {q.member_id: q.max_quantity for q in package.quotes}
    assert all(line.quantity <= offered[line.member_id] for line in package.split.lines)
    allocated = sum(line.quantity for line in package.split.lines)
    assert allocated + package.split.quantity_waiting == 250
    assert allocated == min(250, sum(offered.values()))


def test_in_house_work_that_would_be_late_goes_out_with_the_receiver_competing(brainport: RegionalNetwork) -> None:
    data = brainport.model_dump(mode="json")
    data["companies"] = [{k: v for k, v in c.items() if k != "peppol_id"} for c in data["companies"]]
    order = brainport.order("bp-o002")
    for raw in data["orders"]:
        if raw["id"] == "bp-o002":
            raw["due"] = (order.release + timedelta(minutes=20)).isoformat()
    tight = RegionalNetwork.model_validate(data)
    market = Marketplace(tight, CapabilityCatalog.from_network(tight), InProcessQuoteProvider(tight),
                         check_in_time=True)
    result = allocate(market, "bp-o002")
    assert result.packages, "a late in-house plan must go out to the network"
    package = result.packages[0]
    assert package.package.reason.startswith("not in time")
    assert "kempenplaat" in {q.member_id for q in package.quotes}
    assert set(package.package.operation_keys) == {"cut", "bend"}
    assert not set(result.in_house_operations) & {"cut", "bend"}


def test_candidates_come_from_the_catalog_and_respect_exclusions(two_coaters: RegionalNetwork) -> None:
    market = _market(two_coaters)
    result = allocate(market, "bp-o005")
    package = result.packages[0].package
    assert set(candidates(market.catalog, package)) == set(COATERS)
    assert candidates(market.catalog, package, exclude=COATERS) == []
    excluded = allocate(market, "bp-o005", exclude={"rijnmond-coat", "tweede-coat"})
    assert excluded.status is AllocationStatus.WAITING
    assert "no capable member" in excluded.packages[0].note


def test_twin_p90_promises_are_never_earlier_than_the_plan(brainport: RegionalNetwork) -> None:
    planned = allocate(_market(brainport), "bp-o010")
    with_twin = allocate(_market(brainport, twin_replications=8), "bp-o010")
    plan_ready = {q.package_id: q.ready_minute for p in planned.packages for q in p.quotes}
    twin_ready = {q.package_id: q.ready_minute for p in with_twin.packages for q in p.quotes}
    assert plan_ready.keys() == twin_ready.keys()
    assert all(twin_ready[k] >= plan_ready[k] for k in plan_ready)
    assert any(twin_ready[k] > plan_ready[k] for k in plan_ready)  # disturbances make some promise later


def test_a_package_no_single_member_can_do_goes_out_per_operation(brainport: RegionalNetwork) -> None:
    data = brainport.model_dump(mode="json")
    data["companies"] = [{k: v for k, v in c.items() if k != "peppol_id"} for c in data["companies"]]
    kempen = next(c for c in data["companies"] if c["id"] == "kempenplaat")
    data["companies"].append({**kempen, "id": "buigwerk", "name": "Buigwerk B.V.", "kvk": "99120498",
                              "vat_id": "NL899120498B01"})
    for machine in data["machines"]:
        if machine["id"].startswith("kp-brake"):
            machine["company_id"] = "buigwerk"
    network = RegionalNetwork.model_validate(data)
    result = allocate(_market(network), "bp-o010")
    package = next(p for p in result.packages if p.package.design.id == "fr-210")
    assert "per operation" in package.note and package.status is PackageStatus.ALLOCATED
    subs = [s for s in result.sub_orders if s.package_id == package.package.id]
    assert {(s.operation_keys, s.order.supplier_id) for s in subs} == {(("cut",), "kempenplaat"),
                                                                        (("bend",), "buigwerk")}
    assert len({s.order.id for s in result.sub_orders}) == len(result.sub_orders)


class _RecordingSearch:
    """A `CapabilitySearch` other than the catalog itself (as the hub's over HTTP is): allocation only searches."""

    def __init__(self, catalog: CapabilityCatalog) -> None:
        self.catalog = catalog
        self.queries: list[CapabilityQuery] = []

    def search(self, query: CapabilityQuery) -> SearchResult:
        self.queries.append(query)
        return self.catalog.search(query)


def test_allocation_takes_its_candidates_from_any_capability_search(two_coaters: RegionalNetwork) -> None:
    catalog = CapabilityCatalog.from_network(two_coaters)
    recording = _RecordingSearch(catalog)
    provider = InProcessQuoteProvider(two_coaters)
    through = allocate(Marketplace(two_coaters, recording, provider), "bp-o005")
    direct = allocate(Marketplace(two_coaters, catalog, provider), "bp-o005")
    assert recording.queries and all(q.skill for q in recording.queries)
    assert through.model_dump() == direct.model_dump()
    replaced = reallocate(Marketplace(two_coaters, recording, provider), through,
                          through.sub_orders[0].order.supplier_id)
    assert any(through.sub_orders[0].order.supplier_id in q.exclude_companies for q in recording.queries)
    assert through.sub_orders[0].order.supplier_id not in {s.order.supplier_id for s in replaced.sub_orders}
