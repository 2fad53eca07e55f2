"""Control-chart constants from their formulas agree with the published tables (Montgomery, appendix VI)."""

import pytest

from fabnet.quality.constants import c4, range_moments, subgroup_constants

# n: (d2, d3, c4, A2, A3, D3, D4, B3, B4) to the three or four decimals the tables print
TABLE = {
    2: (1.128, 0.853, 0.7979, 1.880, 2.659, 0.0, 3.267, 0.0, 3.267),
    3: (1.693, 0.888, 0.8862, 1.023, 1.954, 0.0, 2.574, 0.0, 2.568),
    4: (2.059, 0.880, 0.9213, 0.729, 1.628, 0.0, 2.282, 0.0, 2.266),
    5: (2.326, 0.864, 0.9400, 0.577, 1.427, 0.0, 2.114, 0.0, 2.089),
    6: (2.534, 0.848, 0.9515, 0.483, 1.287, 0.0, 2.004, 0.030, 1.970),
    7: (2.704, 0.833, 0.9594, 0.419, 1.182, 0.076, 1.924, 0.118, 1.882),
    8: (2.847, 0.820, 0.9650, 0.373, 1.099, 0.136, 1.864, 0.185, 1.815),
    10: (3.078, 0.797, 0.9727, 0.308, 0.975, 0.223, 1.777, 0.284, 1.716),
    15: (3.472, 0.756, 0.9823, 0.223, 0.789, 0.347, 1.653, 0.428, 1.572),
    25: (3.931, 0.708, 0.9896, 0.153, 0.606, 0.459, 1.541, 0.565, 1.435),
}


@pytest.mark.parametrize("n", sorted(TABLE))
def test_constants_match_the_table(n: int) -> None:
    d2, d3, c4_, a2, a3, d3_low, d4, b3, b4 = TABLE[n]
    k = subgroup_constants(n)
    assert k.d2 == pytest.approx(d2, abs=6e-4)
    assert k.d3 == pytest.approx(d3, abs=6e-4)
    assert k.c4 == pytest.approx(c4_, abs=6e-5)
    assert k.a2 == pytest.approx(a2, abs=6e-4)
    assert k.a3 == pytest.approx(a3, abs=6e-4)
    assert k.d3_lower == pytest.approx(d3_low, abs=6e-4)
    assert k.d4_upper == pytest.approx(d4, abs=6e-4)
    assert k.b3 == pytest.approx(b3, abs=6e-4)
    assert k.b4 == pytest.approx(b4, abs=6e-4)


def test_individuals_constant_e2() -> None:
    assert subgroup_constants(2).e2 == pytest.approx(2.66, abs=5e-3)


def test_sizes_below_two_are_rejected() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        c4(1)
    with pytest.raises(ValueError, match="at least 2"):
        range_moments(1)
