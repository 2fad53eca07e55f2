"""`fabnet scenario list|show` through the real Typer app."""

import json

from typer.testing import CliRunner

from fabnet.cli import app

runner = CliRunner()


def test_show_json_lists_every_kind_with_ids():
    result = runner.invoke(app, ["scenario", "show", "brainport", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for kind in ("companies", "hubs", "machines", "designs", "orders"):
        assert data[kind] and all(record["id"] for record in data[kind])
        assert data["counts"][kind] == len(data[kind])
    assert len(data["orders"]) >= 60


def test_show_prints_counts_and_tables():
    result = runner.invoke(app, ["scenario", "show", "brainport"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("Counts", "Companies", "Machines", "kempenplaat", "kp-laser-12"):
        assert text in result.stdout


def test_unknown_scenario_is_a_one_line_error_with_exit_2():
    result = runner.invoke(app, ["scenario", "show", "atlantis"])
    assert result.exit_code == 2
    assert "unknown scenario 'atlantis'; available: brainport" in result.output


def test_list_names_brainport():
    result = runner.invoke(app, ["scenario", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "brainport" in result.stdout
