"""`fabnet market …` and `fabnet bench catalog` through the real Typer app."""

import json

from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.network.allocation import AllocationResult
from fabnet.network.catalog import SearchResult
from fabnet.network.kpis import NetworkKpis
from fabnet.network.programme import ProgrammeView

runner = CliRunner()


def test_search_json_on_brainport() -> None:
    result = runner.invoke(app, ["market", "search", "--skill", "cut.laser", "--material", "S235", "--thickness", "3",
                                 "--near", "maaslas", "--json"])
    assert result.exit_code == 0, result.output
    found = SearchResult.model_validate(json.loads(result.stdout))
    assert {m.machine_id for m in found.matches} == {"kp-laser-3", "kp-laser-6", "kp-laser-12"}
    assert all(m.distance_km is not None and m.distance_km > 50 for m in found.matches)  # Rotterdam → Veldhoven


def test_search_on_a_synthetic_network_with_a_hub_filter() -> None:
    result = runner.invoke(app, ["market", "search", "--skill", "bend.press_brake", "--material", "304",
                                 "--thickness", "2", "--hub", "hub-oost", "--synthetic", "150", "--json"])
    assert result.exit_code == 0, result.output
    found = SearchResult.model_validate(json.loads(result.stdout))
    assert found.total_matches > 0 and {m.hub_id for m in found.matches} == {"hub-oost"}


def test_search_bad_input_exits_2_naming_the_field() -> None:
    result = runner.invoke(app, ["market", "search", "--skill", "cut.laser", "--thickness", "-1"])
    assert result.exit_code == 2
    assert "thickness_mm" in result.output
    result = runner.invoke(app, ["market", "search", "--skill", "cut.laser", "--near", "nobody"])
    assert result.exit_code == 2 and "--near" in result.output


def test_allocate_json_and_a_member_down() -> None:
    result = runner.invoke(app, ["market", "allocate", "bp-o005", "--json"])
    assert result.exit_code == 0, result.output
    allocation = AllocationResult.model_validate(json.loads(result.stdout))
    assert allocation.status == "allocated"
    assert [s.order.supplier_id for s in allocation.sub_orders] == ["rijnmond-coat"]
    down = runner.invoke(app, ["market", "allocate", "bp-o005", "--down", "rijnmond-coat", "--json"])
    waiting = AllocationResult.model_validate(json.loads(down.stdout))
    assert waiting.status == "waiting" and waiting.waiting_quantity == allocation.packages[0].package.quantity
    unknown = runner.invoke(app, ["market", "allocate", "bp-o999"])
    assert unknown.exit_code == 2 and "unknown order 'bp-o999'" in unknown.output


def test_kpis_and_programme_json() -> None:
    result = runner.invoke(app, ["market", "kpis", "--time-limit", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    kpis = NetworkKpis.model_validate(json.loads(result.stdout))
    assert kpis.orders_handled == 64 and kpis.orders_allocated > 0
    assert kpis.changeover_hours_fcfs > 0 and kpis.payments_saved_by_netting > 0
    result = runner.invoke(app, ["market", "programme", "--scenario", "brainport", "--json"])
    view = ProgrammeView.model_validate(json.loads(result.stdout))
    assert view.baseline.companies_target == 6000 and len(view.hubs) == 5


def test_bench_catalog_small() -> None:
    result = runner.invoke(app, ["bench", "catalog", "--members", "60", "--queries", "20", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["members"] == 60 and figures["queries"] == 20
    assert figures["search_p95_ms"] >= figures["search_p50_ms"] > 0
