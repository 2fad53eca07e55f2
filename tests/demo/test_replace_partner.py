"""A partner that fails after allocation is replaced (`scenarios.demo.marketplace.replace_partner`): its work goes to
another member under a new sub-order id, the given-up sub-order stays in the clearing database as cancelled, and
work no member takes is reported waiting, never dropped."""

from pathlib import Path

import pytest

from fabnet.domain import OrderStatus, RegionalNetwork
from fabnet.network.members import InProcessQuoteProvider
from fabnet.scenarios import load_scenario
from fabnet.scenarios.demo.marketplace import allocate_orders, replace_partner
from fabnet.scenarios.demo.store_load import load_database

COATERS = ("rijnmond-coat", "tweede-coat")


@pytest.fixture(scope="module")
def two_coaters() -> RegionalNetwork:
    """Brainport with only order bp-o005 (its coating goes out) and a second powder coater."""
    data = load_scenario("brainport").model_dump(mode="json")
    original = next(c for c in data["companies"] if c["id"] == "rijnmond-coat")
    data["companies"].append({**original, "id": "tweede-coat", "name": "Tweede Coating B.V.", "kvk": "99120499",
                              "vat_id": "NL899120499B01", "hub_id": "hub-brainport"})
    data["companies"] = [{k: v for k, v in c.items() if k != "peppol_id"} for c in data["companies"]]
    for machine in [m for m in data["machines"] if m["company_id"] == "rijnmond-coat"]:
        data["machines"].append({**machine, "id": "tc-" + machine["id"], "company_id": "tweede-coat"})
    data["orders"] = [o for o in data["orders"] if o["id"] == "bp-o005"]
    return RegionalNetwork.model_validate(data)


def test_a_failed_partner_is_replaced_then_the_work_waits_when_no_member_is_left(
        two_coaters: RegionalNetwork, tmp_path: Path) -> None:
    store, _ = load_database(two_coaters, tmp_path / "clearing.sqlite")
    try:
        allocated = allocate_orders(two_coaters, store, provider=InProcessQuoteProvider(two_coaters))
        (first,) = allocated.sub_orders
        assert first.order.supplier_id in COATERS
        other = next(c for c in COATERS if c != first.order.supplier_id)
        replaced, added, dropped = replace_partner(allocated, store, "bp-o005", first.order.supplier_id)
        assert dropped == (first,) and [s.order.supplier_id for s in added] == [other]
        assert replaced.sub_orders == added and replaced.cancelled == (first.order.id,)
        assert added[0].order.id != first.order.id and replaced.parents[added[0].order.id] == "bp-o005"
        assert replaced.result.allocated == 1 and replaced.result.waiting == 0
        assert {o.id for o in replaced.network.orders} == {"bp-o005", added[0].order.id}
        # the second coater fails as well: nobody is left, the work waits and nothing is lost
        waiting, none, gone = replace_partner(replaced, store, "bp-o005", other, frozenset({first.order.supplier_id}))
        assert none == () and gone == added and waiting.sub_orders == ()
        assert waiting.result.waiting == 1 and waiting.results["bp-o005"].waiting_quantity == first.order.quantity
        assert waiting.result.waiting_packages and "bp-o005" in waiting.result.waiting_packages[0]
        with store.transaction() as uow:
            statuses = {o.id: o.status for o in uow.orders.list() if o.id != "bp-o005"}
        assert statuses == {first.order.id: OrderStatus.CANCELLED, added[0].order.id: OrderStatus.CANCELLED}
    finally:
        store.close()
