"""The live quality monitor: per (machine, characteristic) Shewhart/run rules, EWMA and CUSUM, alarms and actions.

Each stream first learns its in-control centre and σ from its first `phase1_samples` values (phase I; σ from the
average moving range, robust to slow drift) unless limits are given; afterwards every value is standardised and
fed to the rule tracker, the EWMA and the two-sided CUSUM. The per-value path is O(1) plain Python with no
validation objects: `observe_values` is the fast entry, `observe(Measurement)` the convenient one.
"""

from dataclasses import dataclass, field
from datetime import datetime
from math import sqrt

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fabnet.domain.part import Measurement
from fabnet.quality.constants import subgroup_constants
from fabnet.quality.rules import RULE_SETS, RuleTracker, rule_set

_D2_SPAN2 = subgroup_constants(2).d2
UNKNOWN_MACHINE = "unknown"


@dataclass(frozen=True, slots=True)
class HoldPart:
    """Stop this part from moving on until it is inspected."""

    part_id: str


@dataclass(frozen=True, slots=True)
class FlagMachine:
    """Mark the machine as out of statistical control (maintenance / setter attention)."""

    machine_id: str


@dataclass(frozen=True, slots=True)
class ReworkRequest:
    """Ask planning for a rework operation on this part (turned into an operation for `planning.reschedule`)."""

    part_id: str
    machine_id: str
    operation: str


Action = HoldPart | FlagMachine | ReworkRequest


