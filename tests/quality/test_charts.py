"""Individuals, EWMA and CUSUM charts against Montgomery's worked examples and their defining formulas."""

import numpy as np
import pytest

from fabnet.quality.chart_model import ChartData, ChartKind, ChartSpec
from fabnet.quality.charts import run_chart

# Montgomery, Introduction to SQC, Table 9.1: 20 observations from N(10, 1), then 10 from N(11, 1)
MONTGOMERY_9_1 = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47, 10.51, 9.40, 10.08,
                  9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52]


def test_tabular_cusum_reproduces_montgomery_table_9_2() -> None:
    spec = ChartSpec(kind=ChartKind.CUSUM, target=10.0, sigma=1.0, cusum_k=0.5, cusum_h=5.0, rules="none")
    result = run_chart(ChartData(np.array(MONTGOMERY_9_1)), spec)
    upper, lower = result.panels
    assert upper.values[27] == pytest.approx(4.47, abs=0.005)
    assert upper.values[28] == pytest.approx(5.28, abs=0.005)
    assert upper.upper[0] == pytest.approx(5.0)
    assert [s.index + 1 for s in result.signals] == [29, 30]  # C+ first exceeds H = 5 at observation 29
    assert all(s.rule == "CUSUM+" for s in result.signals)
    assert max(-v for v in lower.values if v is not None) < 5.0


def test_ewma_statistic_and_time_varying_limits() -> None:
    spec = ChartSpec(kind=ChartKind.EWMA, target=10.0, sigma=1.0, ewma_lambda=0.1, ewma_width=2.7, rules="none")
    panel = run_chart(ChartData(np.array(MONTGOMERY_9_1)), spec).panels[0]
    assert panel.values[0] == pytest.approx(0.1 * 9.45 + 0.9 * 10.0)
    assert panel.values[1] == pytest.approx(0.1 * 7.99 + 0.9 * panel.values[0])
    assert panel.upper[0] == pytest.approx(10.27, abs=0.005)  # Montgomery Example 9.2
    assert panel.upper[1] == pytest.approx(10.36, abs=0.005)
    assert panel.upper[-1] == pytest.approx(10.0 + 2.7 * np.sqrt(0.1 / 1.9), abs=1e-3)  # asymptotic 10.62


def test_individuals_chart_uses_the_average_moving_range() -> None:
    x = np.array([10.0, 12.0, 11.0, 13.0, 12.0, 30.0])
    result = run_chart(ChartData(x), ChartSpec(kind=ChartKind.IMR, phase1=5, rules="shewhart"))
    individuals, moving_range = result.panels
    mr_bar = np.mean([2.0, 1.0, 2.0, 1.0])
    sigma = mr_bar / 1.128379
    assert result.estimate.sigma == pytest.approx(sigma, rel=1e-4)
    assert individuals.upper[0] == pytest.approx(11.6 + 3 * sigma, rel=1e-4)
    assert moving_range.values[0] is None
    assert moving_range.upper[0] == pytest.approx(3.267 * mr_bar, rel=1e-3)
    assert {(s.index, s.panel) for s in result.signals} == {(5, "Individuals"), (5, "Moving range")}
    assert all(s.phase == 2 for s in result.signals)


def test_phase_one_longer_than_the_data_is_rejected() -> None:
    with pytest.raises(ValueError, match="phase1"):
        run_chart(ChartData(np.arange(5.0)), ChartSpec(kind=ChartKind.IMR, phase1=6))


def test_xbar_r_needs_subgroups_of_two() -> None:
    with pytest.raises(ValueError, match="subgroup size"):
        run_chart(ChartData(np.arange(10.0)), ChartSpec(kind=ChartKind.XBAR_R))


def test_a_flat_phase_one_is_an_error_not_a_division_by_zero() -> None:
    with pytest.raises(ValueError, match="no variation"):
        run_chart(ChartData(np.ones(10)), ChartSpec(kind=ChartKind.IMR))


def test_missing_values_are_named() -> None:
    with pytest.raises(ValueError, match="subgroup 2, observation 3"):
        ChartData(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, np.nan]]))


def test_results_serialise_to_json_and_back() -> None:
    result = run_chart(ChartData(np.array(MONTGOMERY_9_1)), ChartSpec(kind=ChartKind.IMR, rules="nelson"))
    again = type(result).model_validate_json(result.model_dump_json())
    assert again == result


def test_html_page_is_offline_well_formed_svg_and_escapes_labels() -> None:
    import re

    from lxml import etree

    from fabnet.standards.chart_html import render_chart_html

    labels = tuple(f"<s{i}>&" for i in range(len(MONTGOMERY_9_1)))
    result = run_chart(ChartData(np.array(MONTGOMERY_9_1), labels), ChartSpec(kind=ChartKind.IMR, phase1=20))
    page = render_chart_html(result, "Table 9.1 <individuals>")
    assert "<s0>" not in page and "&lt;s0&gt;&amp;" in page
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        root = etree.fromstring(svg.encode())
        points = root.findall("{http://www.w3.org/2000/svg}circle")
        assert len(points) in (30, 29)  # the first moving range is undefined
    assert "phase II" in page
