"""Time-weighted charts: EWMA (exact, time-varying limits) and the two-sided tabular CUSUM."""

import numpy as np

from fabnet.quality.chart_model import (
    ChartData,
    ChartEstimate,
    ChartKind,
    ChartPanel,
    ChartResult,
    ChartSignal,
    ChartSpec,
)
from fabnet.quality.shewhart import estimate_process, finite_or_none, limit_signals


def ewma_statistic(x: np.ndarray, lam: float, start: float | np.ndarray) -> np.ndarray:
    """z_i = λ x_i + (1 − λ) z_{i−1}, z_0 = start (one per row), along the last axis, as a linear filter."""
    # scipy.signal costs about a second to import; a node imports this module at start but may never draw an EWMA
    from scipy.signal import lfilter

    x = np.asarray(x, dtype=float)
    initial = (1 - lam) * np.broadcast_to(np.asarray(start, dtype=float), (*x.shape[:-1], 1))
    z, _ = lfilter([lam], [1.0, -(1.0 - lam)], x, axis=-1, zi=initial)
    return z


def ewma_sigma_factor(lam: float, i: np.ndarray | int | None = None) -> np.ndarray | float:
    """σ_z/σ: sqrt(λ/(2−λ) (1 − (1−λ)^(2i))) at point i (1-based); the asymptotic value when i is None."""
    if i is None:
        return float(np.sqrt(lam / (2 - lam)))
    return np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * np.asarray(i))))


def cusum_statistics(z: np.ndarray, k: float, start: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Tabular CUSUM on standardised z: C+_i = max(0, z_i − k + C+_{i−1}), C−_i = max(0, −z_i − k + C−_{i−1})."""
    upper = np.empty(len(z))
    lower = np.empty(len(z))
    hi = lo = start
    for i, value in enumerate(z):
        hi = max(0.0, value - k + hi)
        lo = max(0.0, -value - k + lo)
        upper[i], lower[i] = hi, lo
    return upper, lower


def _means(data: ChartData, spec: ChartSpec, phase1: int) -> tuple[np.ndarray, float, float, ChartEstimate]:
    est = estimate_process(data, spec, phase1)
    return data.values.mean(axis=1), est.center, est.sigma / np.sqrt(data.subgroup_size), est


def ewma_chart(data: ChartData, spec: ChartSpec, phase1: int) -> ChartResult:
    """EWMA of the points (subgroup means) with limits μ0 ± L σ_x̄ sqrt(λ/(2−λ)(1−(1−λ)^(2i))) (Montgomery §9.2)."""
    x, center, sigma_x, est = _means(data, spec, phase1)
    lam, width = spec.ewma_lambda, spec.ewma_width
    z = ewma_statistic(x, lam, center)
    half = width * sigma_x * ewma_sigma_factor(lam, np.arange(1, len(x) + 1))
    panel = ChartPanel(
        name="EWMA", values=finite_or_none(z), center=center,
        lower=finite_or_none(center - half), upper=finite_or_none(center + half),
    )
    signals = [
        ChartSignal(index=s.index, label=s.label, panel=s.panel, rule="EWMA",
                    description=f"EWMA (λ={lam}) beyond ±{width}σ", phase=s.phase)
        for s in limit_signals(panel, data, phase1, "EWMA")
    ]
    return ChartResult(
        kind=ChartKind.EWMA, subgroup_size=data.subgroup_size, labels=list(data.labels), phase1=phase1,
        rules="ewma", estimate=est, panels=[panel], signals=signals,
    )


def cusum_chart(data: ChartData, spec: ChartSpec, phase1: int) -> ChartResult:
    """Two-sided tabular CUSUM with K = kσ, H = hσ (Montgomery §9.1); C− is drawn below zero."""
    x, center, sigma_x, est = _means(data, spec, phase1)
    hi, lo = cusum_statistics((x - center) / sigma_x, spec.cusum_k)
    m = len(x)
    limit = spec.cusum_h * sigma_x
    none = [None] * m
    upper = ChartPanel(name="C+", values=finite_or_none(hi * sigma_x), center=0.0, lower=none,
                       upper=finite_or_none(np.full(m, limit)))
    lower = ChartPanel(name="C−", values=finite_or_none(-lo * sigma_x), center=0.0,
                       lower=finite_or_none(np.full(m, -limit)), upper=none)
    signals = []
    for panel, code in ((upper, "CUSUM+"), (lower, "CUSUM-")):
        for s in limit_signals(panel, data, phase1, panel.name):
            signals.append(ChartSignal(index=s.index, label=s.label, panel=s.panel, rule=code,
                                       description=f"{panel.name} beyond H = {spec.cusum_h}σ", phase=s.phase))
    return ChartResult(
        kind=ChartKind.CUSUM, subgroup_size=data.subgroup_size, labels=list(data.labels), phase1=phase1,
        rules="cusum", estimate=est, panels=[upper, lower], signals=sorted(signals, key=lambda s: s.index),
    )
