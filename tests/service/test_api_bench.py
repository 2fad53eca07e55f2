"""`fabnet bench api` end to end on a tiny load: a real node process, mixed reads and writes, and the check that
every acknowledged write is stored (no figures are asserted: speed belongs to the benchmark's report)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from fabnet.cli import app as cli
from fabnet.service.api_bench import run


def test_a_short_run_loses_no_write(tmp_path: Path) -> None:
    result = run(clients=4, seconds=3, write_share=0.5, folder=tmp_path / "node")
    assert result.errors == 0, result.first_error
    assert result.lost_writes == 0
    assert result.orders_written + result.measurements_written == result.writes > 0
    assert result.reads > 0 and result.requests == result.reads + result.writes
    assert result.p50_ms <= result.p99_ms


def test_the_command_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    outcome = CliRunner().invoke(cli, ["bench", "api", "--clients", "2", "--seconds", "1", "--json", str(out)])
    assert outcome.exit_code == 0, outcome.output
    figures = json.loads(out.read_text())
    assert figures["clients"] == 2 and figures["lost_writes"] == 0 and figures["errors"] == 0
