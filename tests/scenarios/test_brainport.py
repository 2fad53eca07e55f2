"""The brainport reference scenario: size, validity, realism, and that its suppliers can plan their orders."""

import json
import re
from datetime import timedelta
from importlib import resources

import pytest

from fabnet.domain import OrderStatus
from fabnet.planning.process import plan_what_is_possible
from fabnet.scenarios import available, load_scenario
from fabnet.scenarios.brainport_generator import build_brainport, scenario_documents
from fabnet.scenarios.loader import read_scenario


@pytest.fixture(scope="module")
def network():
    return load_scenario("brainport")


def test_available_and_unknown_name():
    assert "brainport" in available()
    with pytest.raises(ValueError, match=r"unknown scenario 'atlantis'; available: .*brainport"):
        load_scenario("atlantis")


def test_sizes_meet_the_issue(network):
    assert len(network.hubs) >= 2
    assert {"Eindhoven", "Rotterdam"} <= {hub.city for hub in network.hubs}
    assert len(network.companies) >= 6
    assert len({c.hub_id for c in network.companies}) >= 2
    assert len(network.machines) >= 20
    assert len(network.designs) >= 10
    assert len({d.product_family for d in network.designs}) >= 3
    assert len(network.orders) >= 60


def test_companies_cover_the_supply_chain(network):
    skills_of = {c.id: {s.skill for m in network.machines_of(c.id) for s in m.skills} for c in network.companies}
    wanted = [{"cut.laser", "bend.press_brake"}, {"mill.cnc_3axis", "mill.cnc_5axis", "turn.cnc"},
              {"weld.mig", "weld.robot", "assemble.manual", "inspect.cmm"}, {"coat.powder"}, {"print.metal_waam"}]
    for skills in wanted:
        assert any(skills <= have for have in skills_of.values()), skills
    assert any(c.role == "oem" for c in network.companies)
    for company in network.companies:
        assert re.fullmatch(r"\d{8}", company.kvk) and re.fullmatch(r"NL\d{9}B\d{2}", company.vat_id)
        assert company.email.endswith(".example")  # fictional: reserved domain


def test_machines_are_realistic(network):
    for machine in network.machines:
        assert 60 <= machine.hourly_rate_eur <= 180, machine.id
        assert machine.power_kw > 0
    assert sum(1 for m in network.machines if m.maintenance) >= 2
    assert any(m.calendar.shifts and len(m.calendar.shifts) == 2 for m in network.machines)  # two shifts Mon–Fri
    coater = next(m for m in network.machines if m.id == "rc-line")
    assert coater.changeovers.minutes("RAL9005", "RAL9010") > coater.changeovers.minutes("RAL9010", "RAL9005")
    laser = next(m for m in network.machines if m.id == "kp-laser-6")
    assert laser.changeovers.minutes("S235-3", "S235-4") < laser.changeovers.minutes("S235-3", "304-2")


def test_orders_span_four_weeks_from_a_monday(network):
    origin = network.origin
    assert origin.weekday() == 0 and (origin.hour, origin.minute) == (0, 0) and origin.utcoffset() == timedelta(0)
    releases = [o.release - origin for o in network.orders]
    assert min(releases) >= timedelta(0) and max(releases) < timedelta(days=28)
    assert max(releases) >= timedelta(days=14)
    assert all(o.due - origin <= timedelta(days=35) for o in network.orders)
    assert len({o.supplier_id for o in network.orders}) >= 4
    assert {o.weight for o in network.orders} >= {1, 2}


def test_every_order_is_plannable_by_its_supplier_for_the_skills_it_has(network):
    designs = {d.id: d for d in network.designs}
    for order in network.orders:
        if order.status in (OrderStatus.CANCELLED, OrderStatus.COMPLETED):
            continue
        machines = network.machines_of(order.supplier_id)
        partial = plan_what_is_possible(designs[order.design_id], machines, quantity=order.quantity, designs=designs)
        assert partial.plan is not None, order.id
        skills = {s.skill for m in machines for s in m.skills}
        for skipped in partial.skipped:
            # a skipped operation is one the supplier has no skill for, never a range its machines miss
            assert not set(skipped.skills) & skills, skipped.message
            assert "no machine of" in skipped.reason


def test_committed_json_is_what_the_generator_builds():
    folder = resources.files("fabnet.scenarios").joinpath("brainport")
    for stem, text in scenario_documents(build_brainport()).items():
        assert folder.joinpath(f"{stem}.json").read_text(encoding="utf-8") == text, stem
    assert json.loads(folder.joinpath("network.json").read_text(encoding="utf-8"))["name"] == "brainport"


def test_a_broken_scenario_names_the_file_and_field(tmp_path):
    source = resources.files("fabnet.scenarios").joinpath("brainport")
    for stem in ("network", "companies", "machines", "designs", "orders"):
        (tmp_path / f"{stem}.json").write_text(source.joinpath(f"{stem}.json").read_text(encoding="utf-8"))
    assert len(read_scenario(tmp_path, "copy").orders) >= 60
    companies = json.loads((tmp_path / "companies.json").read_text())
    companies[0]["kvk"] = "1234"
    (tmp_path / "companies.json").write_text(json.dumps(companies))
    with pytest.raises(ValueError, match=r"scenario 'copy', companies\.json: companies\.0\.kvk: KvK number must be"):
        read_scenario(tmp_path, "copy")
    (tmp_path / "orders.json").write_text("[{")
    with pytest.raises(ValueError, match=r"orders\.json is not valid JSON"):
        read_scenario(tmp_path, "copy")
