"""`fabnet schedule solve | check | gantt | repair` and `fabnet bench schedule` end to end on real files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fabnet.cli import app
from planning.schedule_fixtures import tiny_raw

runner = CliRunner()


def _write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_solve_check_gantt_repair_round_trip(tmp_path: Path) -> None:
    problem = _write(tmp_path / "problem.json", tiny_raw())
    solution = tmp_path / "solution.json"
    result = runner.invoke(app, ["schedule", "solve", str(problem), "--time-limit", "2", "-o", str(solution)])
    assert result.exit_code == 0, result.output
    assert json.loads(solution.read_text())["status"] == "OPTIMAL"

    result = runner.invoke(app, ["schedule", "check", str(problem), str(solution), "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.json").read_text())["feasible"] is True

    gantt = tmp_path / "gantt.html"
    result = runner.invoke(app, ["schedule", "gantt", str(problem), str(solution), "-o", str(gantt)])
    assert result.exit_code == 0, result.output
    html = gantt.read_text()
    assert "<svg" in html and "o17/cut" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "changeover" in html or "unavailable" in html

    event = _write(tmp_path / "event.json", {"event": {"kind": "breakdown", "machine": "brake-1", "from": 12,
                                                       "duration": 10}})
    repaired = tmp_path / "new.json"
    result = runner.invoke(app, ["schedule", "repair", str(problem), str(solution), str(event), "-o", str(repaired),
                                 "--problem-out", str(tmp_path / "after.json")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["schedule", "check", str(tmp_path / "after.json"), str(repaired)])
    assert result.exit_code == 0, result.output


def test_check_exits_1_and_names_each_violation(tmp_path: Path) -> None:
    problem = _write(tmp_path / "problem.json", tiny_raw())
    bad = _write(tmp_path / "bad.json", {"status": "FEASIBLE", "operations": [
        {"id": "o17/cut", "machine": "laser-1", "start": 0, "end": 10},
        {"id": "o17/bend", "machine": "brake-1", "start": 5, "end": 25}]})
    result = runner.invoke(app, ["schedule", "check", str(problem), str(bad)])
    assert result.exit_code == 1
    assert "o18/cut" in result.output and "precedence" in result.output


def test_invalid_input_exits_2_with_a_named_reason(tmp_path: Path) -> None:
    raw = tiny_raw()
    raw["jobs"][1]["operations"][0]["modes"][0]["machine"] = "saw-9"
    problem = _write(tmp_path / "problem.json", raw)
    result = runner.invoke(app, ["schedule", "solve", str(problem)])
    assert result.exit_code == 2
    assert "operation 'o18/cut'" in result.output and "saw-9" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = runner.invoke(app, ["schedule", "solve", str(broken)])
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_infeasible_problem_is_reported(tmp_path: Path) -> None:
    raw = tiny_raw()
    raw["jobs"][0]["operations"][0] |= {"fixed_machine": "laser-1", "fixed_start": 0}
    raw["jobs"][0]["operations"][1] |= {"fixed_machine": "brake-1", "fixed_start": 0}
    problem = _write(tmp_path / "problem.json", raw)
    result = runner.invoke(app, ["schedule", "solve", str(problem), "--time-limit", "1", "--no-warm-start"])
    assert result.exit_code == 1
    assert "INFEASIBLE" in result.output
    text = " ".join(result.output.split())
    assert "job 'o17', operation 'o17/bend': frozen at 0 but its predecessor 'o17/cut'" in text


def test_bench_schedule_prints_one_table_with_gaps(tmp_path: Path, shared_dir: Path) -> None:
    out = tmp_path / "bench.json"
    result = runner.invoke(app, ["bench", "schedule", "--suite", "fjsp", "--instances", "mk01", "--time-limit", "1",
                                 "--data", str(shared_dir / "benchmarks"), "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    row = report["instances"][0]
    assert row["best_known"] == 40
    assert set(row["results"]) == {"fabnet", "pyjobshop", "dispatch"}
    assert row["results"]["fabnet"]["value"] >= 40 and row["results"]["fabnet"]["feasible"]