@dataclass(frozen=True, slots=True)
class Alarm:
    """A rule fired on a value: where, which rule, the value and the actions the monitor asks for."""

    machine_id: str
    characteristic: str
    part_id: str | None
    rule: str
    value: float
    timestamp: datetime | float | None
    statistic: float = 0.0
    description: str = ""
    actions: tuple[Action, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (timestamps as ISO 8601 when they are datetimes)."""
        stamp = self.timestamp.isoformat() if isinstance(self.timestamp, datetime) else self.timestamp
        return {
            "machine_id": self.machine_id, "characteristic": self.characteristic, "part_id": self.part_id,
            "rule": self.rule, "value": self.value, "timestamp": stamp, "statistic": self.statistic,
            "description": self.description,
            "actions": [{"action": type(a).__name__, **{k: getattr(a, k) for k in a.__slots__}} for a in self.actions],
        }


class KnownLimits(BaseModel):
    """In-control centre and σ for one stream, given instead of learnt in phase I."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    machine_id: str
    characteristic: str
    center: float
    sigma: float = Field(gt=0)


class EwmaDesign(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lam: float = Field(default=0.10, gt=0, le=1)
    width: float = Field(default=2.814, gt=0, description="L (λ=0.10, L=2.814: in-control ARL 500)")


class CusumDesign(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    k: float = Field(default=0.5, ge=0)
    h: float = Field(default=5.0, gt=0, description="k=0.5, h=5: in-control ARL 465")


class ActionPolicy(BaseModel):
    """What an alarm asks for. A statistical signal says the process moved; a value out of specification
    says this part is bad."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hold_part_on_signal: bool = True
    flag_machine_on_signal: bool = True
    hold_part_out_of_spec: bool = True
    rework_out_of_spec: bool = True
    rework_operations: dict[str, str] = Field(
        default_factory=dict, description="characteristic → rework operation id; default 'rework-<characteristic>'"
    )


class MonitorConfig(BaseModel):
    """What every stream runs. The default is a combined Shewhart–EWMA scheme (Lucas & Saccucci 1990): a wide
    Shewhart limit on single values for spikes, large shifts and variance, an EWMA for small sustained shifts and
    drifts, with limits from 200 phase-I values: about 23 false alarms per 10,000 in-control values per stream
    (in-control ARL ≈ 430, measured with estimated limits). Run rules and the CUSUM can be added; each adds
    false alarms (docs/quality-monitor.md has the trade-off table)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phase1_samples: int = Field(default=200, ge=5, description="values per stream that estimate centre and σ")
    shewhart_limit: float | None = Field(default=3.5, gt=0, description="alarm on a single value beyond ± this "
                                         "many σ (None: off); 3.5σ alone has in-control ARL 2149")
    rules: str = Field(default="none", description="run rules on individual values: western-electric, nelson, "
                       "shewhart (3σ) or none")
    ewma: EwmaDesign | None = EwmaDesign(width=3.0)
    cusum: CusumDesign | None = None
    limits: tuple[KnownLimits, ...] = ()
    reset_after_alarm: bool = Field(default=True, description="restart EWMA, CUSUM and run rules after a signal")
    actions: ActionPolicy = ActionPolicy()

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: str) -> str:
        if value not in RULE_SETS:
            raise ValueError(f"unknown rule set {value!r}; choose one of {', '.join(RULE_SETS)}")
        return value


class StreamState(BaseModel):
    """Everything one stream needs to resume exactly where it stopped."""

    machine_id: str
    characteristic: str
    count: int
    phase1_values: list[float]
    previous: float | None
    moving_range_sum: float
    center: float | None
    sigma: float | None
    ewma: float
    cusum_high: float
    cusum_low: float
    recent: list[float] = Field(description="standardised values since the last reset that the run rules need")
    alarms: int


class MonitorState(BaseModel):
    """A monitor's snapshot: its configuration and every stream (JSON, e.g. kept while the broker is away)."""

    version: int = 2
    config: MonitorConfig
    samples: int
    streams: list[StreamState]

    @model_validator(mode="before")
    @classmethod
    def _version_1_had_every_scheme(cls, data: object) -> object:
        """Version 1 configurations knew no `shewhart_limit` and defaulted to western-electric + EWMA + CUSUM:
        a restored version-1 monitor keeps running exactly those."""
        if isinstance(data, dict) and data.get("version", 1) == 1 and isinstance(data.get("config"), dict):
            config = {"phase1_samples": 100, "rules": "western-electric", "ewma": EwmaDesign().model_dump(),
                      "cusum": CusumDesign().model_dump(), **data["config"]}
            config.setdefault("shewhart_limit", None)
            data = {**data, "config": config}
        return data


class _Stream:
    __slots__ = (
        "alarms",
        "center",
        "characteristic",
        "count",
        "cusum_high",
        "cusum_low",
        "ewma",
        "machine_id",
        "moving_range_sum",
        "phase1_values",
        "previous",
        "sigma",
        "tracker",
    )

    def __init__(self, machine_id: str, characteristic: str, tracker: RuleTracker) -> None:
        self.machine_id = machine_id
        self.characteristic = characteristic
        self.tracker = tracker
        self.count = 0
        self.phase1_values: list[float] = []
        self.previous: float | None = None
        self.moving_range_sum = 0.0
        self.center: float | None = None
        self.sigma: float | None = None
        self.ewma = 0.0
        self.cusum_high = 0.0
        self.cusum_low = 0.0
        self.alarms = 0


class StreamMonitor:
    """Watches any number of (machine, characteristic) streams; `observe*` returns the alarms a value raises."""

    def __init__(self, config: MonitorConfig | None = None) -> None:
        self.config = config or MonitorConfig()
        self._streams: dict[tuple[str, str], _Stream] = {}
        self._rules = rule_set(self.config.rules)
        self._known = {(lim.machine_id, lim.characteristic): lim for lim in self.config.limits}
        self._phase1 = self.config.phase1_samples
        ewma, cusum = self.config.ewma, self.config.cusum
        self._lam = ewma.lam if ewma else 0.0
        self._ewma_limit = ewma.width * sqrt(ewma.lam / (2 - ewma.lam)) if ewma else 0.0
        self._k = cusum.k if cusum else 0.0
        self._h = cusum.h if cusum else 0.0
        self._shewhart = self.config.shewhart_limit or 0.0
        self.samples = 0

    # -- the hot path -------------------------------------------------------------------------------------------
    def observe_values(
        self,
        machine_id: str,
        characteristic: str,
        value: float,
        part_id: str | None = None,
        t: datetime | float | None = None,
        lower_limit: float | None = None,
        upper_limit: float | None = None,
    ) -> list[Alarm]:
        """Feed one value; returns the alarms it raises (usually none)."""
        self.samples += 1
        key = (machine_id, characteristic)
        stream = self._streams.get(key)
        if stream is None:
            stream = self._new_stream(machine_id, characteristic)
        stream.count += 1
        fired: list[tuple[str, float, str]] | None = None
        if (lower_limit is not None and value < lower_limit) or (upper_limit is not None and value > upper_limit):
            fired = [("SPEC", value, f"value outside the specification [{lower_limit}, {upper_limit}]")]
        if stream.center is None:
            self._learn(stream, value)
        else:
            statistical = self._check(stream, value)
            if statistical:
                fired = statistical if fired is None else fired + statistical
        if fired is None:
            return []
        return [self._alarm(stream, rule, value, stat, text, part_id, t) for rule, stat, text in fired]

    def observe(self, m: Measurement) -> list[Alarm]:
        """Feed a domain Measurement (its specification limits, if any, are checked too)."""
        return self.observe_values(
            m.machine_id or UNKNOWN_MACHINE, m.characteristic, m.value, m.part_id, m.timestamp,
            m.lower_limit, m.upper_limit,
        )

    def _learn(self, stream: _Stream, value: float) -> None:
        if stream.previous is not None:
            stream.moving_range_sum += abs(value - stream.previous)
        stream.previous = value
        stream.phase1_values.append(value)
        if len(stream.phase1_values) >= self._phase1:
            values = stream.phase1_values
            center = sum(values) / len(values)
            sigma = stream.moving_range_sum / (len(values) - 1) / _D2_SPAN2
            if sigma <= 0:  # a perfectly flat phase I: fall back to a tiny σ relative to the level
                sigma = max(abs(center) * 1e-9, 1e-12)
            stream.center, stream.sigma = center, sigma
            stream.phase1_values = []

    def _check(self, stream: _Stream, value: float) -> list[tuple[str, float, str]] | None:
        z = (value - stream.center) / stream.sigma  # type: ignore[operator]
        fired: list[tuple[str, float, str]] | None = None
        if self._shewhart and (z > self._shewhart or z < -self._shewhart):
            fired = [("SHEWHART", z, f"value beyond ±{self._shewhart:g}σ")]
        for rule in stream.tracker.update(z):
            fired = fired or []
            fired.append((rule.code, z, rule.description))
        if self._lam:
            e = stream.ewma = self._lam * z + (1 - self._lam) * stream.ewma
            if e > self._ewma_limit or e < -self._ewma_limit:
                fired = fired or []
                fired.append(("EWMA", e, f"EWMA beyond ±{self._ewma_limit:.3f}σ"))
        if self._h:
            high = stream.cusum_high = max(0.0, stream.cusum_high + z - self._k)
            low = stream.cusum_low = max(0.0, stream.cusum_low - z - self._k)
            if high > self._h:
                fired = fired or []
                fired.append(("CUSUM+", high, f"upper CUSUM beyond h = {self._h}"))
            if low > self._h:
                fired = fired or []
                fired.append(("CUSUM-", low, f"lower CUSUM beyond h = {self._h}"))
        if fired and self.config.reset_after_alarm:
            stream.tracker.reset()
            stream.ewma = stream.cusum_high = stream.cusum_low = 0.0
        return fired

    def _new_stream(self, machine_id: str, characteristic: str) -> _Stream:
        stream = _Stream(machine_id, characteristic, RuleTracker(self._rules))
        known = self._known.get((machine_id, characteristic))
        if known is not None:
            stream.center, stream.sigma = known.center, known.sigma
        self._streams[(machine_id, characteristic)] = stream
        return stream

    def _alarm(
        self, stream: _Stream, rule: str, value: float, statistic: float, text: str, part_id: str | None,
        t: datetime | float | None,
    ) -> Alarm:
        stream.alarms += 1
        policy = self.config.actions
        actions: list[Action] = []
        if rule == "SPEC":
            if part_id and policy.hold_part_out_of_spec:
                actions.append(HoldPart(part_id))
            if part_id and policy.rework_out_of_spec:
                operation = policy.rework_operations.get(stream.characteristic, f"rework-{stream.characteristic}")
                actions.append(ReworkRequest(part_id, stream.machine_id, operation))
        else:
            if part_id and policy.hold_part_on_signal:
                actions.append(HoldPart(part_id))
            if policy.flag_machine_on_signal:
                actions.append(FlagMachine(stream.machine_id))
        return Alarm(
            machine_id=stream.machine_id, characteristic=stream.characteristic, part_id=part_id, rule=rule,
            value=value, timestamp=t, statistic=statistic, description=text, actions=tuple(actions),
        )

    # -- state ----------------------------------------------------------------------------------------------
    def limits(self, machine_id: str, characteristic: str) -> tuple[float, float] | None:
        """(centre, σ) of a stream once phase I is over (or given), else None."""
        stream = self._streams.get((machine_id, characteristic))
        if stream is None or stream.center is None or stream.sigma is None:
            return None
        return stream.center, stream.sigma

    def snapshot(self) -> MonitorState:
        """The full state, to persist or hand over; `restore` continues bit-for-bit."""
        return MonitorState(
            config=self.config,
            samples=self.samples,
            streams=[
                StreamState(
                    machine_id=s.machine_id, characteristic=s.characteristic, count=s.count,
                    phase1_values=list(s.phase1_values), previous=s.previous, moving_range_sum=s.moving_range_sum,
                    center=s.center, sigma=s.sigma, ewma=s.ewma, cusum_high=s.cusum_high, cusum_low=s.cusum_low,
                    recent=s.tracker.history(), alarms=s.alarms,
                )
                for s in self._streams.values()
            ],
        )

    @classmethod
    def restore(cls, state: MonitorState) -> "StreamMonitor":
        """A monitor that continues from a snapshot."""
        monitor = cls(state.config)
        monitor.samples = state.samples
        for saved in state.streams:
            stream = _Stream(saved.machine_id, saved.characteristic, RuleTracker(monitor._rules))
            stream.count = saved.count
            stream.phase1_values = list(saved.phase1_values)
            stream.previous = saved.previous
            stream.moving_range_sum = saved.moving_range_sum
            stream.center, stream.sigma = saved.center, saved.sigma
            stream.ewma, stream.cusum_high, stream.cusum_low = saved.ewma, saved.cusum_high, saved.cusum_low
            stream.tracker.replay(saved.recent)
            stream.alarms = saved.alarms
            monitor._streams[(saved.machine_id, saved.characteristic)] = stream
        return monitor
