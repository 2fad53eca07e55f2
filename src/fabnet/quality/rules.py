"""Western Electric and Nelson run rules: one definition, a vectorised evaluator and an O(1) stream tracker."""

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class RuleKind(StrEnum):
    BEYOND = "beyond"  # the point is beyond ±limit σ
    K_OF_M = "k_of_m"  # k of the last m points beyond limit σ on the same side, the newest among them
    SAME_SIDE = "same_side"  # `points` in a row on one side of the centre line
    TREND = "trend"  # `points` in a row steadily increasing or decreasing
    ALTERNATING = "alternating"  # `points` in a row alternating up and down
    WITHIN = "within"  # `points` in a row within ±limit σ (stratification)
    OUTSIDE = "outside"  # `points` in a row beyond ±limit σ on either side (mixture)


@dataclass(frozen=True)
class RunRule:
    """One run rule on standardised points z = (x − centre) / σ of the plotted statistic."""

    code: str
    description: str
    kind: RuleKind
    points: int = 1
    count: int = 1
    limit: float = 0.0


WESTERN_ELECTRIC: tuple[RunRule, ...] = (
    RunRule("WE1", "one point beyond 3σ", RuleKind.BEYOND, 1, 1, 3.0),
    RunRule("WE2", "2 of 3 points beyond 2σ on the same side", RuleKind.K_OF_M, 3, 2, 2.0),
    RunRule("WE3", "4 of 5 points beyond 1σ on the same side", RuleKind.K_OF_M, 5, 4, 1.0),
    RunRule("WE4", "8 points in a row on the same side of the centre line", RuleKind.SAME_SIDE, 8),
)
"""Western Electric Statistical Quality Control Handbook (1956), the four zone rules."""

NELSON: tuple[RunRule, ...] = (
    RunRule("N1", "one point beyond 3σ", RuleKind.BEYOND, 1, 1, 3.0),
    RunRule("N2", "9 points in a row on the same side of the centre line", RuleKind.SAME_SIDE, 9),
    RunRule("N3", "6 points in a row steadily increasing or decreasing", RuleKind.TREND, 6),
    RunRule("N4", "14 points in a row alternating up and down", RuleKind.ALTERNATING, 14),
    RunRule("N5", "2 of 3 points beyond 2σ on the same side", RuleKind.K_OF_M, 3, 2, 2.0),
    RunRule("N6", "4 of 5 points beyond 1σ on the same side", RuleKind.K_OF_M, 5, 4, 1.0),
    RunRule("N7", "15 points in a row within 1σ", RuleKind.WITHIN, 15, 15, 1.0),
    RunRule("N8", "8 points in a row beyond 1σ on either side", RuleKind.OUTSIDE, 8, 8, 1.0),
)
"""L. S. Nelson, "The Shewhart control chart — tests for special causes", J. Quality Technology 16 (1984)."""

SHEWHART: tuple[RunRule, ...] = (RunRule("3SIGMA", "one point beyond 3σ", RuleKind.BEYOND, 1, 1, 3.0),)

RULE_SETS: dict[str, tuple[RunRule, ...]] = {
    "western-electric": WESTERN_ELECTRIC,
    "nelson": NELSON,
    "shewhart": SHEWHART,
    "none": (),
}


def rule_set(name: str) -> tuple[RunRule, ...]:
    """The rules called `name` (western-electric, nelson, shewhart, none); ValueError naming the choices."""
    try:
        return RULE_SETS[name]
    except KeyError:
        raise ValueError(f"unknown rule set {name!r}; choose one of {', '.join(RULE_SETS)}") from None


def _windows(z: np.ndarray, points: int) -> np.ndarray:
    """Trailing windows of `points` values ending at each position; NaN stands for 'before the first point'."""
    pad = np.full((*z.shape[:-1], points - 1), np.nan)
    return sliding_window_view(np.concatenate([pad, z], axis=-1), points, axis=-1)


