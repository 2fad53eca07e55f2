"""Control-chart constants (d2, d3, c4, A2, A3, D3, D4, B3, B4, E2) computed from their defining formulas."""

from dataclasses import dataclass
from functools import lru_cache
from math import exp, sqrt

import numpy as np
from scipy.special import gammaln, ndtr

# The range distribution is integrated on a fixed grid: +-9 standard deviations holds all but ~1e-19 of the
# mass, and the spacing gives d2, d3 to better than 1e-5 (checked against the published tables in the tests).
_X = np.linspace(-9.0, 9.0, 1801)
_W = np.linspace(0.0, 14.0, 1401)


@dataclass(frozen=True)
class SubgroupConstants:
    """The constants of Shewhart charts for subgroups of size n (ASTM E2587, Montgomery appendix VI)."""

    n: int
    d2: float
    d3: float
    c4: float

    @property
    def a2(self) -> float:
        """X̄ limits from R̄: x̿ ± A2 R̄."""
        return 3.0 / (self.d2 * sqrt(self.n))

    @property
    def a3(self) -> float:
        """X̄ limits from S̄: x̿ ± A3 S̄."""
        return 3.0 / (self.c4 * sqrt(self.n))

    @property
    def d3_lower(self) -> float:
        """D3: R chart LCL = D3 R̄ (clipped at zero)."""
        return max(0.0, 1.0 - 3.0 * self.d3 / self.d2)

    @property
    def d4_upper(self) -> float:
        """D4: R chart UCL = D4 R̄."""
        return 1.0 + 3.0 * self.d3 / self.d2

    @property
    def b3(self) -> float:
        """B3: S chart LCL = B3 S̄ (clipped at zero)."""
        return max(0.0, 1.0 - 3.0 * sqrt(1.0 - self.c4**2) / self.c4)

    @property
    def b4(self) -> float:
        """B4: S chart UCL = B4 S̄."""
        return 1.0 + 3.0 * sqrt(1.0 - self.c4**2) / self.c4

    @property
    def e2(self) -> float:
        """E2: individuals limits from the average moving range of span n: x̄ ± E2 MR̄."""
        return 3.0 / self.d2


def c4(n: int) -> float:
    """E[s]/σ for a normal sample of size n: sqrt(2/(n-1)) Γ(n/2) / Γ((n-1)/2)."""
    if n < 2:
        raise ValueError(f"c4 needs a sample size of at least 2, got {n}")
    return sqrt(2.0 / (n - 1)) * exp(gammaln(n / 2.0) - gammaln((n - 1) / 2.0))


@lru_cache(maxsize=64)
def range_moments(n: int) -> tuple[float, float]:
    """(d2, d3): mean and standard deviation of the range of n standard normal values.

    P(W <= w) = n ∫ φ(x) [Φ(x + w) − Φ(x)]^(n−1) dx (Tippett 1925); E[W] = ∫ (1 − F), E[W²] = ∫ 2w (1 − F).
    """
    if n < 2:
        raise ValueError(f"the range needs a subgroup size of at least 2, got {n}")
    phi = np.exp(-0.5 * _X**2) / sqrt(2.0 * np.pi)
    cdf_x = ndtr(_X)
    inner = (ndtr(_X[None, :] + _W[:, None]) - cdf_x[None, :]) ** (n - 1)
    cdf_w = n * np.trapezoid(phi[None, :] * inner, _X, axis=1)
    tail = np.clip(1.0 - cdf_w, 0.0, 1.0)
    mean = float(np.trapezoid(tail, _W))
    second = float(np.trapezoid(2.0 * _W * tail, _W))
    return mean, sqrt(max(second - mean**2, 0.0))


@lru_cache(maxsize=64)
def subgroup_constants(n: int) -> SubgroupConstants:
    """All constants for subgroup size n ≥ 2."""
    d2, d3 = range_moments(n)
    return SubgroupConstants(n=n, d2=d2, d3=d3, c4=c4(n))
