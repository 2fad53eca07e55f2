"""The detection study: delays are counted from the onset, false alarms per 10,000 in-control parts."""

import numpy as np
import pytest

from fabnet.quality.detection import FaultedSeries, scheme_config, study


def shifted(seed: int, shift: float, onset: int = 300, length: int = 700) -> FaultedSeries:
    values = np.random.default_rng(seed).normal(size=length)
    values[onset:] += shift
    return FaultedSeries("shift", shift, values, onset)


def test_ewma_and_cusum_find_a_small_shift_sooner_than_shewhart() -> None:
    faulted = [shifted(seed, 1.0) for seed in range(40)]
    in_control = [np.random.default_rng(100 + i).normal(size=5_200) for i in range(2)]
    report = study(faulted, in_control, phase1=200)
    delay = {d.scheme: d.mean_delay for d in report.delays}
    assert delay["ewma"] < delay["shewhart"] / 2
    assert delay["cusum"] < delay["shewhart"] / 2
    alarms = {f.scheme: f for f in report.false_alarms}
    assert alarms["shewhart"].parts == 10_000
    assert alarms["western-electric"].per_10000 > alarms["shewhart"].per_10000  # more rules, more false alarms


def test_a_big_jump_at_the_onset_counts_as_a_delay_of_one() -> None:
    values = np.r_[np.random.default_rng(0).normal(size=300) * 0.01, np.full(5, 100.0)]
    report = study([FaultedSeries("spike", 100.0, values, 300)], [], phase1=200, schemes=["shewhart"])
    assert report.delays[0].mean_delay == 1.0


def test_onset_inside_phase_one_and_unknown_schemes_are_rejected() -> None:
    with pytest.raises(ValueError, match="inside phase I"):
        study([shifted(0, 1.0, onset=100)], [], phase1=200)
    with pytest.raises(ValueError, match="unknown scheme"):
        scheme_config("magic", 100)
