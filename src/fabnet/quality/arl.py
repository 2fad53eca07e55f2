"""Average run lengths of control schemes by seeded, vectorised Monte Carlo (zero-state, shift from point 1)."""

from enum import StrEnum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from fabnet.quality.rules import NELSON, WESTERN_ELECTRIC, RunRule, evaluate_rule
from fabnet.quality.time_weighted import ewma_sigma_factor, ewma_statistic


class ArlScheme(StrEnum):
    SHEWHART = "shewhart"
    EWMA = "ewma"
    CUSUM = "cusum"
    WESTERN_ELECTRIC = "western-electric"
    NELSON = "nelson"


class ArlProblem(BaseModel):
    """A scheme on individual N(shift, 1) observations, and how many run lengths to simulate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: ArlScheme
    shift: float = Field(default=0.0, description="mean shift in σ units, present from the first observation")
    replications: int = Field(default=10_000, ge=10)
    seed: int = 0
    shewhart_limit: float = Field(default=3.0, gt=0)
    ewma_lambda: float = Field(default=0.10, gt=0, le=1)
    ewma_width: float = Field(default=2.814, gt=0, description="L; the asymptotic limits ±L σ sqrt(λ/(2−λ))")
    cusum_k: float = Field(default=0.5, ge=0)
    cusum_h: float = Field(default=5.0, gt=0)
    chunk: int = Field(default=256, ge=8, description="observations drawn per still-running replication per step")
    max_length: int = Field(default=2_000_000, gt=0, description="safety stop: a run this long is censored")


class ArlResult(BaseModel):
    """The estimate with its Monte Carlo standard error."""

    problem: ArlProblem
    arl: float
    std_error: float
    median: float
    longest: int
    censored: int = Field(description="replications stopped at max_length without a signal")


def _first_signal(signal: np.ndarray) -> np.ndarray:
    """Per row, the 0-based column of the first True, or −1."""
    first = signal.argmax(axis=1)
    first[~signal[np.arange(len(first)), first]] = -1
    return first


class _Scheme:
    """Per-replication state of one scheme, advanced a chunk of observations at a time."""

    def __init__(self, problem: ArlProblem, rows: int) -> None:
        self.p = problem
        if problem.scheme in (ArlScheme.WESTERN_ELECTRIC, ArlScheme.NELSON):
            self.rules: tuple[RunRule, ...] = (
                WESTERN_ELECTRIC if problem.scheme is ArlScheme.WESTERN_ELECTRIC else NELSON
            )
            carry = max(rule.points for rule in self.rules) - 1
            self.state = np.full((rows, carry), np.nan)  # NaN = before the first observation
        elif problem.scheme is ArlScheme.CUSUM:
            self.state = np.zeros((rows, 2))
        else:
            self.state = np.zeros((rows, 1))

    def keep(self, rows: np.ndarray) -> None:
        self.state = self.state[rows]

    def advance(self, x: np.ndarray) -> np.ndarray:
        p = self.p
        if p.scheme is ArlScheme.SHEWHART:
            return np.abs(x) > p.shewhart_limit
        if p.scheme is ArlScheme.EWMA:
            z = ewma_statistic(x, p.ewma_lambda, self.state)
            self.state = z[:, -1:]
            return np.abs(z) > p.ewma_width * ewma_sigma_factor(p.ewma_lambda)
        if p.scheme is ArlScheme.CUSUM:
            signal = np.empty(x.shape, dtype=bool)
            hi, lo = self.state[:, 0].copy(), self.state[:, 1].copy()
            for j in range(x.shape[1]):
                hi = np.maximum(0.0, hi + x[:, j] - p.cusum_k)
                lo = np.maximum(0.0, lo - x[:, j] - p.cusum_k)
                signal[:, j] = (hi > p.cusum_h) | (lo > p.cusum_h)
            self.state = np.stack([hi, lo], axis=1)
            return signal
        carry = self.state.shape[1]
        window = np.concatenate([self.state, x], axis=1)
        signal = np.zeros(window.shape, dtype=bool)
        for rule in self.rules:
            signal |= evaluate_rule(window, rule)
        self.state = window[:, window.shape[1] - carry :]
        return signal[:, carry:]


def simulate_run_lengths(problem: ArlProblem) -> tuple[np.ndarray, int]:
    """Run lengths (observations up to and including the first signal) and the number censored."""
    rng = np.random.default_rng(problem.seed)
    lengths = np.zeros(problem.replications, dtype=np.int64)
    active = np.arange(problem.replications)
    scheme = _Scheme(problem, problem.replications)
    elapsed = 0
    while active.size and elapsed < problem.max_length:
        x = rng.standard_normal((active.size, problem.chunk)) + problem.shift
        first = _first_signal(scheme.advance(x))
        done = first >= 0
        lengths[active[done]] = elapsed + first[done] + 1
        active = active[~done]
        scheme.keep(~done)
        elapsed += problem.chunk
    lengths[active] = elapsed
    return lengths, int(active.size)


def simulate_arl(problem: ArlProblem) -> ArlResult:
    """ARL with its standard error s/sqrt(R)."""
    lengths, censored = simulate_run_lengths(problem)
    return ArlResult(
        problem=problem,
        arl=float(lengths.mean()),
        std_error=float(lengths.std(ddof=1) / np.sqrt(len(lengths))),
        median=float(np.median(lengths)),
        longest=int(lengths.max()),
        censored=censored,
    )
