"""The hub's JSON API over real HTTP against a real hub process (SQLite in its data folder): members, catalog
publication (member token or operator token) and ranked search, flows, network map, KPIs, programme; restarts."""

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabnet.network.catalog import CapabilityCatalog, CapabilityQuery, MemberListing
from fabnet.network.flows import FlowReport
from fabnet.network.programme import FIVE_HUBS
from fabnet.network.synthetic import synthetic_listings
from fabnet.service.hub_api_client import HubApiError, HubClient
from service.hub_support import HUB_ID, RunningHub, json_keys, start_hub

LISTINGS = synthetic_listings(12, seed=7)
"""Twelve members; the first three are onboarded as members and publish their own listings."""
MEMBERS = [f"urn:fabnet:member:m{n}" for n in range(3)]


def _listing(n: int) -> dict:
    return copy.deepcopy(LISTINGS[n])


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    running = start_hub(tmp_path_factory.mktemp("hub"), 'scenario = "brainport"\n')
    try:
        for n, member_id in enumerate(MEMBERS):
            company = LISTINGS[n]["company"]
            running.onboard(member_id, company["name"], company["kvk"])
        for n, member_id in enumerate(MEMBERS):
            published = running.post("/api/v1/catalog/capabilities", _listing(n), running.as_member(member_id))
            assert published.status_code == 200, published.text
        for n in range(3, len(LISTINGS)):  # companies without a node of their own: the operator lists them
            published = running.post("/api/v1/catalog/capabilities", _listing(n), running.as_operator)
            assert published.status_code == 200, published.text
        yield running
    finally:
        running.stop()



def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and "\n" not in body["error"]
    return body["error"]


def test_members_list_their_credentials_and_listings(hub: RunningHub) -> None:
    listed = hub.get("/api/v1/members", hub.as_operator).json()
    assert listed["view"] == "operator" and listed["total"] == len(MEMBERS)
    by_id = {m["member_id"]: m for m in listed["members"]}
    assert set(by_id) == set(MEMBERS)
    first = by_id[MEMBERS[0]]
    company = LISTINGS[0]["company"]
    assert (first["kvk"], first["company_id"], first["hub_id"]) == (company["kvk"], company["id"], HUB_ID)
    assert first["machines"] == len(LISTINGS[0]["machines"]) and not first["revoked"]
    assert (first["latitude"], first["longitude"]) == (company["address"]["latitude"], company["address"]["longitude"])
    detail = hub.get(f"/api/v1/members/{MEMBERS[0]}").json()
    assert detail["listing"]["company"].pop("peppol_id") == f"0106:{company['kvk']}"  # computed, not stored
    assert MemberListing.model_validate(detail["listing"]) == MemberListing.model_validate(LISTINGS[0])
    assert "not a member" in _error(hub.get("/api/v1/members/urn:fabnet:member:nobody"), 404)


def test_the_public_sees_a_directory_and_a_member_its_own_credential(hub: RunningHub) -> None:
    credential = {"kvk", "endpoint", "issued_at", "expires_at", "revoked", "hub_id"}
    public = hub.get("/api/v1/members").json()
    assert public["view"] == "public" and public["total"] == len(MEMBERS)
    for entry in public["members"]:
        assert not credential & set(entry), entry
    first = next(m for m in public["members"] if m["member_id"] == MEMBERS[0])
    skills = {s["skill"] for m in LISTINGS[0]["machines"] for s in m["machine"]["skills"]}
    assert (first["company_name"], first["region_hub_id"]) == (LISTINGS[0]["company"]["name"],
                                                               LISTINGS[0]["company"]["hub_id"])
    assert set(first["skills"]) == skills and first["skills"] == sorted(skills)
    own = hub.get("/api/v1/members", hub.as_member(MEMBERS[1])).json()
    assert own["view"] == "member"
    full = {m["member_id"] for m in own["members"] if credential <= set(m)}
    assert full == {MEMBERS[1]} and own["total"] == len(MEMBERS)
    detail = hub.get(f"/api/v1/members/{MEMBERS[0]}").json()
    assert detail["view"] == "public" and not credential & set(detail["member"])
    assert "kvk" in hub.get(f"/api/v1/members/{MEMBERS[0]}", hub.as_member(MEMBERS[0])).json()["member"]
    assert "kvk" not in hub.get(f"/api/v1/members/{MEMBERS[0]}", hub.as_member(MEMBERS[1])).json()["member"]
    assert "malformed" in _error(hub.get("/api/v1/members", {"Authorization": "Bearer nonsense"}), 401)


