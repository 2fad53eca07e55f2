"""The billing CLI end to end on a SQLite file: create, credit, list, show, export, validate, record, meters, net."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.domain.process import ProcessPlan
from fabnet.scenarios import load_scenario

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FABNET_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    return tmp_path


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def first_plannable_order() -> str:
    from fabnet.planning.process import PlanningError, plan_process

    network = load_scenario("brainport")
    for order in network.orders:
        try:
            plan_process(network.design(order.design_id), network.machines_of(order.supplier_id),
                         quantity=order.quantity, designs={d.id: d for d in network.designs})
        except PlanningError:
            continue
        return order.id
    raise AssertionError("no plannable order in the brainport scenario")


def test_invoice_life_cycle(db: Path) -> None:
    order = first_plannable_order()
    created = json.loads(run("invoice", "create", "--order", order, "--scenario", "brainport", "--date",
                             "2026-11-20", "--json"))
    assert created["invoice"] == "INV-2026-00001"
    assert Decimal(created["payable"]) == Decimal(created["net"]) + Decimal(created["vat"])
    assert sum(Decimal(v) for v in created["breakdown"].values()) == Decimal(created["net"])
    assert "already invoiced" in run("invoice", "create", "--order", order, "--scenario", "brainport", code=2)

    run("invoice", "credit", "INV-2026-00001", "--reason", "damaged", "--date", "2026-11-25")
    listed = json.loads(run("invoice", "list", "--json"))
    assert [(row["id"], row["kind"]) for row in listed] == [("INV-2026-00001", "invoice"),
                                                            ("CN-2026-00001", "credit_note")]
    shown = json.loads(run("invoice", "show", "CN-2026-00001", "--json"))
    assert shown["billing_reference"] == "INV-2026-00001"

    xml = db / "inv.xml"
    run("invoice", "export", "INV-2026-00001", "--out", str(xml))
    assert json.loads(run("invoice", "validate", str(xml), "--json"))["valid"] is True
    html = run("invoice", "export", "INV-2026-00001", "--html")
    assert "<h1>Invoice INV-2026-00001</h1>" in html

    broken = db / "broken.xml"
    broken.write_bytes(xml.read_bytes().replace(b"<cbc:PayableAmount", b"<cbc:PrepaidAmount currencyID=\"EUR\">"
                                                b"1.00</cbc:PrepaidAmount><cbc:PayableAmount"))
    report = json.loads(run("invoice", "validate", str(broken), "--json", code=1))
    assert "BR-CO-16" in {finding["rule_id"] for finding in report["fatal"]}

    netted = json.loads(run("billing", "net", "--period", "2026-11", "--json", "--commit"))
    assert netted["invoices"] == 0 and netted["payments"] == []  # the credit note cancels the invoice
    assert "already netted" in run("billing", "net", "--period", "2026-11", "--commit", code=2)
    assert {row["status"] for row in json.loads(run("invoice", "list", "--json"))} == {"netted"}
    ledger = json.loads(run("billing", "ledger", "--json"))
    for balances in ledger.values():
        assert sum(Decimal(v) for v in balances.values()) == 0


def test_invoice_from_a_plan_file(db: Path) -> None:
    network = load_scenario("brainport")
    order = network.order(first_plannable_order())
    machine = network.machines_of(order.supplier_id)[0]
    plan = ProcessPlan.model_validate({
        "design_id": order.design_id, "company_id": order.supplier_id, "quantity": order.quantity,
        "operations": [{"id": "op1", "skill": machine.skills[0].skill, "name": "Work", "setup_family": "A",
                        "modes": [{"machine_id": machine.id, "duration_min": 90}]}],
    })
    path = db / "plan.json"
    path.write_text(plan.model_dump_json())
    created = json.loads(run("invoice", "create", "--order", order.id, "--scenario", "brainport", "--plan",
                             str(path), "--date", "2026-11-02", "--json"))
    assert created["breakdown"]["machine"] == f"{machine.hourly_rate_eur * Decimal('1.5'):.2f}"


def test_invoice_for_a_stored_order_marks_it_invoiced(db: Path) -> None:
    from fabnet.domain import OrderStatus
    from fabnet.store import open_store

    order_id = first_plannable_order()
    with open_store() as store, store.transaction() as uow:
        uow.import_network(load_scenario("brainport"))
    assert "iban" in run("invoice", "create", "--order", order_id, "--iban", "NL91ABNA0417164301", code=2)
    assert "--date" in run("invoice", "create", "--order", order_id, "--date", "3 Nov", code=2)
    created = json.loads(run("invoice", "create", "--order", order_id, "--date", "2026-11-03", "--json"))
    with open_store() as store, store.transaction() as uow:
        assert uow.orders.get(order_id).status is OrderStatus.INVOICED
    assert created["order"] == order_id
    assert "no order 'nope' is stored" in run("invoice", "create", "--order", "nope", code=2)


def test_metering_and_netting_commands(db: Path) -> None:
    events = [{"idempotency_key": f"k{n}", "subject": "oem", "meter": "machine_minutes",
               "timestamp": f"2026-11-0{n + 1}T08:00:00Z", "properties": {"minutes": 10 * (n + 1),
                                                                           "machine_id": "LC-01"}} for n in range(3)]
    file = db / "events.json"
    file.write_text(json.dumps(events))
    assert json.loads(run("billing", "record", str(file), "--json")) == {"recorded": 3, "duplicates": 0}
    assert json.loads(run("billing", "record", str(file), "--json")) == {"recorded": 0, "duplicates": 3}
    events[1]["properties"]["minutes"] = 999
    file.write_text("\n".join(json.dumps(e) for e in [*events, {**events[0], "idempotency_key": "k9"}]))
    assert "idempotency_key" in run("billing", "record", str(file), code=2)
    readings = json.loads(run("billing", "meters", "--period", "2026-11", "--json"))
    minutes = next(r for r in readings if r["meter"] == "machine_minutes")
    assert Decimal(minutes["value"]) == 60 and minutes["events"] == 3  # k9 was not stored
    assert "period" in run("billing", "net", "--period", "11-2026", code=2)
    assert "invoice" in run("invoice", "credit", "NOPE", code=2)
    assert "not valid" not in run("invoice", "validate", str(file), code=2)


def test_quote_and_price_list(db: Path) -> None:
    order = load_scenario("brainport").order(first_plannable_order())
    quote = json.loads(run("billing", "quote", "--order", order.id, "--scenario", "brainport", "--json"))
    assert Decimal(quote["total"]) == sum(Decimal(line["amount"]) for line in quote["lines"])
    prices = json.loads(run("billing", "prices", order.supplier_id, "--json"))
    prices["margin_percent"] = "0"
    prices["minimum_order_value"] = "0"
    path = db / "prices.json"
    path.write_text(json.dumps(prices))
    run("billing", "prices", order.supplier_id, "--set", str(path))
    cheaper = json.loads(run("billing", "quote", "--order", order.id, "--scenario", "brainport", "--json"))
    assert "margin" not in cheaper["breakdown"]
    assert Decimal(cheaper["total"]) < Decimal(quote["total"])
    path.write_text(json.dumps({**prices, "margin_percent": "-5"}))
    assert "margin_percent" in run("billing", "prices", order.supplier_id, "--set", str(path), code=2)


def test_bench_netting_small(db: Path) -> None:
    figures = json.loads(run("bench", "netting", "--members", "50", "--invoices", "2000", "--json"))
    assert figures["payment_bound_holds"] is True and figures["invoices"] == 2000
