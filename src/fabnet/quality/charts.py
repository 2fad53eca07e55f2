"""Control charts of every kind behind one call: estimate from phase I, apply to all points."""

from fabnet.quality.chart_model import ChartData, ChartKind, ChartResult, ChartSpec
from fabnet.quality.shewhart import individuals_chart, subgroup_chart
from fabnet.quality.time_weighted import cusum_chart, ewma_chart


def run_chart(data: ChartData, spec: ChartSpec) -> ChartResult:
    """Estimate the chart from phase I (the first `spec.phase1` points, all if None) and apply it to all points."""
    phase1 = spec.phase1 if spec.phase1 is not None else data.subgroups
    if phase1 > data.subgroups:
        raise ValueError(f"phase1: {phase1} points asked for phase I but the data has {data.subgroups}")
    if phase1 < 2:
        raise ValueError("phase1: at least 2 points are needed to estimate the process")
    if spec.kind is ChartKind.IMR:
        if data.subgroup_size != 1:
            raise ValueError(f"imr: needs one value per row, the data has subgroups of {data.subgroup_size}")
        return individuals_chart(data, spec, phase1)
    if spec.kind in (ChartKind.XBAR_R, ChartKind.XBAR_S):
        if data.subgroup_size < 2:
            raise ValueError(f"subgroup size: {spec.kind} needs subgroups of at least 2, got {data.subgroup_size}")
        return subgroup_chart(data, spec, phase1)
    if spec.kind is ChartKind.EWMA:
        return ewma_chart(data, spec, phase1)
    return cusum_chart(data, spec, phase1)
