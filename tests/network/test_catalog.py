"""The capability catalog: filters against a brute-force scan, ranking, onboarding checks."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabnet.domain.skills import SKILLS, skill_definition
from fabnet.network.catalog import CapabilityCatalog, CapabilityQuery, CatalogError, MemberListing, RankingWeights
from fabnet.network.geo import great_circle_km
from fabnet.network.programme import FIVE_HUBS
from fabnet.network.synthetic import elfproef, synthetic_listings, vat_id_for
from fabnet.planning.materials import material
from fabnet.planning.process_errors import PlanningError
from fabnet.scenarios import load_scenario

LISTINGS = synthetic_listings(80, machines_per_member=6, seed=7)
MEMBERS = [MemberListing.model_validate(listing) for listing in LISTINGS]


@pytest.fixture(scope="module")
def catalog() -> CapabilityCatalog:
    built = CapabilityCatalog(FIVE_HUBS)
    for listing in LISTINGS:
        built.onboard(listing)
    return built


def _material_ok(listed: tuple[str, ...], name: str) -> bool:
    if not listed:
        return True
    accepted = {m.lower() for m in listed}
    try:
        grade = material(name)
        tokens = {name.lower(), grade.name.lower(), grade.group.value}
    except PlanningError:
        tokens = {name.lower()}
    return bool(accepted & tokens)


def _capable(query: CapabilityQuery) -> set[tuple[str, str]]:
    """Brute force: every (company, machine) whose skill satisfies the query, checked record by record."""
    found = set()
    for member in MEMBERS:
        company = member.company
        if query.hub_ids and company.hub_id not in query.hub_ids:
            continue
        if query.near is not None and query.max_distance_km is not None:
            km = great_circle_km(query.near.latitude, query.near.longitude, company.address.latitude,
                                 company.address.longitude)
            if km > query.max_distance_km:
                continue
        for listing in member.machines:
            if listing.free_minutes_per_week < query.min_free_minutes_per_week:
                continue
            for skill in listing.machine.skills:
                if skill.skill != query.skill:
                    continue
                if query.material is not None and not _material_ok(skill.materials, query.material):
                    continue
                t = query.thickness_mm
                if t is not None and (t < skill.min_thickness_mm or (skill.max_thickness_mm or 1e99) < t):
                    continue
                if query.part_size_mm is not None and skill.envelope_mm is not None:
                    part, bed = sorted(query.part_size_mm), sorted(skill.envelope_mm)
                    axes = [1, 2] if skill_definition(query.skill).process == "cut" else [0, 1, 2]
                    if any(part[a] > bed[a] for a in axes):
                        continue
                capability = skill.tolerance_mm or skill_definition(skill.skill).capability_tolerance_mm
                if query.tolerance_mm is not None and capability > query.tolerance_mm:
                    continue
                found.add((company.id, listing.machine.id))
    return found


queries = st.builds(
    lambda skill, grade, thickness, size, tolerance, hubs, near, distance: CapabilityQuery(
        skill=skill, material=grade, thickness_mm=thickness, part_size_mm=size, tolerance_mm=tolerance,
        hub_ids=hubs, near=near, max_distance_km=distance if near is not None else None, limit=10_000),
    skill=st.sampled_from(sorted(SKILLS)),
    grade=st.sampled_from([None, "S235", "304", "AlMg3", "PA12", "Ti6Al4V", "unobtanium"]),
    thickness=st.one_of(st.none(), st.floats(0.3, 40)),
    size=st.one_of(st.none(), st.tuples(st.floats(1, 3000), st.floats(1, 2000), st.floats(1, 1500))),
    tolerance=st.one_of(st.none(), st.sampled_from([0.005, 0.01, 0.02, 0.1, 0.3, 1.0])),
    hubs=st.one_of(st.just(()), st.lists(st.sampled_from([h.id for h in FIVE_HUBS]), max_size=2, unique=True)
                   .map(tuple)),
    near=st.one_of(st.none(), st.builds(dict, latitude=st.floats(50.8, 53.5), longitude=st.floats(3.5, 7.2))),
    distance=st.floats(5, 300),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries)
def test_search_finds_exactly_the_capable_machines(catalog: CapabilityCatalog, query: CapabilityQuery) -> None:
    result = catalog.search(query)
    found = {(m.company_id, m.machine_id) for m in result.matches}
    assert found == _capable(query)
    assert result.total_matches == len(found)


def test_search_finds_laser_for_s235_3mm(catalog: CapabilityCatalog) -> None:
    result = catalog.search({"skill": "cut.laser", "material": "S235", "thickness_mm": 3, "limit": 10_000})
    assert result.total_matches > 0
    for match in result.matches:
        member = next(m for m in MEMBERS if m.company.id == match.company_id)
        machine = next(x.machine for x in member.machines if x.machine.id == match.machine_id)
        skill = machine.skill("cut.laser")
        assert skill is not None and skill.max_thickness_mm is not None and skill.max_thickness_mm >= 3
        assert not skill.materials or "steel" in skill.materials


def test_ranking_is_by_score_and_each_criterion_orders_alone(catalog: CapabilityCatalog) -> None:
    near = {"latitude": 51.44, "longitude": 5.47}
    result = catalog.search({"skill": "mill.cnc_3axis", "near": near, "limit": 50})
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    only_rate = RankingWeights(fit=0, capacity=0, nearness=0, rate=1)
    rates = [m.hourly_rate_eur for m in catalog.search(
        {"skill": "mill.cnc_3axis", "limit": 50, "ranking": only_rate}).matches]
    assert rates == sorted(rates)
    only_near = RankingWeights(fit=0, capacity=0, nearness=1, rate=0)
    km = [m.distance_km for m in catalog.search(
        {"skill": "mill.cnc_3axis", "near": near, "limit": 50, "ranking": only_near}).matches]
    assert km == sorted(km)
    only_capacity = RankingWeights(fit=0, capacity=1, nearness=0, rate=0)
    free = [m.free_minutes_per_week for m in catalog.search(
        {"skill": "mill.cnc_3axis", "limit": 50, "ranking": only_capacity}).matches]
    assert free == sorted(free, reverse=True)


def test_limit_keeps_the_best(catalog: CapabilityCatalog) -> None:
    full = catalog.search({"skill": "bend.press_brake", "limit": 10_000})
    top = catalog.search({"skill": "bend.press_brake", "limit": 5})
    assert [m.machine_id for m in top.matches] == [m.machine_id for m in full.matches[:5]]
    assert top.total_matches == full.total_matches


def _listing(index: int = 0) -> dict:
    return copy.deepcopy(LISTINGS[index])


def test_onboarding_rejects_bad_kvk_naming_the_field() -> None:
    listing = _listing()
    listing["company"]["kvk"] = "1234"
    with pytest.raises(CatalogError, match=r"company\.kvk: KvK number must be exactly 8 digits"):
        CapabilityCatalog(FIVE_HUBS).onboard(listing)


def test_onboarding_rejects_unknown_hub_duplicate_kvk_and_foreign_machine() -> None:
    catalog = CapabilityCatalog(FIVE_HUBS)
    listing = _listing()
    listing["company"]["hub_id"] = "hub-atlantis"
    with pytest.raises(CatalogError, match=r"company\.hub_id: unknown hub 'hub-atlantis'"):
        catalog.onboard(listing)
    catalog.onboard(_listing(0))
    twin = _listing(1)
    twin["company"]["kvk"] = LISTINGS[0]["company"]["kvk"]
    with pytest.raises(CatalogError, match="already registered to member 'm00000'"):
        catalog.onboard(twin)
    foreign = _listing(2)
    foreign["machines"][0]["machine"]["company_id"] = "m00000"
    with pytest.raises(CatalogError, match="belongs to 'm00000', not to the publishing member 'm00002'"):
        catalog.onboard(foreign)
    assert len(catalog) == 1


def test_republishing_replaces_and_withdrawal_removes() -> None:
    catalog = CapabilityCatalog(FIVE_HUBS)
    listing = _listing(3)
    catalog.onboard(listing)
    skill = listing["machines"][0]["machine"]["skills"][0]["skill"]
    before = catalog.search({"skill": skill, "limit": 100}).total_matches
    assert before >= 1
    listing["machines"] = listing["machines"][1:] or listing["machines"]
    receipt = catalog.onboard(listing)
    assert receipt.replaced
    expected = sum(1 for m in listing["machines"] for s in m["machine"]["skills"] if s["skill"] == skill)
    assert catalog.search({"skill": skill, "limit": 100}).total_matches == expected
    catalog.withdraw("m00003")
    assert catalog.search({"skill": skill, "limit": 100}).total_matches == 0
    with pytest.raises(KeyError):
        catalog.withdraw("m00003")


def test_query_errors_name_the_field() -> None:
    catalog = CapabilityCatalog(FIVE_HUBS)
    with pytest.raises(CatalogError, match=r"query: skill: unknown skill 'cut\.plasma'"):
        catalog.search({"skill": "cut.plasma"})
    with pytest.raises(CatalogError, match="max_distance_km needs a site"):
        catalog.search({"skill": "cut.laser", "max_distance_km": 10})
    with pytest.raises(CatalogError, match="hub_ids: unknown hub 'hub-x'"):
        catalog.search({"skill": "cut.laser", "hub_ids": ["hub-x"]})


def test_synthetic_members_are_valid_and_spread_over_the_five_hubs() -> None:
    assert all(elfproef(m.company.vat_id) for m in MEMBERS)
    assert len({m.company.kvk for m in MEMBERS}) == len(MEMBERS)
    assert {m.company.hub_id for m in MEMBERS} == {h.id for h in FIVE_HUBS}
    assert vat_id_for(12345678) == "NL123456782B01"  # 1·9+2·8+3·7+4·6+5·5+6·4+7·3+8·2 = 156 = 14·11 + 2


def test_brainport_catalog_finds_the_lasers_of_kempenplaat() -> None:
    network = load_scenario("brainport")
    catalog = CapabilityCatalog.from_network(network)
    result = catalog.search({"skill": "cut.laser", "material": "S235", "thickness_mm": 3})
    assert {m.machine_id for m in result.matches} == {"kp-laser-3", "kp-laser-6", "kp-laser-12"}
    aluminium = catalog.search({"skill": "cut.laser", "material": "AlMg3", "thickness_mm": 2})
    assert {m.machine_id for m in aluminium.matches} == {"kp-laser-6", "kp-laser-12"}
    assert catalog.stats().members == len(network.companies)


def test_searches_between_joins_see_every_member_that_joined() -> None:
    catalog = CapabilityCatalog(FIVE_HUBS)
    for count, member in enumerate(MEMBERS[:40], start=1):
        catalog.onboard(member)
        expected = sum(1 for m in MEMBERS[:count] for x in m.machines for s in x.machine.skills
                       if s.skill == "mill.cnc_3axis")
        assert catalog.search({"skill": "mill.cnc_3axis", "limit": 10_000}).total_matches == expected
