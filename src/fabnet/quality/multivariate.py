"""Hotelling T² for correlated signals: mean and covariance from phase I, limits from the beta and F laws.

Individual observations (Tracy, Young & Mason 1992; Montgomery §11.3), m phase-I points of p variables:
phase I UCL = (m−1)²/m · B_{1−α}(p/2, (m−p−1)/2); phase II UCL = p(m+1)(m−1)/(m(m−p)) · F_{1−α}(p, m−p).
"""

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats


class HotellingModel(BaseModel):
    """The phase-I estimate and the limits; JSON-ready so a monitor can carry it."""

    model_config = ConfigDict(frozen=True)

    variables: list[str]
    mean: list[float]
    covariance: list[list[float]]
    phase1_count: int
    alpha: float
    ucl_phase1: float
    ucl_phase2: float

    def t2(self, x: np.ndarray) -> np.ndarray:
        """T² of each row of x (k × p)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        if x.shape[1] != len(self.mean):
            raise ValueError(f"values: expected {len(self.mean)} variables per observation, got {x.shape[1]}")
        centred = x - np.asarray(self.mean)
        solved = np.linalg.solve(np.asarray(self.covariance), centred.T).T
        return np.einsum("ij,ij->i", centred, solved)


class HotellingResult(BaseModel):
    model: HotellingModel
    t2: list[float]
    ucl: list[float] = Field(description="per point: the phase-I limit inside phase I, the phase-II limit after")
    signals: list[int]


def fit_hotelling(phase1: np.ndarray, alpha: float = 0.0027, variables: list[str] | None = None) -> HotellingModel:
    """Estimate from m in-control observations of p correlated variables (m > p + 1)."""
    x = np.asarray(phase1, dtype=float)
    if x.ndim != 2:
        raise ValueError("values: expected an (observations × variables) array")
    m, p = x.shape
    if m <= p + 1:
        raise ValueError(f"phase1: {m} observations are too few for {p} variables (need more than {p + 1})")
    if not np.isfinite(x).all():
        raise ValueError("values: phase I contains missing or infinite values")
    covariance = np.cov(x, rowvar=False, ddof=1).reshape(p, p)
    if np.linalg.matrix_rank(covariance) < p:
        raise ValueError("values: the phase-I covariance is singular (a variable is constant or a copy of others)")
    ucl1 = (m - 1) ** 2 / m * stats.beta.ppf(1 - alpha, p / 2, (m - p - 1) / 2)
    ucl2 = p * (m + 1) * (m - 1) / (m * (m - p)) * stats.f.ppf(1 - alpha, p, m - p)
    return HotellingModel(
        variables=variables or [f"x{i + 1}" for i in range(p)],
        mean=x.mean(axis=0).tolist(), covariance=covariance.tolist(), phase1_count=m, alpha=alpha,
        ucl_phase1=float(ucl1), ucl_phase2=float(ucl2),
    )


def hotelling_chart(
    observations: np.ndarray, phase1: int, alpha: float = 0.0027, variables: list[str] | None = None
) -> HotellingResult:
    """Fit on the first `phase1` rows, chart all rows."""
    x = np.asarray(observations, dtype=float)
    model = fit_hotelling(x[:phase1], alpha, variables)
    t2 = model.t2(x)
    ucl = np.where(np.arange(len(x)) < phase1, model.ucl_phase1, model.ucl_phase2)
    return HotellingResult(model=model, t2=t2.tolist(), ucl=ucl.tolist(), signals=np.flatnonzero(t2 > ucl).tolist())
