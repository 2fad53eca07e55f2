"""Anomaly detection for signals with no physical model: an Isolation Forest trained on in-control data.

The alarm threshold is the (1 − false_alarm_rate) quantile of the training scores, so the false-alarm rate
on in-control data is chosen, not implied by sklearn's `contamination`. Isolation Forest splits on one variable
at a time and its scores saturate beyond the training range, so a point far out in one variable alone scores like
the most extreme training points; where a linear-Gaussian model fits, Hotelling T² is the sharper tool.
"""

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.ensemble import IsolationForest


class AnomalyDetectorSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    false_alarm_rate: float = Field(default=0.005, gt=0, lt=0.5)
    trees: int = Field(default=200, ge=10)
    seed: int = 0


class AnomalyResult(BaseModel):
    scores: list[float] = Field(description="higher = more anomalous (negated sklearn score_samples)")
    threshold: float
    anomalies: list[int]


@dataclass(frozen=True)
class AnomalyDetector:
    """A fitted detector; `detect` scores new observations (rows) against the in-control threshold."""

    spec: AnomalyDetectorSpec
    forest: IsolationForest
    threshold: float
    variables: int

    @classmethod
    def fit(cls, in_control: np.ndarray, spec: AnomalyDetectorSpec | None = None) -> "AnomalyDetector":
        spec = spec or AnomalyDetectorSpec()
        x = np.asarray(in_control, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if len(x) < 50:
            raise ValueError(f"in_control: at least 50 in-control observations are needed, got {len(x)}")
        if not np.isfinite(x).all():
            raise ValueError("in_control: contains missing or infinite values")
        forest = IsolationForest(n_estimators=spec.trees, random_state=spec.seed).fit(x)
        threshold = float(np.quantile(-forest.score_samples(x), 1 - spec.false_alarm_rate))
        return cls(spec=spec, forest=forest, threshold=threshold, variables=x.shape[1])

    def detect(self, observations: np.ndarray) -> AnomalyResult:
        x = np.asarray(observations, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if x.shape[1] != self.variables:
            raise ValueError(f"observations: expected {self.variables} variables, got {x.shape[1]}")
        scores = -self.forest.score_samples(x)
        return AnomalyResult(
            scores=scores.tolist(), threshold=self.threshold, anomalies=np.flatnonzero(scores > self.threshold).tolist()
        )
