"""Detection study: how fast each monitoring scheme finds injected faults and how often it cries wolf.

Input: faulted series (values per part with the fault's onset) and long in-control series, from any source
(the benchmark uses the twin's signal simulator). Model: one `StreamMonitor` per scheme, phase I from each
series' first parts. Result: detection delay (parts made from the onset up to and including the one that
raised the first alarm) per fault kind and scheme, and false alarms per 10,000 in-control parts.
"""

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from fabnet.quality.monitor import CusumDesign, EwmaDesign, MonitorConfig, StreamMonitor

SCHEMES: dict[str, str] = {
    "shewhart": "individuals 3σ",
    "western-electric": "3σ + Western Electric rules",
    "ewma": "EWMA λ=0.10, L=2.814",
    "cusum": "CUSUM k=0.5, h=5",
    "default": "the live monitor's default: 3.5σ + EWMA λ=0.10, L=3.0",
}


def scheme_config(scheme: str, phase1: int) -> MonitorConfig:
    """A monitor that runs exactly one scheme."""
    alone = {"phase1_samples": phase1, "shewhart_limit": None, "rules": "none", "ewma": None, "cusum": None}
    if scheme == "shewhart":
        return MonitorConfig(**{**alone, "rules": "shewhart"})
    if scheme == "western-electric":
        return MonitorConfig(**{**alone, "rules": "western-electric"})
    if scheme == "ewma":
        return MonitorConfig(**{**alone, "ewma": EwmaDesign()})
    if scheme == "cusum":
        return MonitorConfig(**{**alone, "cusum": CusumDesign()})
    if scheme == "default":
        return MonitorConfig(phase1_samples=phase1)
    raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")


@dataclass(frozen=True)
class FaultedSeries:
    """Values of one characteristic, part by part; the fault starts at part index `onset`."""

    kind: str
    magnitude: float
    values: np.ndarray
    onset: int


class DelayOutcome(BaseModel):
    fault: str
    magnitude: float
    scheme: str
    runs: int
    detected: int
    mean_delay: float | None = Field(description="parts from the onset to the first alarm, detected runs only")
    median_delay: float | None
    p90_delay: float | None


class FalseAlarmOutcome(BaseModel):
    scheme: str
    parts: int
    alarms: int
    per_10000: float


class DetectionReport(BaseModel):
    phase1: int
    schemes: dict[str, str]
    delays: list[DelayOutcome]
    false_alarms: list[FalseAlarmOutcome]


def alarm_parts(values: np.ndarray, config: MonitorConfig) -> np.ndarray:
    """Indices of the parts that raised at least one alarm (after the monitor's own phase I)."""
    monitor = StreamMonitor(config)
    observe = monitor.observe_values
    hits = [i for i, value in enumerate(values.tolist()) if observe("m", "c", value)]
    return np.asarray(hits, dtype=np.int64)


def study(
    faulted: list[FaultedSeries], in_control: list[np.ndarray], phase1: int, schemes: list[str] | None = None
) -> DetectionReport:
    """Run every scheme on every series."""
    schemes = schemes or list(SCHEMES)
    delays: list[DelayOutcome] = []
    kinds = list(dict.fromkeys((s.kind, s.magnitude) for s in faulted))
    for scheme in schemes:
        config = scheme_config(scheme, phase1)
        for kind, magnitude in kinds:
            runs = [s for s in faulted if (s.kind, s.magnitude) == (kind, magnitude)]
            found = []
            for series in runs:
                if series.onset < phase1:
                    raise ValueError(f"series {kind}: onset {series.onset} falls inside phase I ({phase1} parts)")
                hits = alarm_parts(series.values, config)
                after = hits[hits >= series.onset]
                if after.size:
                    found.append(int(after[0]) - series.onset + 1)
            delay = np.asarray(found, dtype=float)
            delays.append(DelayOutcome(
                fault=kind, magnitude=magnitude, scheme=scheme, runs=len(runs), detected=len(found),
                mean_delay=float(delay.mean()) if found else None,
                median_delay=float(np.median(delay)) if found else None,
                p90_delay=float(np.quantile(delay, 0.9)) if found else None,
            ))
    false_alarms = []
    for scheme in schemes:
        config = scheme_config(scheme, phase1)
        parts = alarms = 0
        for values in in_control:
            alarms += len(alarm_parts(values, config))
            parts += len(values) - phase1
        false_alarms.append(FalseAlarmOutcome(
            scheme=scheme, parts=parts, alarms=alarms, per_10000=1e4 * alarms / parts if parts else 0.0,
        ))
    return DetectionReport(phase1=phase1, schemes={s: SCHEMES[s] for s in schemes}, delays=delays,
                           false_alarms=false_alarms)
