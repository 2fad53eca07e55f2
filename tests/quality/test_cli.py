"""`fabnet quality chart | capability | arl` and `fabnet bench quality` through the real CLI, bad input included."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fabnet.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def rings(shared_dir: Path) -> Path:
    return shared_dir / "spc" / "pistonrings.csv"


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_xbar_r_chart_of_the_piston_rings(tmp_path: Path, rings: Path) -> None:
    html, out = tmp_path / "chart.html", tmp_path / "chart.json"
    result = run("quality", "chart", rings, "--chart", "xbar-r", "--phase1", 25, "-o", html, "--json", out)
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "<script" not in page
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["panels"][0]["upper"][0] == pytest.approx(74.0143, abs=5e-5)
    assert {s["label"] for s in data["signals"] if s["rule"] == "WE1"} == {"37", "38", "39"}


@pytest.mark.parametrize("kind", ["imr", "ewma", "cusum", "xbar-s"])
def test_every_chart_kind_draws(tmp_path: Path, rings: Path, kind: str) -> None:
    extra = ["--column", "x1"] if kind == "imr" else []
    result = run("quality", "chart", rings, "--chart", kind, "--phase1", 25, "--rules", "nelson",
                 "-o", tmp_path / "c.html", *extra)
    assert result.exit_code == 0, result.output
    assert "<svg" in (tmp_path / "c.html").read_text(encoding="utf-8")


def test_a_single_column_grouped_into_subgroups(tmp_path: Path) -> None:
    values = "\n".join(str(10 + (i % 7) * 0.01) for i in range(40))
    path = write(tmp_path, "diameter\n" + values + "\n")
    result = run("quality", "chart", path, "--chart", "xbar-r", "--subgroup-size", 4, "-o", tmp_path / "c.html",
                 "--json", tmp_path / "c.json")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "c.json").read_text())["subgroup_size"] == 4


@pytest.mark.parametrize(
    ("csv_text", "args", "message"),
    [
        ("id,diameter\n1,10.0\n2,\n3,10.1\n", [], "row 3, column 'diameter': missing value"),
        ("id,diameter\n1,10.0\n2,ten\n3,10.1\n", [], "row 3, column 'diameter': 'ten' is not a number"),
        ("subgroup,x1,x2\n1,1.0,2.0\n2,1.5\n", ["--chart", "xbar-r"], "row 3, column 'x2': missing value"),
        ("d\n1\n2\n3\n4\n", ["--chart", "xbar-r", "--subgroup-size", "1"], "needs subgroups of at least 2"),
        ("d\n1\n2\n3\n4\n", ["--chart", "xbar-r"], "needs subgroups of at least 2"),
        ("d\n1\n2\n3\n4\n5\n", ["--chart", "xbar-r", "--subgroup-size", "2"], "do not split into subgroups of 2"),
        ("d\n1\n2\n", ["--column", "width"], "no column 'width'"),
        ("subgroup,x1,x2\n1,1.0,2.0\n2,1.5,2.5\n", ["--chart", "imr"], "choose one with --column"),
        ("d\n1\n2\n3\n", ["--rules", "iso"], "unknown rule set 'iso'"),
        ("d\n1\n2\n3\n", ["--phase1", "9"], "phase1"),
        ("", [], "the file is empty"),
    ],
)
def test_bad_chart_input_is_one_line_and_exit_2(tmp_path: Path, csv_text: str, args: list[str], message: str) -> None:
    path = write(tmp_path, csv_text)
    result = run("quality", "chart", path, *args, "-o", tmp_path / "c.html")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "c.html").exists()


def test_missing_file_is_named(tmp_path: Path) -> None:
    result = run("quality", "chart", tmp_path / "nope.csv", "-o", tmp_path / "c.html")
    assert result.exit_code == 2 and "nope.csv" in result.output


def test_capability_table_and_json(rings: Path) -> None:
    table = run("quality", "capability", rings, "--lsl", 73.95, "--usl", 74.05)
    assert table.exit_code == 0, table.output
    assert "Cpk" in table.output and "Anderson" in table.output
    result = run("quality", "capability", rings, "--lsl", 73.95, "--usl", 74.05, "--json")
    data = json.loads(result.output)
    assert data["count"] == 200 and data["cp"]["value"] > data["pp"]["value"] > 1
    assert data["cp"]["lower"] < data["cp"]["value"] < data["cp"]["upper"]


@pytest.mark.parametrize(("args", "message"), [(["--lsl", "74.05", "--usl", "73.95"], "must be below USL"),
                                               (["--lsl", "74", "--usl", "74"], "must be below USL"),
                                               ([], "give at least one specification limit")])
def test_capability_bad_limits(rings: Path, args: list[str], message: str) -> None:
    result = run("quality", "capability", rings, *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_arl_command(tmp_path: Path) -> None:
    result = run("quality", "arl", "--scheme", "cusum", "--shift", 1, "--replications", 2000,
                 "--json", tmp_path / "a.json")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "a.json").read_text())["arl"] == pytest.approx(10.4, rel=0.1)
    bad = run("quality", "arl", "--scheme", "magic")
    assert bad.exit_code == 2 and "scheme" in bad.output


def test_bench_quality_runs_small(tmp_path: Path) -> None:
    result = run("bench", "quality", "--runs", 2, "--in-control-runs", 1, "--json", tmp_path / "b.json")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["source"] == "fabnet.twin.signals.SignalSimulator"
    assert {d["fault"] for d in data["delays"]} == {"shift", "drift", "variance", "spike"}
    assert {f["scheme"] for f in data["false_alarms"]} == {"shewhart", "western-electric", "ewma", "cusum", "default"}
