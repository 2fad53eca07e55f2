"""Control-chart model: the input (data and spec), the phase-I estimate and the JSON-ready result."""

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fabnet.quality.rules import RULE_SETS


class ChartKind(StrEnum):
    IMR = "imr"
    XBAR_R = "xbar-r"
    XBAR_S = "xbar-s"
    EWMA = "ewma"
    CUSUM = "cusum"


class ChartSpec(BaseModel):
    """What to chart and how: the phase-I length, rules and the EWMA / CUSUM design."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ChartKind
    phase1: int | None = Field(default=None, ge=2, description="leading points (subgroups) that estimate limits")
    rules: str = Field(default="western-electric", description="run rules on the location chart")
    ewma_lambda: float = Field(default=0.10, gt=0, le=1)
    ewma_width: float = Field(default=2.814, gt=0, description="L: limits at ±L σ_EWMA (λ=0.10, L=2.814: ARL0 500)")
    cusum_k: float = Field(default=0.5, ge=0, description="reference value k in σ units")
    cusum_h: float = Field(default=5.0, gt=0, description="decision interval h in σ units")
    target: float | None = Field(default=None, description="known centre (standard given) instead of phase I")
    sigma: float | None = Field(default=None, gt=0, description="known process σ instead of phase I")

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: str) -> str:
        if value not in RULE_SETS:
            raise ValueError(f"unknown rule set {value!r}; choose one of {', '.join(RULE_SETS)}")
        return value


@dataclass(frozen=True)
class ChartData:
    """Observations as an (m, n) array: m subgroups of n (n = 1 for individuals), with a label per subgroup."""

    values: np.ndarray
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[0] == 0:
            raise ValueError("values: expected a non-empty (subgroups × size) array")
        if not np.isfinite(values).all():
            row, col = np.argwhere(~np.isfinite(values))[0]
            raise ValueError(f"values: subgroup {row + 1}, observation {col + 1} is not a finite number")
        object.__setattr__(self, "values", values)
        if not self.labels:
            object.__setattr__(self, "labels", tuple(str(i + 1) for i in range(values.shape[0])))
        elif len(self.labels) != values.shape[0]:
            raise ValueError(f"labels: {len(self.labels)} labels for {values.shape[0]} subgroups")

    @property
    def subgroups(self) -> int:
        return int(self.values.shape[0])

    @property
    def subgroup_size(self) -> int:
        return int(self.values.shape[1])


class ChartEstimate(BaseModel):
    """The in-control process as estimated from phase I (or given)."""

    center: float
    sigma: float = Field(description="process standard deviation of one observation")
    method: str = Field(description="how σ was estimated, e.g. 'R̄/d2'")
    phase1: int = Field(description="number of points (subgroups) in phase I")
    statistics: dict[str, float] = Field(default_factory=dict, description="x̿, R̄, S̄, MR̄ … as used")


class ChartPanel(BaseModel):
    """One plotted statistic with its centre line and (possibly time-varying) limits; None = not defined."""

    name: str
    values: list[float | None]
    center: float
    lower: list[float | None]
    upper: list[float | None]

    @model_validator(mode="after")
    def _same_length(self) -> "ChartPanel":
        if not len(self.values) == len(self.lower) == len(self.upper):
            raise ValueError(f"panel {self.name}: values and limits differ in length")
        return self


class ChartSignal(BaseModel):
    """A point that signals: which panel, which rule."""

    index: int = Field(description="0-based point (subgroup) index")
    label: str
    panel: str
    rule: str
    description: str
    phase: int = Field(description="1 = inside the phase-I period, 2 = after it")


class ChartResult(BaseModel):
    """A chart, ready to draw or to write as JSON."""

    kind: ChartKind
    subgroup_size: int
    labels: list[str]
    phase1: int
    rules: str
    estimate: ChartEstimate
    panels: list[ChartPanel]
    signals: list[ChartSignal]

    @property
    def out_of_control(self) -> list[int]:
        """Indices of the points with at least one signal."""
        return sorted({signal.index for signal in self.signals})


def finite_or_none(values: np.ndarray | float) -> list[float | None]:
    """JSON-friendly list: NaN and ±inf become None (e.g. the first moving range, a missing lower limit)."""
    array = np.atleast_1d(np.asarray(values, dtype=float))
    return [float(v) if math.isfinite(v) else None for v in array]
