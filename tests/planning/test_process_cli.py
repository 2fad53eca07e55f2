"""`fabnet plan process` through the real Typer app."""

import json

from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.domain import ProcessPlan

runner = CliRunner()


def test_plan_json_validates_and_file_is_written(tmp_path):
    target = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", "process", "mc-450", "--scenario", "brainport", "--company", "dommeldraai",
                                 "--quantity", "5", "--json", "-o", str(target)])
    assert result.exit_code == 0, result.output
    plan = ProcessPlan.model_validate(json.loads(result.stdout))
    assert plan == ProcessPlan.model_validate_json(target.read_text())
    ops = {op.id: op for op in plan.operations}
    assert set(ops["assemble"].predecessors) == {"mc-400/inspect", "mc-410/inspect"}
    assert plan.quantity == 5 and plan.company_id == "dommeldraai"


def test_plan_table_on_the_whole_network():
    result = runner.invoke(app, ["plan", "process", "fr-200", "--quantity", "3"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    for text in ("fr-210/cut", "kp-laser-12", "ml-robot", "rc-line", "inspect"):
        assert text in result.stdout


def test_unmakeable_design_names_the_feature_with_exit_2():
    result = runner.invoke(app, ["plan", "process", "br-100", "--company", "dommeldraai"])
    assert result.exit_code == 2
    assert "feature cut_contour_mm=620" in result.output and "no machine of dommeldraai" in result.output


def test_unknown_design_exit_2():
    result = runner.invoke(app, ["plan", "process", "zz-1"])
    assert result.exit_code == 2 and "unknown design 'zz-1'" in result.output


def test_bench_plan_reports_figures():
    result = runner.invoke(app, ["bench", "plan", "--repeat", "1", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["plans"] == 5 * 19 and figures["orders"] == 64 and figures["plans_per_s"] > 0
