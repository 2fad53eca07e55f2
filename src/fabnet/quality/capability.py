"""Process capability: Cp, Cpk (within σ) and Pp, Ppk (overall σ) with confidence intervals, and a normality check.

Intervals: Cp and Pp by the chi-square method, Cp·sqrt(χ²_{α/2,ν}/ν) … Cp·sqrt(χ²_{1−α/2,ν}/ν) (Montgomery §8.3.3);
Cpk and Ppk by Bissell's normal approximation, Ĉpk ± z_{1−α/2} sqrt(1/(9N) + Ĉpk²/(2(N−1))) (Bissell 1990).
Degrees of freedom ν: overall σ (sample s of all N values): N − 1; within σ from subgroups (pooled s / c4):
Σ(nᵢ − 1); within σ of individuals (MR̄/d2): N − 1, the usual approximation.
"""

from math import sqrt

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

from fabnet.quality.chart_model import ChartData
from fabnet.quality.constants import c4, subgroup_constants
from fabnet.quality.shewhart import MOVING_RANGE_SPAN, moving_ranges


class CapabilitySpec(BaseModel):
    """Specification limits (one may be missing for a one-sided specification) and the confidence level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lsl: float | None = None
    usl: float | None = None
    confidence: float = Field(default=0.95, gt=0, lt=1)

    @model_validator(mode="after")
    def _limits(self) -> "CapabilitySpec":
        if self.lsl is None and self.usl is None:
            raise ValueError("lsl/usl: give at least one specification limit")
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise ValueError(f"lsl: LSL ({self.lsl:g}) must be below USL ({self.usl:g})")
        return self


class IndexEstimate(BaseModel):
    """A capability index with its two-sided confidence interval."""

    value: float
    lower: float
    upper: float
    method: str


class NormalityCheck(BaseModel):
    """Anderson–Darling (p interpolated in scipy's table, so bounded to 0.01–0.15) and Shapiro–Wilk."""

    anderson_darling: float
    anderson_darling_p: float
    shapiro_wilk: float
    shapiro_wilk_p: float
    normal: bool = Field(description="neither test rejects normality at the 5% level")


class CapabilityResult(BaseModel):
    spec: CapabilitySpec
    count: int
    mean: float
    sigma_within: float
    sigma_within_method: str
    sigma_overall: float
    cp: IndexEstimate | None = Field(description="None for a one-sided specification")
    cpk: IndexEstimate
    pp: IndexEstimate | None
    ppk: IndexEstimate
    expected_ppm_out_of_spec: float = Field(description="under normality with the overall σ")
    observed_out_of_spec: int
    normality: NormalityCheck


def potential_index(value: float, dof: float, confidence: float) -> IndexEstimate:
    """Cp-type index with the chi-square interval."""
    alpha = 1 - confidence
    low = value * sqrt(stats.chi2.ppf(alpha / 2, dof) / dof)
    high = value * sqrt(stats.chi2.ppf(1 - alpha / 2, dof) / dof)
    return IndexEstimate(value=value, lower=low, upper=high, method=f"chi-square, ν = {dof:g}")


def performance_index(value: float, count: int, confidence: float) -> IndexEstimate:
    """Cpk-type index with Bissell's interval."""
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    half = z * sqrt(1 / (9 * count) + value**2 / (2 * (count - 1)))
    return IndexEstimate(value=value, lower=value - half, upper=value + half, method=f"Bissell, N = {count}")


def normality_check(x: np.ndarray) -> NormalityCheck:
    ad = stats.anderson(x, dist="norm", method="interpolate")
    sw = stats.shapiro(x)
    return NormalityCheck(
        anderson_darling=float(ad.statistic), anderson_darling_p=float(ad.pvalue),
        shapiro_wilk=float(sw.statistic), shapiro_wilk_p=float(sw.pvalue),
        normal=bool(ad.pvalue > 0.05 and sw.pvalue > 0.05),
    )


def within_sigma(data: ChartData) -> tuple[float, float, str]:
    """(σ_within, ν, method): pooled s/c4(ν+1) for subgroups, MR̄/d2 for individuals."""
    values = data.values
    if data.subgroup_size == 1:
        mr_bar = float(np.nanmean(moving_ranges(values[:, 0])))
        return mr_bar / subgroup_constants(MOVING_RANGE_SPAN).d2, float(len(values) - 1), "MR̄/d2"
    dof = data.subgroups * (data.subgroup_size - 1)
    pooled = sqrt(float(values.var(axis=1, ddof=1).mean()))
    return pooled / c4(dof + 1), float(dof), "pooled s/c4"


def capability(data: ChartData, spec: CapabilitySpec) -> CapabilityResult:
    """All indices from the values (individuals or subgroups) against the specification."""
    x = data.values.ravel()
    count = len(x)
    if count < 8:
        raise ValueError(f"values: capability needs at least 8 values, got {count}")
    mean = float(x.mean())
    sigma_overall = float(x.std(ddof=1))
    sigma_within, dof_within, method = within_sigma(data)
    if not (sigma_overall > 0 and sigma_within > 0):
        raise ValueError("values: no variation at all (σ = 0); capability indices are undefined")

    def one_sided(sigma: float) -> float:
        sides = []
        if spec.usl is not None:
            sides.append((spec.usl - mean) / (3 * sigma))
        if spec.lsl is not None:
            sides.append((mean - spec.lsl) / (3 * sigma))
        return min(sides)

    width = spec.usl - spec.lsl if spec.lsl is not None and spec.usl is not None else None
    cp = potential_index(width / (6 * sigma_within), dof_within, spec.confidence) if width is not None else None
    pp = potential_index(width / (6 * sigma_overall), count - 1, spec.confidence) if width is not None else None
    tail = 0.0
    if spec.usl is not None:
        tail += float(stats.norm.sf((spec.usl - mean) / sigma_overall))
    if spec.lsl is not None:
        tail += float(stats.norm.cdf((spec.lsl - mean) / sigma_overall))
    outside = 0
    if spec.lsl is not None:
        outside += int((x < spec.lsl).sum())
    if spec.usl is not None:
        outside += int((x > spec.usl).sum())
    return CapabilityResult(
        spec=spec, count=count, mean=mean, sigma_within=sigma_within, sigma_within_method=method,
        sigma_overall=sigma_overall, cp=cp, cpk=performance_index(one_sided(sigma_within), count, spec.confidence),
        pp=pp, ppk=performance_index(one_sided(sigma_overall), count, spec.confidence),
        expected_ppm_out_of_spec=tail * 1e6, observed_out_of_spec=outside, normality=normality_check(x),
    )
