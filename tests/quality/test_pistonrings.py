"""Montgomery's piston-ring data: the published phase-I limits and the phase-II out-of-control subgroups."""

import statistics
from pathlib import Path

import pytest

from fabnet.quality.chart_model import ChartKind, ChartSpec
from fabnet.quality.charts import run_chart
from fabnet.standards.spc_csv import read_spc_csv


@pytest.fixture(scope="module")
def rings(shared_dir: Path):
    return read_spc_csv(shared_dir / "spc" / "pistonrings.csv")


def test_the_file_reads_as_40_subgroups_of_5(rings) -> None:
    assert rings.columns == ("x1", "x2", "x3", "x4", "x5")
    assert rings.data.values.shape == (40, 5)
    assert rings.data.labels[0] == "1" and rings.data.labels[-1] == "40"


def test_xbar_r_limits_match_montgomery(rings) -> None:
    result = run_chart(rings.data, ChartSpec(kind=ChartKind.XBAR_R, phase1=25))
    xbar, r = result.panels
    assert result.estimate.statistics["x̿"] == pytest.approx(74.0012, abs=5e-5)
    assert result.estimate.statistics["R̄"] == pytest.approx(0.02276, abs=5e-6)
    assert xbar.upper[0] == pytest.approx(74.0143, abs=5e-5)
    assert xbar.lower[0] == pytest.approx(73.9880, abs=5e-5)
    assert r.upper[0] == pytest.approx(0.0481, abs=5e-5)
    assert r.lower[0] == 0.0
    assert r.center == pytest.approx(0.02276, abs=5e-6)


def test_phase_one_is_in_control_and_phase_two_signals_at_37_to_39(rings) -> None:
    result = run_chart(rings.data, ChartSpec(kind=ChartKind.XBAR_R, phase1=25, rules="shewhart"))
    beyond = [s.label for s in result.signals if s.rule == "3SIGMA"]
    assert beyond == ["37", "38", "39"]  # Montgomery: the process mean has moved in the running phase
    assert all(s.phase == 2 for s in result.signals)


def test_xbar_s_limits(rings) -> None:
    result = run_chart(rings.data, ChartSpec(kind=ChartKind.XBAR_S, phase1=25))
    xbar, s = result.panels
    s_bar = result.estimate.statistics["S̄"]
    expected = statistics.fmean(statistics.stdev(row) for row in rings.data.values[:25].tolist())
    assert s_bar == pytest.approx(expected, rel=1e-12)
    assert xbar.upper[0] == pytest.approx(74.001176 + 1.427 * s_bar, abs=2e-5)
    assert s.upper[0] == pytest.approx(2.089 * s_bar, abs=1e-5)
