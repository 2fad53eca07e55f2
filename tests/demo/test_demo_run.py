"""`fabnet demo --quick`: one real run through the CLI into a temporary folder, then its database, documents,
schedules, summary and report are checked from the files it left behind."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.domain import OrderStatus
from fabnet.planning.check import check, evaluate
from fabnet.planning.problem import Problem, Solution
from fabnet.scenarios import load_scenario
from fabnet.standards.aas import read_document, verify_document
from fabnet.store import open_store

SUMMARY_KEYS = {
    "format", "scenario", "mode", "note", "started_at", "options", "database", "documents", "allocation",
    "scheduling", "twin",
    "quality", "billing", "network_kpis", "stage_seconds", "total_seconds", "report_file", "summary_file",
    "network", "contracts",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(app, ["demo", "--in-process", "--quick", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_json_on_stdout_is_the_summary_file(run: tuple[Path, dict]) -> None:
    out, summary = run
    assert set(summary) == SUMMARY_KEYS
    assert summary == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["format"] == "fabnet.demo/1"
    assert summary["mode"] == "single-process" and "in process" in summary["note"]
    assert summary["network"] is None and summary["contracts"] is None
    assert set(summary["stage_seconds"]) == {"database", "documents", "allocation", "scheduling", "twin", "quality",
                                             "billing"}


def test_database_holds_the_scenario(run: tuple[Path, dict]) -> None:
    out, summary = run
    network = load_scenario("brainport")
    expected = {"hubs": len(network.hubs), "fieldlabs": len(network.fieldlabs), "companies": len(network.companies),
                "machines": len(network.machines), "designs": len(network.designs), "orders": len(network.orders)}
    assert summary["database"]["stored"] == expected == summary["database"]["imported"]
    sub_orders = {row["id"] for row in summary["allocation"]["sub_orders"]}
    with open_store(f"sqlite:///{out / 'fabnet.sqlite'}", migrate=False) as store, store.transaction() as uow:
        # the scenario's records, and the sub-orders the marketplace added to the customer orders
        stored = {kind: getattr(uow, kind).count() for kind in expected}
        assert stored == {**expected, "orders": len(network.orders) + len(sub_orders)}
        assert {o.id for o in uow.orders.list()} == {o.id for o in network.orders} | sub_orders
        assert uow.schedules.count() == len(summary["scheduling"]["companies"])
        assert {o.status for o in uow.orders.list()} == {OrderStatus.INVOICED}
        assert uow.parts.count() == len(summary["quality"]["passports"])


def test_aas_documents_exist_and_verify(run: tuple[Path, dict]) -> None:
    out, summary = run
    network = load_scenario("brainport")
    documents = summary["documents"]
    assert documents["by_kind"] == {"company": len(network.companies), "design": len(network.designs),
                                    "order": len(network.orders)}
    assert documents["findings"] == 0
    for entry in documents["files"] + summary["quality"]["passports"]:
        path = out / entry["path"]
        assert path.suffix == f".{entry['format']}"
        assert verify_document(path) == [], path
    order = network.orders[0]
    assert read_document(out / "aas" / "orders" / f"{order.id}.xml") == [order]


def test_every_schedule_passes_the_independent_check(run: tuple[Path, dict]) -> None:
    out, summary = run
    companies = summary["scheduling"]["companies"]
    assert len(companies) == 5 and summary["scheduling"]["all_feasible"]
    orders = len(load_scenario("brainport").orders) + len(summary["allocation"]["sub_orders"])
    assert sum(c["jobs"] for c in companies) == orders
    for company in companies:
        problem = Problem.model_validate_json((out / company["problem_file"]).read_text(encoding="utf-8"))
        solution = Solution.model_validate_json((out / company["solution_file"]).read_text(encoding="utf-8"))
        assert check(problem, solution).feasible, company["company_id"]
        metrics = evaluate(problem, solution.operations)
        assert metrics.total_setup == company["cpsat"]["total_changeover_min"]
        assert company["changeover_saved_min"] == (company["fcfs"]["total_changeover_min"]
                                                   - company["cpsat"]["total_changeover_min"])
        # CP-SAT starts from the better dispatch schedule, so it ends no worse than either (objective: weighted
        # tardiness + changeover minutes)
        cost = {name: company[name]["total_changeover_min"] + company[name]["weighted_tardiness_min"]
                for name in ("cpsat", "fcfs", "atcs")}
        assert cost["cpsat"] <= min(cost["fcfs"], cost["atcs"])
        assert "<svg" in (out / company["gantt_file"]).read_text(encoding="utf-8")


def test_twin_forecasts_every_order(run: tuple[Path, dict]) -> None:
    _, summary = run
    twin = summary["twin"]
    assert twin["replications"] == 5
    assert twin["orders"] == len(load_scenario("brainport").orders) + len(summary["allocation"]["sub_orders"])
    for company in twin["companies"]:
        assert company["seeds"] == list(range(2026, 2031))
        for order in company["orders"]:
            assert 0.0 <= order["on_time_probability"] <= 1.0
            assert order["p90_completion_min"] > 0
        for machine in company["machines"]:
            assert 0.0 <= machine["oee"] <= 1.0 and machine["energy_kwh"] >= 0
    assert 0 <= twin["orders_p90_on_time"] <= twin["orders"]


def test_drift_is_caught_and_the_rework_rescheduled(run: tuple[Path, dict]) -> None:
    out, summary = run
    quality = summary["quality"]
    alarm = quality["alarm"]
    assert alarm["parts_after_drift_start"] >= 0
    assert alarm["machine_flagged"] and alarm["part_id"] in alarm["parts_held"]
    assert quality["passport_verdicts"][alarm["part_id"]] == "held"
    assert "accepted" in quality["passport_verdicts"].values()
    repaired = quality["reschedule"]
    assert repaired["feasible"] and repaired["frozen"] > 0
    solution = Solution.model_validate_json((out / repaired["solution_file"]).read_text(encoding="utf-8"))
    rework = next(a for a in solution.operations if a.id == repaired["rework_operation"])
    reworked = next(a for a in solution.operations if a.id == repaired["reworked_operation"])
    assert rework.start >= max(reworked.end, repaired["event_minute"])
    assert rework.end - rework.start == repaired["rework_minutes"]


def test_invoices_validate_post_and_net(run: tuple[Path, dict]) -> None:
    out, summary = run
    billing = summary["billing"]
    assert billing["customer_invoices"] == len(load_scenario("brainport").orders)
    assert billing["sub_order_invoices"] == len(summary["allocation"]["sub_orders"]) > 0
    assert billing["invoices"] == billing["customer_invoices"] + billing["sub_order_invoices"]
    assert len(list((out / billing["invoice_folder"]).glob("*.xml"))) == billing["invoices"]
    assert billing["validated"] == 3 and billing["fatal_findings"] == 0 and billing["schema_errors"] == 0
    assert billing["payments_before"] == billing["invoices"]
    assert billing["payments_after"] < billing["payments_before"]
    assert Decimal(billing["net_settled_eur"]) < Decimal(billing["gross_settled_eur"])  # mutual debts cancel
    # after netting every receivable and payable is settled, and the bank movements balance across the network
    bank = Decimal(0)
    for accounts in billing["ledger"].values():
        assert Decimal(accounts.get("receivables", "0")) == 0 and Decimal(accounts.get("payables", "0")) == 0
        bank += Decimal(accounts.get("bank", "0"))
    assert bank == 0


def test_report_is_offline_and_its_links_resolve(run: tuple[Path, dict]) -> None:
    out, summary = run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "fabnet demo" in html and summary["quality"]["alarm"]["part_id"] in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loaded from the network
    links = re.findall(r'href="([^"#]+)"', html)
    assert any(link.endswith(".gantt.html") for link in links)
    for link in links:
        assert (out / link).exists(), link


def test_network_kpis_agree_with_the_stages(run: tuple[Path, dict]) -> None:
    _, summary = run
    kpis, scheduling, billing = summary["network_kpis"], summary["scheduling"], summary["billing"]
    assert kpis["orders_handled"] == len(load_scenario("brainport").orders)
    assert kpis["orders_allocated"] == summary["allocation"]["allocated"] > 0
    assert kpis["changeover_hours_saved"] == pytest.approx(scheduling["changeover_saved_h"], abs=0.01)
    assert kpis["defects_stopped"] == len(summary["quality"]["alarm"]["parts_held"])
    assert kpis["payments_saved_by_netting"] == billing["payments_before"] - billing["payments_after"]


def test_sub_orders_go_to_partners_and_are_scheduled_there(run: tuple[Path, dict]) -> None:
    out, summary = run
    allocation = summary["allocation"]
    network = load_scenario("brainport")
    customer_orders = {o.id: o for o in network.orders}
    assert allocation["in_house"] + allocation["allocated"] + allocation["waiting"] == len(network.orders)
    assert allocation["waiting"] == 0 and allocation["allocated"] > 0
    scheduled_jobs: dict[str, set[str]] = {}
    for company in summary["scheduling"]["companies"]:
        problem = Problem.model_validate_json((out / company["problem_file"]).read_text(encoding="utf-8"))
        scheduled_jobs[company["company_id"]] = {job.id for job in problem.jobs}
    for row in allocation["sub_orders"]:
        parent = customer_orders[row["order_id"]]
        assert row["receiver"] == parent.supplier_id != row["partner"]
        assert row["id"] in scheduled_jobs[row["partner"]]
        assert Decimal(row["price_eur"]) > 0
