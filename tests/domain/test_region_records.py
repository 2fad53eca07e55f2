"""The regional network's reference checks, parts' measurements, and the one-line error description."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from domain.samples import ORIGIN, company, hub, machine, network, order, part
from fabnet.domain import Measurement, RegionalNetwork
from fabnet.domain.errors import describe


def network_error(**changes: object) -> str:
    fields = {name: getattr(network(), name) for name in RegionalNetwork.model_fields}
    with pytest.raises(ValidationError) as raised:
        RegionalNetwork(**{**fields, **changes})
    return describe(raised.value, "mini.json")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"companies": (company(hub_id="hub-atlantis"),)}, "company 'acme-sheet': unknown hub_id 'hub-atlantis'"),
        ({"hubs": (hub("hub-rotterdam"),)}, "unknown hub_id 'hub-eindhoven'"),
        ({"machines": (machine(company_id="nobody"),)}, "machine 'laser-1': unknown company_id 'nobody'"),
        ({"orders": (order(design_id="ghost"),)}, "order 'o-1': unknown design_id 'ghost'"),
        ({"hubs": (hub(), hub())}, "hubs: duplicate id 'hub-eindhoven'"),
    ],
)
def test_dangling_references_and_duplicates_are_named(changes: dict[str, object], reason: str) -> None:
    message = network_error(**changes)
    assert message.startswith("mini.json: input: ")
    assert reason in message


def test_design_and_order_references_to_companies_are_checked() -> None:
    scenario = network()
    orphan_design = scenario.designs[0].model_copy(update={"owner_id": "nobody"})
    assert "design 'bracket-a': unknown owner_id 'nobody'" in network_error(
        designs=(orphan_design, *scenario.designs[1:]))
    assert "design 'frame-a': bom names unknown design 'bracket-a'" in network_error(designs=scenario.designs[1:],
                                                                                      orders=())
    stranger = order().model_copy(update={"supplier_id": "nobody"})
    assert "order 'o-1': unknown supplier_id 'nobody'" in network_error(orders=(stranger,))
    lost_lab = scenario.fieldlabs[0].model_copy(update={"hub_id": "nowhere"})
    assert "fieldlab 'lab-1': unknown hub_id 'nowhere'" in network_error(fieldlabs=(lost_lab,))


def test_lookups_answer_or_name_the_known_ids() -> None:
    scenario = network(order_count=12)
    assert scenario.company("oem-1").role == "oem"
    assert scenario.machine("laser-3").company_id == "weld-co"
    assert scenario.design("frame-a").kind == "assembly"
    assert scenario.order("o-2").quantity == 2
    assert [m.id for m in scenario.machines_of("acme-sheet")] == ["laser-1", "laser-2"]
    assert len(scenario.orders_for("acme-sheet")) == 12
    assert scenario.minutes(ORIGIN + timedelta(hours=2)) == 120
    with pytest.raises(KeyError, match=r"unknown order 'o-99' \(known: o-1, .*, …\)"):
        scenario.order("o-99")
    with pytest.raises(KeyError, match=r"unknown company 'x' \(known: acme-sheet, oem-1, weld-co\)"):
        scenario.company("x")


def test_measurements_know_whether_they_are_in_specification() -> None:
    assert part().measurements[0].in_specification is True
    reading = Measurement(characteristic="temp", value=81.0, unit="°C", timestamp=ORIGIN)
    assert reading.in_specification is None
    assert reading.model_copy(update={"upper_limit": 80.0}).in_specification is False
    assert reading.model_copy(update={"lower_limit": 90.0}).in_specification is False


def test_describe_counts_the_further_errors() -> None:
    with pytest.raises(ValidationError) as raised:
        company().model_validate({"id": "x"})
    message = describe(raised.value, "companies.json")
    assert message.startswith("companies.json: name: Field required (and ")
    assert message.endswith("more errors)")
    with pytest.raises(ValidationError) as single:
        order().model_validate({**order().model_dump(), "quantity": 0})
    assert describe(single.value) == "quantity: Input should be greater than 0"
