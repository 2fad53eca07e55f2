"""`fabnet twin run` as a user runs it: JSON and offline HTML reports, one-line errors on bad files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fabnet.cli import app
from twin.schedules import greedy_schedule, random_problem

runner = CliRunner()


def _files(tmp_path: Path) -> tuple[Path, Path]:
    problem = random_problem(21, jobs=8)
    solution = greedy_schedule(problem)
    problem_path, solution_path = tmp_path / "problem.json", tmp_path / "solution.json"
    problem_path.write_text(problem.model_dump_json(by_alias=True))
    solution_path.write_text(solution.model_dump_json())
    return problem_path, solution_path


def test_twin_run_writes_json_and_html(tmp_path: Path) -> None:
    problem_path, solution_path = _files(tmp_path)
    out, html = tmp_path / "twin.json", tmp_path / "twin.html"
    result = runner.invoke(app, ["twin", "run", str(problem_path), str(solution_path), "--replications", "16",
                                 "--seed", "7", "--cv", "0.25", "--mtbf", "40", "--mttr", "15", "--repair", "move",
                                 "--workers", "2", "--json", str(out), "--html", str(html)])
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    assert summary["format"] == "fabnet.twin/1" and summary["replications"] == 16
    assert summary["seeds"] == list(range(7, 23))
    assert len(summary["jobs"]) == 8 and len(summary["machines"]) == 3
    job = summary["jobs"][0]
    assert job["completion"]["p50"] <= job["completion"]["p90"] <= job["completion"]["p95"]
    assert summary["repair"]["with_repair"]["mean"] <= summary["repair"]["without_repair"]["mean"] + 1e-9
    page = html.read_text()
    assert page.startswith("<!doctype html>") and page.count("<svg") >= 4 and "OEE" in page
    assert 'src="http' not in page and 'href="http' not in page and "<script" not in page  # offline
    # the same seeds give the same figures
    again = tmp_path / "again.json"
    runner.invoke(app, ["twin", "run", str(problem_path), str(solution_path), "--replications", "16", "--seed", "7",
                        "--cv", "0.25", "--mtbf", "40", "--mttr", "15", "--repair", "move", "--workers", "1",
                        "--json", str(again)])
    assert json.loads(again.read_text()) == summary


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    problem_path, solution_path = _files(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text(problem_path.read_text().replace('"duration":', '"duration": -', 1).replace("- ", "-", 1))
    result = runner.invoke(app, ["twin", "run", str(broken), str(solution_path)])
    assert result.exit_code == 2 and "broken.json" in result.output and "duration" in result.output
    other = tmp_path / "other.json"
    other.write_text(greedy_schedule(random_problem(22, jobs=8)).model_dump_json())
    result = runner.invoke(app, ["twin", "run", str(problem_path), str(other), "--replications", "2"])
    assert result.exit_code == 2 and "other.json" in result.output
    result = runner.invoke(app, ["twin", "run", str(problem_path), str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "missing.json: cannot read" in result.output
    result = runner.invoke(app, ["twin", "run", str(problem_path), str(solution_path), "--scrap", "1.5"])
    assert result.exit_code == 2 and "scrap_probability" in result.output