def test_search_ranks_as_the_catalog_does(hub: RunningHub) -> None:
    reference = CapabilityCatalog(FIVE_HUBS)
    for listing in LISTINGS:
        reference.onboard(listing)
    skills = sorted({s["skill"] for listing in LISTINGS for m in listing["machines"] for s in m["machine"]["skills"]})
    site = LISTINGS[4]["company"]["address"]
    for skill in skills:
        params = {"skill": skill, "near": f"{site['latitude']},{site['longitude']}", "limit": 50}
        found = hub.get("/api/v1/catalog/search", **params)
        assert found.status_code == 200, found.text
        expected = reference.search(CapabilityQuery(
            skill=skill, near={"latitude": site["latitude"], "longitude": site["longitude"]}, limit=50))
        assert found.json()["total_matches"] == expected.total_matches
        assert [m["machine_id"] for m in found.json()["matches"]] == [m.machine_id for m in expected.matches]
    by_region = hub.get("/api/v1/catalog/search", skill=skills[0], region="Zuid-Nederland", limit=1000).json()
    assert by_region["matches"] and {m["hub_id"] for m in by_region["matches"]} == {"hub-brainport"}
    by_hub = hub.get("/api/v1/catalog/search", skill=skills[0], region="hub-brainport", limit=1000).json()
    assert by_hub["matches"] == by_region["matches"]


