"""Benchmark readers against the published sizes of the instances in ../shared/benchmarks."""

from __future__ import annotations

from pathlib import Path

import pytest

from fabnet.planning.benchmark import parse_bks_csv, parse_bks_json
from fabnet.planning.instances import READERS, InstanceFormatError, read_fjsp, read_jsp


def _read(shared: Path, suite: str, name: str):
    path = shared / "benchmarks" / suite / f"{name}.txt"
    return READERS[suite](path.read_text(), path.name)


@pytest.mark.parametrize(
    ("suite", "name", "jobs", "machines", "operations"),
    [
        ("fjsp", "mk01", 10, 6, 55),
        ("fjsp", "mk02", 10, 6, 58),
        ("fjsp", "mk10", 20, 15, 240),
        ("jsp", "ft06", 6, 6, 36),
        ("jsp", "la21", 15, 10, 150),
        ("sdst-pfsp", "1", 20, 5, 100),
        ("sdst-pfsp", "41", 50, 10, 500),
        ("tt-pfsp", "11", 50, 50, 2500),
    ],
)
def test_instance_sizes(shared_dir: Path, suite: str, name: str, jobs: int, machines: int, operations: int) -> None:
    problem = _read(shared_dir, suite, name)
    assert len(problem.jobs) == jobs
    assert len(problem.machines) == machines
    assert sum(len(job.operations) for job in problem.jobs) == operations


def test_flow_shop_details(shared_dir: Path) -> None:
    sdst = _read(shared_dir, "sdst-pfsp", "1")
    assert sdst.permutation and sdst.objective.makespan == 1
    assert sdst.jobs[0].operations[0].modes[0].duration == 54  # first processing time in the file
    assert all(s.from_family != s.to_family for s in sdst.setups)
    tt = _read(shared_dir, "tt-pfsp", "1")
    assert tt.jobs[0].due == 2142 and tt.objective.weighted_tardiness == 1 and tt.objective.makespan == 0
    ft06 = _read(shared_dir, "jsp", "ft06")
    assert [m.machine for op in ft06.jobs[0].operations for m in op.modes][:2] == ["m3", "m1"]


def test_best_known_values(shared_dir: Path) -> None:
    bks = parse_bks_json((shared_dir / "benchmarks" / "bks-scheduleopt.json").read_text())
    assert bks["mk01"] == 40 and bks["mk10"] == 193
    csv_text = (shared_dir / "benchmarks" / "bks-pyjobshop-experiments.csv").read_text()
    assert parse_bks_csv(csv_text, "sdst-pfsp")["41"] == 3210
    assert parse_bks_csv(csv_text, "tt-pfsp")["1"] == 1635


def test_malformed_text_is_rejected_with_the_file_name() -> None:
    with pytest.raises(InstanceFormatError, match=r"broken\.txt: the file ends early"):
        read_jsp("2 2\n0 5 1 4\n", "broken.txt")
    with pytest.raises(InstanceFormatError, match="machine 7 out of range"):
        read_fjsp("1 2 1\n1 1 7 3\n", "bad.txt")
