"""The demo's pieces that need no full run: failures name their stage, the output folder is reset safely, and
CP-SAT, started from the better dispatch schedule, never ends worse than either."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.planning.check import check
from fabnet.planning.schedule import SolveOptions
from fabnet.planning.synthetic import ShopShape, random_problem
from fabnet.scenarios import demo_run
from fabnet.scenarios.demo.schedules import solve_from_best_dispatch
from fabnet.scenarios.demo.settings import DemoError, DemoLayout, DemoOptions


@pytest.mark.parametrize("option", [["--time-limit", "0"], ["--time-limit", "61"], ["--replications", "0"]])
def test_bad_options_exit_2(tmp_path: Path, option: list[str]) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), *option])
    assert result.exit_code == 2
    assert not (tmp_path / "fabnet.sqlite").exists()


def test_an_unusable_output_folder_stops_the_first_stage(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    result = CliRunner().invoke(app, ["demo", "--in-process", "--quick", "--out", str(blocker)])
    assert result.exit_code == 1
    assert "demo stage 'database' failed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_failing_stage_is_named_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise ValueError("disk full")

    monkeypatch.setattr(demo_run, "export_documents", broken)
    with pytest.raises(DemoError) as caught:
        demo_run.run_demo(DemoOptions.quick(tmp_path / "out"))
    assert caught.value.stage == "documents"
    assert str(caught.value) == "demo stage 'documents' failed: disk full"
    # the stages before it left their results for inspection; nothing after it ran
    assert (tmp_path / "out" / "fabnet.sqlite").exists()
    assert not (tmp_path / "out" / "summary.json").exists()


def test_reset_removes_only_what_the_demo_writes(tmp_path: Path) -> None:
    layout = DemoLayout(tmp_path)
    for path in (layout.database, layout.summary, layout.aas / "orders" / "o.xml", layout.invoices / "i.xml"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("old", encoding="utf-8")
    keep = tmp_path / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    layout.reset()
    assert not layout.database.exists() and not layout.summary.exists()
    assert not layout.aas.exists() and not layout.invoices.exists()
    assert keep.read_text(encoding="utf-8") == "mine"


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="time-limit"):
        DemoOptions(time_limit=0)
    with pytest.raises(ValueError, match="replications"):
        DemoOptions(replications=0)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), jobs=st.integers(1, 5), machines=st.integers(1, 3))
def test_cpsat_is_never_worse_than_either_dispatch_baseline(seed: int, jobs: int, machines: int) -> None:
    problem = random_problem(seed, ShopShape(jobs=jobs, operations_per_job=3, machines=machines, families=3,
                                             modes_per_operation=min(2, machines)))
    first_come, dispatch, solution = solve_from_best_dispatch(problem, SolveOptions(time_limit=0.3, workers=1))
    for schedule in (first_come, dispatch, solution):
        report = check(problem, schedule)
        assert report.feasible, report.violations[:3]
    assert solution.objective is not None
    assert solution.objective <= min(first_come.objective or 0, dispatch.objective or 0)
