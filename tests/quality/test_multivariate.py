"""Hotelling T²: the limits give the chosen false-alarm rate, and it sees what univariate charts miss."""

import numpy as np
import pytest
from scipy import stats

from fabnet.quality.anomaly import AnomalyDetector, AnomalyDetectorSpec
from fabnet.quality.multivariate import fit_hotelling, hotelling_chart

COV = np.array([[1.0, 0.9, 0.3], [0.9, 1.0, 0.3], [0.3, 0.3, 1.0]])


def test_limits_follow_the_beta_and_f_formulas() -> None:
    x = np.random.default_rng(0).multivariate_normal(np.zeros(3), COV, size=40)
    model = fit_hotelling(x, alpha=0.01)
    m, p = 40, 3
    assert model.ucl_phase1 == pytest.approx((m - 1) ** 2 / m * stats.beta.ppf(0.99, p / 2, (m - p - 1) / 2))
    assert model.ucl_phase2 == pytest.approx(p * (m + 1) * (m - 1) / (m * (m - p)) * stats.f.ppf(0.99, p, m - p))
    # T² of a phase-I point is its squared Mahalanobis distance
    centred = x[0] - x.mean(axis=0)
    assert model.t2(x[:1])[0] == pytest.approx(centred @ np.linalg.solve(np.cov(x, rowvar=False), centred))


def test_phase_two_false_alarm_rate_matches_alpha_despite_estimated_parameters() -> None:
    # The F limit accounts for the estimation error of a short phase I (m = 30): averaged over phase-I samples,
    # a new in-control point exceeds it with probability α. 3,000 phase-I samples × 40 new points; α = 0.01.
    rng = np.random.default_rng(11)
    ucl = fit_hotelling(rng.multivariate_normal(np.zeros(3), COV, size=30), alpha=0.01).ucl_phase2
    phase1 = rng.multivariate_normal(np.zeros(3), COV, size=(3_000, 30))
    new = rng.multivariate_normal(np.zeros(3), COV, size=(3_000, 40))
    means = phase1.mean(axis=1, keepdims=True)
    centred = phase1 - means
    covariances = np.einsum("kia,kib->kab", centred, centred) / 29
    d = new - means
    t2 = np.einsum("kna,kna->kn", d, np.linalg.solve(covariances, d.transpose(0, 2, 1)).transpose(0, 2, 1))
    exceed, total = int((t2 > ucl).sum()), t2.size
    assert exceed / total == pytest.approx(0.01, abs=0.0015)  # binomial s.e. 0.0003, more with phase-I clustering


def test_a_break_in_the_correlation_is_caught_although_each_signal_stays_inside_3_sigma() -> None:
    rng = np.random.default_rng(2)
    x = rng.multivariate_normal(np.zeros(3), COV, size=300)
    x[200:, 0] += 1.2  # x1 up, x2 unchanged: against the 0.9 correlation, small for each signal alone
    x[200:, 1] -= 1.2
    result = hotelling_chart(x, phase1=100, alpha=0.0027)
    after = [i for i in result.signals if i >= 200]
    before = [i for i in result.signals if 100 <= i < 200]
    assert len(after) > 60 and len(before) <= 2
    assert np.abs(x[200:, 0] - 0).mean() < 3  # still inside a univariate 3σ band on average


def test_singular_or_too_short_phase_one_is_rejected() -> None:
    x = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="singular"):
        fit_hotelling(np.column_stack([x, x[:, 0]]))
    with pytest.raises(ValueError, match="too few"):
        fit_hotelling(x[:3])


def test_isolation_forest_flags_outliers_at_about_the_chosen_false_alarm_rate() -> None:
    rng = np.random.default_rng(4)
    train = rng.multivariate_normal(np.zeros(3), COV, size=1_000)
    detector = AnomalyDetector.fit(train, AnomalyDetectorSpec(false_alarm_rate=0.01, trees=100, seed=1))
    fresh = detector.detect(rng.multivariate_normal(np.zeros(3), COV, size=2_000))
    assert len(fresh.anomalies) / 2_000 < 0.03
    outliers = detector.detect(np.array([[6.0, 6.0, 0.0], [5.0, -5.0, 5.0], [-6.0, -6.0, 6.0]]))
    assert outliers.anomalies == [0, 1, 2]


def test_isolation_forest_needs_enough_clean_data() -> None:
    with pytest.raises(ValueError, match="at least 50"):
        AnomalyDetector.fit(np.zeros((10, 2)))