def evaluate_rule(z: np.ndarray, rule: RunRule) -> np.ndarray:
    """Boolean array, same shape as z: where `rule` fires on the window ending at that point (last axis = time)."""
    z = np.asarray(z, dtype=float)
    with np.errstate(invalid="ignore"):
        if rule.kind is RuleKind.BEYOND:
            return np.abs(z) > rule.limit
        w = _windows(z, rule.points)
        if rule.kind is RuleKind.K_OF_M:
            high = ((w > rule.limit).sum(axis=-1) >= rule.count) & (z > rule.limit)
            low = ((w < -rule.limit).sum(axis=-1) >= rule.count) & (z < -rule.limit)
            return high | low
        if rule.kind is RuleKind.SAME_SIDE:
            return (w > 0).all(axis=-1) | (w < 0).all(axis=-1)
        if rule.kind is RuleKind.WITHIN:
            return (np.abs(w) < rule.limit).all(axis=-1)
        if rule.kind is RuleKind.OUTSIDE:
            return (np.abs(w) > rule.limit).all(axis=-1)
        steps = np.diff(w, axis=-1)
        if rule.kind is RuleKind.TREND:
            return (steps > 0).all(axis=-1) | (steps < 0).all(axis=-1)
        if rule.kind is RuleKind.ALTERNATING:
            return (steps[..., 1:] * steps[..., :-1] < 0).all(axis=-1)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def evaluate_rules(z: np.ndarray, rules: tuple[RunRule, ...]) -> dict[str, np.ndarray]:
    """Every rule's firing pattern over z, keyed by rule code."""
    return {rule.code: evaluate_rule(z, rule) for rule in rules}


_KIND_CODES: dict[RuleKind, int] = {kind: code for code, kind in enumerate(RuleKind)}


class RuleTracker:
    """The same rules on a stream, O(1) per point: run counters and bit masks instead of windows.

    The state is fully determined by the last `memory` points since the last reset, so a snapshot is that
    short history (see `history` / `replay`).
    """

    __slots__ = ("_alt", "_down", "_high", "_history", "_low", "_neg", "_plan", "_pos", "_prev", "_prev_step", "_runs",
                 "_up", "memory", "rules")

    def __init__(self, rules: tuple[RunRule, ...]) -> None:
        self.rules = rules
        self.memory = max((rule.points for rule in rules), default=1)
        # plain tuples in the hot loop: attribute and enum lookups cost more than the arithmetic
        self._plan = tuple(
            (index, _KIND_CODES[rule.kind], rule.points, rule.count, rule.limit, (1 << rule.points) - 1, rule)
            for index, rule in enumerate(rules)
        )
        self.reset()

    def reset(self) -> None:
        """Forget every point seen (after an alarm has been acted on)."""
        self._history: deque[float] = deque(maxlen=self.memory)
        self._prev: float | None = None
        self._prev_step = 0.0
        self._pos = self._neg = self._up = self._down = self._alt = 0
        self._runs = [0] * len(self.rules)
        self._high = [0] * len(self.rules)
        self._low = [0] * len(self.rules)

    def update(self, z: float) -> list[RunRule]:
        """Add one standardised point; return the rules that fire on it."""
        self._history.append(z)
        pos = self._pos = self._pos + 1 if z > 0 else 0
        neg = self._neg = self._neg + 1 if z < 0 else 0
        prev = self._prev
        if prev is None:
            step = 0.0
            up = down = alt = 0
        else:
            step = z - prev
            up = self._up + 1 if step > 0 else 0
            down = self._down + 1 if step < 0 else 0
            # an alternating run continues while consecutive steps change sign; a zero step breaks it
            alt = self._alt + 1 if step * self._prev_step < 0 else (1 if step != 0 else 0)
        self._up, self._down, self._alt = up, down, alt
        self._prev = z
        self._prev_step = step
        runs, high_bits, low_bits = self._runs, self._high, self._low
        fired: list[RunRule] = []
        # kind codes follow RuleKind's order: beyond, k_of_m, same_side, trend, alternating, within, outside
        for index, kind, points, count, limit, mask, rule in self._plan:
            if kind == 0:
                hit = z > limit or z < -limit
            elif kind == 1:
                high = high_bits[index] = ((high_bits[index] << 1) | (z > limit)) & mask
                low = low_bits[index] = ((low_bits[index] << 1) | (z < -limit)) & mask
                hit = bool((high & 1 and high.bit_count() >= count) or (low & 1 and low.bit_count() >= count))
            elif kind == 2:
                hit = pos >= points or neg >= points
            elif kind == 3:
                hit = up >= points - 1 or down >= points - 1
            elif kind == 4:
                hit = alt >= points - 1
            elif kind == 5:
                run = runs[index] = runs[index] + 1 if -limit < z < limit else 0
                hit = run >= points
            else:
                run = runs[index] = runs[index] + 1 if z > limit or z < -limit else 0
                hit = run >= points
            if hit:
                fired.append(rule)
        return fired

    def history(self) -> list[float]:
        """The points that determine the state (at most `memory`, since the last reset)."""
        return list(self._history)

    def replay(self, history: list[float]) -> None:
        """Rebuild the state from `history()` of another tracker with the same rules."""
        self.reset()
        for z in history[-self.memory :]:
            self.update(z)
