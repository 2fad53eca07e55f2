"""The repository suite, run against SQLite and PostgreSQL alike."""

from dataclasses import asdict
from datetime import UTC

import pytest
from sqlalchemy import select

from domain.samples import bracket, company, frame, hub, machine, network, order, part, process_plan, schedule
from fabnet.domain import Order, OrderStatus, PartVerdict, RegionalNetwork
from fabnet.store import Store, StoreError, open_store
from fabnet.store.tables import OrderRow


def seed(store: Store, orders: int = 3) -> None:
    with store.transaction() as uow:
        uow.import_network(network(orders))


def counts(store: Store) -> dict[str, int]:
    with store.transaction() as uow:
        return {
            name: getattr(uow, name).count()
            for name in ("hubs", "fieldlabs", "companies", "machines", "designs", "orders", "process_plans",
                         "schedules", "parts")
        }


def test_every_record_kind_round_trips_identically(store: Store, url: str) -> None:
    scenario = network()
    records = [*scenario.hubs, *scenario.fieldlabs, *scenario.companies, *scenario.machines, *scenario.designs,
               *scenario.orders, process_plan(), schedule(), part()]
    with store.transaction() as uow:
        for record in records:
            uow.save(record)
    store.close()
    with open_store(url, migrate=False) as reopened, reopened.transaction() as uow:
        assert uow.hubs.get("hub-rotterdam") == scenario.hubs[1]
        assert uow.fieldlabs.get("lab-1") == scenario.fieldlabs[0]
        assert uow.companies.get("oem-1") == scenario.companies[1]
        assert uow.companies.get("oem-1").peppol_id == "0106:87654321"
        assert uow.machines.get("laser-1") == machine()
        assert uow.designs.get("bracket-a") == bracket()
        assert uow.designs.get("frame-a") == frame()
        assert uow.orders.get("o-2") == scenario.orders[1]
        assert uow.process_plans.get("acme-sheet/bracket-a") == process_plan()
        assert uow.schedules.get("acme-sheet") == schedule()
        assert uow.parts.get("p-1") == part()
        # identical, not merely equal: every field and nested value reads back the same
        assert uow.machines.get("laser-1").model_dump() == machine().model_dump()
        assert uow.parts.get("p-1").model_dump_json() == part().model_dump_json()


def test_add_refuses_an_existing_id_and_names_kind_and_id(store: Store) -> None:
    seed(store)
    with store.transaction() as uow:
        with pytest.raises(StoreError, match=r"^machine 'laser-1' already exists$"):
            uow.machines.add(machine())
        uow.machines.add(machine("laser-9"))  # the refusal left the unit of work usable
    with store.transaction() as uow:
        assert uow.machines.count() == 4


def test_put_inserts_then_replaces(store: Store) -> None:
    seed(store)
    changed = order("o-1").model_copy(update={"status": OrderStatus.SCHEDULED, "quantity": 99})
    with store.transaction() as uow:
        uow.orders.put(changed)
        uow.orders.put(order("o-new"))
    with store.transaction() as uow:
        assert uow.orders.get("o-1") == changed
        assert uow.orders.count() == 4
        assert uow.orders.count(status="scheduled") == 1
        stored = uow.session.execute(select(OrderRow.quantity, OrderRow.status).where(OrderRow.id == "o-1")).one()
        assert tuple(stored) == (99, "scheduled")


def test_get_find_and_delete(store: Store) -> None:
    seed(store)
    with store.transaction() as uow:
        with pytest.raises(KeyError, match="no order with id 'nope'"):
            uow.orders.get("nope")
        assert uow.orders.find("nope") is None
        uow.orders.delete("o-1")
        assert uow.orders.find("o-1") is None
        with pytest.raises(KeyError, match="no order with id 'o-1'"):
            uow.orders.delete("o-1")
    with store.transaction() as uow:
        assert uow.orders.keys() == ["o-2", "o-3"]


def test_delete_of_a_referenced_record_is_refused_and_the_work_goes_on(store: Store) -> None:
    seed(store)
    with store.transaction() as uow:
        with pytest.raises(StoreError, match="cannot delete company 'acme-sheet': other records still refer to it"):
            uow.companies.delete("acme-sheet")
        uow.hubs.put(hub("hub-twente"))
    with store.transaction() as uow:
        assert uow.companies.find("acme-sheet") is not None
        assert uow.hubs.count() == 3


def test_list_is_ordered_by_key_and_filters_on_indexed_columns(store: Store) -> None:
    seed(store, orders=5)
    with store.transaction() as uow:
        assert [o.id for o in uow.orders.list()] == ["o-1", "o-2", "o-3", "o-4", "o-5"]
        assert [o.id for o in uow.orders.list(design_id="frame-a")] == ["o-2", "o-4"]
        assert [m.id for m in uow.machines.list(company_id="weld-co")] == ["laser-3"]
        assert uow.companies.list(role="oem")[0].id == "oem-1"
        with pytest.raises(ValueError, match="cannot be filtered by 'colour'"):
            uow.orders.list(colour="red")


def test_typed_columns_hold_utc_moments_for_queries(store: Store) -> None:
    seed(store)
    with store.transaction() as uow:
        release = uow.session.execute(select(OrderRow.release).where(OrderRow.id == "o-1")).scalar_one()
        # the order was released at 01:00+01:00: SQLite drops the offset, so the column holds UTC
        assert release.replace(tzinfo=UTC) == network().orders[0].release
        assert uow.orders.get("o-1").release.utcoffset().total_seconds() == 3600


