"""Capability indices and their intervals against Montgomery's examples; the normality check; bad specifications."""

import numpy as np
import pytest
from pydantic import ValidationError

from fabnet.quality.capability import CapabilitySpec, capability, performance_index, potential_index
from fabnet.quality.chart_model import ChartData


def sample(n: int, mean: float, sd: float, seed: int = 0) -> np.ndarray:
    """n values with exactly this mean and sample standard deviation."""
    z = np.random.default_rng(seed).normal(size=n)
    return (z - z.mean()) / z.std(ddof=1) * sd + mean


def test_cp_interval_by_chi_square_matches_montgomery_example() -> None:
    # Montgomery Example 8.5: USL 62, LSL 38, n = 20, s = 1.75 → Ĉp = 2.29, 95 % CI 1.57 ≤ Cp ≤ 3.01
    result = capability(ChartData(sample(20, 50.0, 1.75)), CapabilitySpec(lsl=38, usl=62))
    assert result.pp is not None
    assert result.pp.value == pytest.approx(2.29, abs=0.005)
    assert result.pp.lower == pytest.approx(1.57, abs=0.01)
    assert result.pp.upper == pytest.approx(3.01, abs=0.01)


def test_cpk_interval_by_bissell_matches_montgomery_example() -> None:
    # Montgomery Example 8.6: n = 20, Ĉpk = 1.33 → 95 % CI 0.88 ≤ Cpk ≤ 1.78
    estimate = performance_index(1.33, 20, 0.95)
    assert estimate.lower == pytest.approx(0.88, abs=0.005)
    assert estimate.upper == pytest.approx(1.78, abs=0.005)


def test_indices_follow_their_definitions() -> None:
    x = sample(100, 10.2, 0.1, seed=3)
    result = capability(ChartData(x), CapabilitySpec(lsl=9.7, usl=10.6))
    assert result.pp is not None and result.cp is not None
    assert result.pp.value == pytest.approx(0.9 / 0.6)
    assert result.ppk.value == pytest.approx(min(0.4, 0.5) / 0.3)
    assert result.cp.value == pytest.approx(0.9 / (6 * result.sigma_within))
    assert result.cpk.value <= result.cp.value
    assert result.normality.normal


def test_subgroups_use_the_pooled_within_sigma() -> None:
    rng = np.random.default_rng(5)
    # subgroup means wander (between-subgroup variation): within σ is 1, overall σ is larger
    values = rng.normal(size=(50, 5)) + rng.normal(scale=2.0, size=(50, 1))
    result = capability(ChartData(values), CapabilitySpec(lsl=-10, usl=10))
    assert result.sigma_within == pytest.approx(1.0, rel=0.1)
    assert result.sigma_overall > 1.5
    assert result.cp is not None and result.pp is not None and result.cp.value > result.pp.value
    assert result.cp.method == "chi-square, ν = 200"


def test_one_sided_specification_has_no_cp() -> None:
    result = capability(ChartData(sample(30, 5.0, 1.0)), CapabilitySpec(usl=8.0))
    assert result.cp is None and result.pp is None
    assert result.ppk.value == pytest.approx(1.0)


def test_normality_check_rejects_a_skewed_sample() -> None:
    x = np.random.default_rng(1).exponential(size=300)
    assert not capability(ChartData(x), CapabilitySpec(lsl=0, usl=8)).normality.normal


def test_interval_widens_with_confidence() -> None:
    narrow, wide = potential_index(1.5, 30, 0.90), potential_index(1.5, 30, 0.99)
    assert wide.lower < narrow.lower < 1.5 < narrow.upper < wide.upper


@pytest.mark.parametrize(("lsl", "usl", "message"), [(5.0, 5.0, "must be below USL"), (6.0, 5.0, "must be below"),
                                                     (None, None, "at least one")])
def test_bad_specification_limits_are_rejected(lsl, usl, message) -> None:
    with pytest.raises(ValidationError, match=message):
        CapabilitySpec(lsl=lsl, usl=usl)