def test_search_constraints_filter_machines(hub: RunningHub) -> None:
    found = hub.get("/api/v1/catalog/search", skill="cut.laser", material="S235", thickness_mm=6,
                    envelope="1500x800x6", limit=1000).json()
    machines = {m["machine"]["id"]: m["machine"] for listing in LISTINGS for m in listing["machines"]}
    assert found["total_matches"] == len(found["matches"]) > 0
    for match in found["matches"]:
        skill = next(s for s in machines[match["machine_id"]]["skills"] if s["skill"] == "cut.laser")
        assert skill["min_thickness_mm"] <= 6 <= (skill["max_thickness_mm"] or 1e9)
        assert sorted(skill["envelope_mm"])[1:] >= [800, 1500] if skill.get("envelope_mm") else True
    scores = [m["score"] for m in found["matches"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("params", "field"), [
    ({}, "skill"),
    ({"skill": "cut.plasma"}, "skill"),
    ({"skill": "cut.laser", "thickness_mm": "thick"}, "thickness_mm"),
    ({"skill": "cut.laser", "thickness_mm": -1}, "thickness_mm"),
    ({"skill": "cut.laser", "envelope": "100,200"}, "envelope"),
    ({"skill": "cut.laser", "envelope": "100,0,5"}, "envelope"),
    ({"skill": "cut.laser", "region": "Atlantis"}, "region"),
    ({"skill": "cut.laser", "near": "91,5"}, "near"),
    ({"skill": "cut.laser", "max_distance_km": 10}, "max_distance_km"),
    ({"skill": "cut.laser", "limit": 0}, "limit"),
])
def test_bad_search_parameters_are_named(hub: RunningHub, params: dict, field: str) -> None:
    assert field in _error(hub.get("/api/v1/catalog/search", **params), 422)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(envelope=st.text(max_size=12), thickness=st.one_of(st.none(), st.floats(allow_nan=True)),
       region=st.one_of(st.none(), st.sampled_from(["hub-oost", "Noord-Nederland", "x", ""])))
def test_any_search_input_gets_results_or_a_named_error(hub: RunningHub, envelope: str, thickness: float | None,
                                                        region: str | None) -> None:
    params = {"skill": "bend.press_brake", "envelope": envelope, "thickness_mm": thickness, "region": region}
    found = hub.get("/api/v1/catalog/search", **{k: v for k, v in params.items() if v is not None})
    if found.status_code == 200:
        assert found.json()["total_matches"] >= len(found.json()["matches"])
    else:
        message = _error(found, 422)
        assert message.split(":")[0].split(".")[0] in {"envelope", "thickness_mm", "region", "query"}


def test_publication_needs_the_members_own_key_and_company(hub: RunningHub) -> None:
    url = "/api/v1/catalog/capabilities"
    assert "bearer" in _error(hub.post(url, _listing(0)), 401)
    assert "malformed" in _error(hub.post(url, _listing(0), {"Authorization": "Bearer not-a-token"}), 401)
    token = hub.token(MEMBERS[0])
    assert hub.post(url, _listing(0), {"Authorization": f"Bearer {token}"}).status_code == 200
    assert "replay" in _error(hub.post(url, _listing(0), {"Authorization": f"Bearer {token}"}), 401)
    elsewhere = hub.token(MEMBERS[0], audience="urn:fabnet:hub:elsewhere")
    assert "audience" in _error(hub.post(url, _listing(0), {"Authorization": f"Bearer {elsewhere}"}), 401)
    assert "company.kvk" in _error(hub.post(url, _listing(1), hub.as_member(MEMBERS[0])), 403)
    stranger = hub.keys[MEMBERS[1]]
    hub.keys["urn:fabnet:member:stranger"] = stranger
    assert "not registered" in _error(hub.post(url, _listing(1), hub.as_member("urn:fabnet:member:stranger")), 403)


def test_a_bad_listing_is_refused_by_field_and_leaves_the_stored_one(hub: RunningHub) -> None:
    url = "/api/v1/catalog/capabilities"
    before = hub.get(f"/api/v1/members/{MEMBERS[1]}").json()["listing"]
    broken = _listing(1)
    broken["machines"][0]["free_minutes_per_week"] = -5
    assert _error(hub.post(url, broken, hub.as_member(MEMBERS[1])), 422).startswith(
        "machines.0.free_minutes_per_week:")
    foreign = _listing(1)
    foreign["company"]["hub_id"] = "hub-atlantis"
    assert "company.hub_id" in _error(hub.post(url, foreign, hub.as_member(MEMBERS[1])), 422)
    assert _error(hub.post(url, "not a listing", hub.as_member(MEMBERS[1])), 422)
    assert hub.get(f"/api/v1/members/{MEMBERS[1]}").json()["listing"] == before


def test_flows_make_the_map_and_the_kpis(hub: RunningHub) -> None:
    a, b, c = MEMBERS
    flows = [
        {"from": a, "to": b, "order_id": "PO-1", "value_eur": "1000.00", "quantity": 10, "ordered_on": "2026-11-02"},
        {"from": a, "to": b, "order_id": "PO-2", "value_eur": "500.00", "quantity": 5, "ordered_on": "2026-11-03"},
        {"from": b, "to": a, "order_id": "PO-3", "value_eur": "300.00", "quantity": 3, "ordered_on": "2026-11-04",
         "parent_order_id": "SO-9"},
        {"from": c, "to": a, "order_id": "PO-4", "value_eur": "200.00", "quantity": 2, "ordered_on": "2026-12-01"},
    ]
    client = HubClient(hub.url, HUB_ID, a, hub.keys[a])
    assert not client.report_flow(FlowReport.model_validate(flows[0])).replaced
    assert client.report_flow(FlowReport.model_validate(flows[0])).replaced  # the same order again: replaced
    assert hub.post("/api/v1/flows", flows[1], hub.as_member(b)).status_code == 200
    assert hub.post("/api/v1/flows", flows[2], hub.as_member(a)).status_code == 200
    assert hub.post("/api/v1/flows", flows[3], hub.as_operator).status_code == 200
    assert "from/to" in _error(hub.post("/api/v1/flows", flows[3] | {"order_id": "PO-5"}, hub.as_member(b)), 403)
    assert "to:" in _error(hub.post("/api/v1/flows", flows[0] | {"to": "urn:x"}, hub.as_operator), 422)
    assert "value_eur" in _error(hub.post("/api/v1/flows", flows[0] | {"value_eur": "-1"}, hub.as_operator), 422)
    assert "from and to" in _error(hub.post("/api/v1/flows", flows[0] | {"to": a}, hub.as_operator), 422)
    with pytest.raises(HubApiError, match="403"):
        HubClient(hub.url, HUB_ID, c, hub.keys[c]).report_flow(FlowReport.model_validate(flows[0]))

    november = hub.get("/api/v1/network/map", hub.as_operator, period="2026-11").json()
    assert november["view"] == "operator"
    edges = {(e["from"], e["to"]): e for e in november["flows"]}
    assert edges == {(a, b): {"from": a, "to": b, "orders": 2, "value": "1500.00"},
                     (b, a): {"from": b, "to": a, "orders": 1, "value": "300.00"}}
    everything = hub.get("/api/v1/network/map", hub.as_operator).json()
    assert {(e["from"], e["to"]) for e in everything["flows"]} == {(a, b), (b, a), (c, a)}
    points = {m["id"]: m for m in everything["members"]}
    assert len(points) == len(LISTINGS) and points[a]["company_id"] == LISTINGS[0]["company"]["id"]
    assert points[LISTINGS[5]["company"]["id"]]["member_id"] is None
    assert {h["id"] for h in everything["hubs"]} == {h.id for h in FIVE_HUBS}

    # the public: members where they are, orders per pair of regions only where 3 member pairs add up, no value
    public = hub.get("/api/v1/network/map").json()
    assert public["view"] == "public" and public["flows"] == [] and public["members"] == everything["members"]
    assert not {"value", "value_eur"} & json_keys(public)
    regions = public["region_flows"]
    assert regions["min_member_pairs"] == 3
    assert sum(f["orders"] for f in regions["flows"]) + regions["withheld_orders"] == 4
    assert all(f["member_pairs"] >= 3 for f in regions["flows"])
    assert regions == everything["region_flows"]  # the aggregate is the same for everyone
    # a member: the public picture and its own flows with their values
    mine = hub.get("/api/v1/network/map", hub.as_member(c)).json()
    assert mine["view"] == "member" and mine["flows"] == [{"from": c, "to": a, "orders": 1, "value": "200.00"}]
    assert {(e["from"], e["to"]) for e in hub.get("/api/v1/network/map", hub.as_member(b)).json()["flows"]} == {
        (a, b), (b, a)}

    kpis = hub.get("/api/v1/kpis", hub.as_operator, period="2026-11").json()
    assert (kpis["active_members"], kpis["orders_handled"], kpis["orders_allocated"]) == (2, 3, 1)
    assert kpis["parts_made"] == 18
    # a owes b 1500, b owes a 300: netting leaves one payment of 1200 instead of three invoices' 1800
    assert kpis["payments_saved_by_netting"] == 2
    assert Decimal(kpis["money_movement_saved_eur"]) == Decimal("600.00")
    # to anyone else the netting of two members' orders would give their pair's values away: withheld
    public = hub.get("/api/v1/kpis", period="2026-11").json()
    assert (public["active_members"], public["orders_handled"]) == (2, 3)
    assert public["money_movement_saved_eur"] is None and public["parts_made"] is None
    assert public["coverage"]["netting"] == {"source": "withheld", "members_reporting": 0}
    assert hub.get("/api/v1/kpis").json()["money_movement_saved_eur"] is not None  # all periods: three members
    assert "period" in _error(hub.get("/api/v1/kpis", period="November"), 422)

    programme = hub.get("/api/v1/programme").json()
    figures = programme["network"]
    assert figures["companies"] == len(MEMBERS) + len(LISTINGS) - 3 and figures["active_members"] == 3
    assert figures["fieldlabs"] == len(programme["fieldlabs"]) > 0  # the brainport scenario's fieldlabs
    assert programme["baseline"]["companies_target"] == 6000


@pytest.mark.parametrize("path", ["/api/v1/members", f"/api/v1/members/{MEMBERS[0]}", "/api/v1/programme",
                                  "/api/v1/kpis", "/api/v1/network/map", "/api/v1/catalog/search?skill=cut.laser"])
def test_a_broken_credential_on_a_public_read_is_refused(hub: RunningHub, path: str) -> None:
    assert hub.get(path).status_code == 200  # the public view
    assert "malformed" in _error(hub.get(path, {"Authorization": "Bearer nonsense"}), 401)
    assert "bearer" in _error(hub.get(path, {"Authorization": ""}), 401)
    elsewhere = hub.token(MEMBERS[0], audience="urn:fabnet:hub:elsewhere")
    assert "audience" in _error(hub.get(path, {"Authorization": f"Bearer {elsewhere}"}), 401)
    expired = hub.token(MEMBERS[0], at=datetime.now(UTC) - timedelta(minutes=10))
    assert "expired" in _error(hub.get(path, {"Authorization": f"Bearer {expired}"}), 401)
    headers = hub.as_member(MEMBERS[0])
    assert hub.get(path, headers).status_code == 200
    assert "replay" in _error(hub.get(path, headers), 401)
    assert hub.get(path, hub.as_operator).status_code == 200


def test_openapi_documents_the_api(hub: RunningHub) -> None:
    paths = hub.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/members", "/api/v1/members/{member_id}", "/api/v1/catalog/capabilities",
                 "/api/v1/catalog/search", "/api/v1/programme", "/api/v1/kpis", "/api/v1/network/map",
                 "/api/v1/flows"):
        assert path in paths
    search = paths["/api/v1/catalog/search"]["get"]
    assert {p["name"] for p in search["parameters"]} >= {"skill", "material", "thickness_mm", "envelope",
                                                         "tolerance_mm", "region", "limit"}