def test_process_plans_are_keyed_by_company_and_design_schedules_by_company(store: Store) -> None:
    with store.transaction() as uow:
        uow.process_plans.put(process_plan())
        uow.process_plans.put(process_plan("weld-co"))
        uow.schedules.put(schedule())
        uow.schedules.put(schedule().model_copy(update={"status": "FEASIBLE"}))
    with store.transaction() as uow:
        assert uow.process_plans.keys() == ["acme-sheet/bracket-a", "weld-co/bracket-a"]
        assert uow.process_plans.list(design_id="bracket-a")[1].company_id == "weld-co"
        assert uow.schedules.get("acme-sheet").status == "FEASIBLE"
        uow.parts.put(part("p-2", PartVerdict.HELD))
        uow.parts.put(part("p-3"))
        assert [p.id for p in uow.parts.list(verdict="held")] == ["p-2"]


def test_dangling_reference_is_refused_naming_the_field(store: Store) -> None:
    seed(store)
    with store.transaction() as uow:
        with pytest.raises(StoreError, match="order 'o-9': design_id 'ghost' names no stored design"):
            uow.orders.put(order("o-9", design_id="ghost"))
        with pytest.raises(StoreError, match="company 'x': hub_id 'hub-nowhere' names no stored hub"):
            uow.companies.add(company("x", hub_id="hub-nowhere"))


def test_an_exception_in_the_block_rolls_everything_back(store: Store) -> None:
    seed(store)
    before = counts(store)
    with pytest.raises(RuntimeError, match="boom"), store.transaction() as uow:
        uow.orders.put(order("o-77"))
        uow.orders.delete("o-1")
        raise RuntimeError("boom")
    assert counts(store) == before


def test_save_dispatches_by_type_and_refuses_unstored_types(store: Store) -> None:
    seed(store)
    with store.transaction() as uow:
        uow.save(order("o-1").model_copy(update={"quantity": 5}))
        assert uow.orders.get("o-1").quantity == 5
        with pytest.raises(TypeError, match="RegionalNetwork records are not stored here"):
            uow.save(network())
        with pytest.raises(TypeError, match="stores Order"):
            uow.orders.put(part())  # type: ignore[arg-type]


def test_import_network_stores_everything_and_is_repeatable(store: Store) -> None:
    with store.transaction() as uow:
        imported = uow.import_network(network())
    assert asdict(imported) == {"hubs": 2, "fieldlabs": 1, "companies": 3, "machines": 3, "designs": 2, "orders": 3}
    assert imported.total == 14
    with store.transaction() as uow:
        uow.import_network(network())  # a second import replaces, it does not duplicate
    assert counts(store) == {"hubs": 2, "fieldlabs": 1, "companies": 3, "machines": 3, "designs": 2, "orders": 3,
                             "process_plans": 0, "schedules": 0, "parts": 0}


def broken_network(**last_order_changes: object) -> RegionalNetwork:
    """A network whose last order breaks a database rule; built without validation to get past the domain."""
    valid = network(4)
    last = Order.model_construct(**{**valid.orders[-1].__dict__, "id": "o-bad", **last_order_changes})
    return RegionalNetwork.model_construct(**{**valid.__dict__, "orders": (*valid.orders, last)})


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"quantity": 0}, "quantity"),  # the CHECK constraint in the database itself
        ({"design_id": "ghost"}, "design_id 'ghost' names no stored design"),
    ],
)
def test_failed_import_changes_nothing(store: Store, change: dict[str, object], reason: str) -> None:
    seed(store, orders=1)
    before = counts(store)
    expected = rf"import of network 'mini' failed, nothing was stored: .*{reason}"
    with pytest.raises(StoreError, match=expected), store.transaction() as uow:
        uow.import_network(broken_network(**change))
    assert counts(store) == before


def test_failed_import_leaves_nothing_even_when_the_caller_goes_on(store: Store) -> None:
    with store.transaction() as uow:
        with pytest.raises(StoreError):
            uow.import_network(broken_network(quantity=-3))
        uow.hubs.put(hub("hub-twente"))
    assert counts(store) == {"hubs": 1, "fieldlabs": 0, "companies": 0, "machines": 0, "designs": 0, "orders": 0,
                             "process_plans": 0, "schedules": 0, "parts": 0}


def test_constraint_failure_at_commit_is_a_store_error(store: Store) -> None:
    seed(store)
    with pytest.raises(StoreError, match="orders"), store.transaction() as uow:
        # raw SQL past the repositories: the database itself refuses a zero quantity
        uow.session.execute(OrderRow.__table__.update().where(OrderRow.id == "o-1").values(quantity=0))
    assert counts(store)["orders"] == 3


def test_a_database_refusal_names_the_rule(store: Store) -> None:
    seed(store)
    with pytest.raises(StoreError) as raised, store.transaction() as uow:
        uow.session.execute(OrderRow.__table__.update().where(OrderRow.id == "o-2").values(quantity=-1))
    message = str(raised.value)
    assert "\n" not in message
    assert "quantity_positive" in message  # SQLite and PostgreSQL both name the CHECK constraint
