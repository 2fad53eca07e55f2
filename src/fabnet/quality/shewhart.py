"""Shewhart charts: individuals / moving range, X̄–R and X̄–S, limits estimated from phase I."""

import numpy as np

from fabnet.quality.chart_model import (
    ChartData,
    ChartEstimate,
    ChartKind,
    ChartPanel,
    ChartResult,
    ChartSignal,
    ChartSpec,
    finite_or_none,
)
from fabnet.quality.constants import subgroup_constants
from fabnet.quality.rules import evaluate_rule, rule_set

MOVING_RANGE_SPAN = 2


def moving_ranges(x: np.ndarray) -> np.ndarray:
    """|x_i − x_{i−1}|, NaN for the first point."""
    mr = np.full(x.shape, np.nan)
    mr[1:] = np.abs(np.diff(x))
    return mr


def estimate_process(data: ChartData, spec: ChartSpec, phase1: int, use_std: bool = False) -> ChartEstimate:
    """Centre and σ from the first `phase1` points: MR̄/d2 for individuals, R̄/d2 or S̄/c4 for subgroups."""
    head = data.values[:phase1]
    n = data.subgroup_size
    stats: dict[str, float] = {}
    if n == 1:
        x = head[:, 0]
        mr_bar = float(np.nanmean(moving_ranges(x)))
        stats = {"x̄": float(x.mean()), "MR̄": mr_bar}
        sigma, method = mr_bar / subgroup_constants(MOVING_RANGE_SPAN).d2, "MR̄/d2"
        center = float(x.mean())
    else:
        means = head.mean(axis=1)
        center = float(means.mean())
        stats["x̿"] = center
        if use_std:
            s_bar = float(head.std(axis=1, ddof=1).mean())
            stats["S̄"] = s_bar
            sigma, method = s_bar / subgroup_constants(n).c4, "S̄/c4"
        else:
            r_bar = float(np.ptp(head, axis=1).mean())
            stats["R̄"] = r_bar
            sigma, method = r_bar / subgroup_constants(n).d2, "R̄/d2"
    if spec.target is not None:
        center, method = spec.target, method + " (target given)"
    if spec.sigma is not None:
        sigma, method = spec.sigma, "given"
    if not sigma > 0:
        raise ValueError("values: phase I shows no variation at all (σ = 0); cannot set control limits")
    return ChartEstimate(center=center, sigma=sigma, method=method, phase1=phase1, statistics=stats)


def rule_signals(
    z: np.ndarray, spec: ChartSpec, panel: str, data: ChartData, phase1: int
) -> list[ChartSignal]:
    """Run-rule signals on standardised points z of a location panel."""
    signals: list[ChartSignal] = []
    for rule in rule_set(spec.rules):
        for index in np.flatnonzero(evaluate_rule(z, rule)):
            signals.append(_signal(int(index), panel, rule.code, rule.description, data, phase1))
    return signals


def limit_signals(panel: ChartPanel, data: ChartData, phase1: int, what: str) -> list[ChartSignal]:
    """Points of a panel beyond its limits."""
    signals = []
    for index, (value, low, high) in enumerate(zip(panel.values, panel.lower, panel.upper, strict=True)):
        if value is None:
            continue
        if (high is not None and value > high) or (low is not None and value < low):
            signals.append(_signal(index, panel.name, "LIMIT", f"{what} beyond its control limits", data, phase1))
    return signals


def _signal(index: int, panel: str, rule: str, description: str, data: ChartData, phase1: int) -> ChartSignal:
    return ChartSignal(
        index=index, label=data.labels[index], panel=panel, rule=rule, description=description,
        phase=1 if index < phase1 else 2,
    )


def _constant(value: float, m: int) -> list[float | None]:
    return finite_or_none(np.full(m, value))


def individuals_chart(data: ChartData, spec: ChartSpec, phase1: int) -> ChartResult:
    """Individuals and moving-range chart (Montgomery §6.4): x̄ ± 3 MR̄/d2, MR UCL = D4 MR̄."""
    x = data.values[:, 0]
    m = len(x)
    est = estimate_process(data, spec, phase1)
    span = subgroup_constants(MOVING_RANGE_SPAN)
    mr_bar = est.sigma * span.d2
    individuals = ChartPanel(
        name="Individuals", values=finite_or_none(x), center=est.center,
        lower=_constant(est.center - 3 * est.sigma, m), upper=_constant(est.center + 3 * est.sigma, m),
    )
    mr = ChartPanel(
        name="Moving range", values=finite_or_none(moving_ranges(x)), center=mr_bar,
        lower=_constant(span.d3_lower * mr_bar, m), upper=_constant(span.d4_upper * mr_bar, m),
    )
    signals = rule_signals((x - est.center) / est.sigma, spec, individuals.name, data, phase1)
    signals += limit_signals(mr, data, phase1, "moving range")
    return _result(ChartKind.IMR, data, spec, phase1, est, [individuals, mr], signals)


def subgroup_chart(data: ChartData, spec: ChartSpec, phase1: int) -> ChartResult:
    """X̄–R (x̿ ± A2 R̄; D3 R̄, D4 R̄) or X̄–S (x̿ ± A3 S̄; B3 S̄, B4 S̄) chart (Montgomery §6.2, §6.3)."""
    use_std = spec.kind is ChartKind.XBAR_S
    n, m = data.subgroup_size, data.subgroups
    k = subgroup_constants(n)
    est = estimate_process(data, spec, phase1, use_std=use_std)
    means = data.values.mean(axis=1)
    sigma_mean = est.sigma / np.sqrt(n)
    location = ChartPanel(
        name="X̄", values=finite_or_none(means), center=est.center,
        lower=_constant(est.center - 3 * sigma_mean, m), upper=_constant(est.center + 3 * sigma_mean, m),
    )
    if use_std:
        s_bar = est.sigma * k.c4
        dispersion = ChartPanel(
            name="S", values=finite_or_none(data.values.std(axis=1, ddof=1)), center=s_bar,
            lower=_constant(k.b3 * s_bar, m), upper=_constant(k.b4 * s_bar, m),
        )
    else:
        r_bar = est.sigma * k.d2
        dispersion = ChartPanel(
            name="R", values=finite_or_none(np.ptp(data.values, axis=1)), center=r_bar,
            lower=_constant(k.d3_lower * r_bar, m), upper=_constant(k.d4_upper * r_bar, m),
        )
    signals = rule_signals((means - est.center) / sigma_mean, spec, location.name, data, phase1)
    signals += limit_signals(dispersion, data, phase1, dispersion.name)
    return _result(spec.kind, data, spec, phase1, est, [location, dispersion], signals)


def _result(
    kind: ChartKind, data: ChartData, spec: ChartSpec, phase1: int, est: ChartEstimate,
    panels: list[ChartPanel], signals: list[ChartSignal],
) -> ChartResult:
    return ChartResult(
        kind=kind, subgroup_size=data.subgroup_size, labels=list(data.labels), phase1=phase1, rules=spec.rules,
        estimate=est, panels=panels, signals=sorted(signals, key=lambda s: (s.index, s.panel, s.rule)),
    )