def test_revocation_and_restart(hub: RunningHub, tmp_path: Path) -> None:
    skill = LISTINGS[2]["machines"][0]["machine"]["skills"][0]["skill"]
    company = LISTINGS[2]["company"]["id"]

    def companies() -> set[str]:
        found = hub.get("/api/v1/catalog/search", skill=skill, limit=1000).json()
        return {m["company_id"] for m in found["matches"]}

    assert company in companies()
    registry = hub.registry()
    try:
        assert registry.revoke(MEMBERS[2])  # what `fabnet hub revoke-member` does, from another process
    finally:
        registry.close()
    hub.restart()  # the stored catalog and flows come back; the revoked member's machines are not found
    assert company not in companies()
    assert LISTINGS[3]["company"]["id"] in {m["company_id"] for m in hub.get(
        "/api/v1/catalog/search", skill=LISTINGS[3]["machines"][0]["machine"]["skills"][0]["skill"],
        limit=1000).json()["matches"]}
    assert next(m for m in hub.get("/api/v1/members", hub.as_operator).json()["members"]
                if m["member_id"] == MEMBERS[2])["revoked"]
    assert "revoked" in _error(hub.post("/api/v1/catalog/capabilities", _listing(2), hub.as_member(MEMBERS[2])), 403)
    assert len(hub.get("/api/v1/network/map", hub.as_operator).json()["flows"]) == 3
    # a revoked member is refused on every read, and drops out of the public directory (not of the operator's list)
    for path in ("/api/v1/kpis", "/api/v1/network/map", "/api/v1/members", "/api/v1/programme"):
        assert "revoked" in _error(hub.get(path, hub.as_member(MEMBERS[2])), 403)
    assert MEMBERS[2] not in {m["member_id"] for m in hub.get("/api/v1/members").json()["members"]}
    assert MEMBERS[2] not in {m["member_id"] for m in hub.get("/api/v1/network/map").json()["members"]}
    assert MEMBERS[2] in {m["member_id"] for m in hub.get("/api/v1/network/map", hub.as_operator).json()["members"]}
    assert "not a member" in _error(hub.get(f"/api/v1/members/{MEMBERS[2]}"), 404)
    assert hub.get(f"/api/v1/members/{MEMBERS[2]}", hub.as_operator).json()["member"]["revoked"]
