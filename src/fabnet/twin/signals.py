"""Seeded machine-signal simulator: per-machine signals and per-part measurements, with injectable faults.

Every machine has a latent process state; its signals (laser power, spindle load, temperature, vibration, ...
chosen by the machine's skills) and the measured quality characteristics of each part it makes are drawn
around their nominal values. Faults move the process state from a known part on, in units of each
quantity's in-control standard deviation σ:

- `shift`:    the mean moves by `magnitude` σ from `start_part` on;
- `drift`:    the mean moves linearly, `magnitude` σ per 100 parts, from `start_part` on;
- `variance`: σ is multiplied by `magnitude` from `start_part` on;
- `spike`:    part `start_part` gets an outlier of +`magnitude` σ, and every later part one with probability
              `spike_rate`.

The simulator is pure: the time origin and the seed are passed in; it only computes.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, get_args

import numpy as np

from fabnet.domain.design import Design
from fabnet.domain.machine import Machine
from fabnet.domain.part import Measurement
from fabnet.domain.skills import skill_definition

FaultKind = Literal["shift", "drift", "variance", "spike"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
DEFAULT_MAGNITUDE: dict[str, float] = {"shift": 2.0, "drift": 3.0, "variance": 2.0, "spike": 6.0}
"""The magnitude a fault spec gets when it names none (σ, σ per 100 parts, σ factor, σ)."""
DRIFT_PARTS = 100
"""A drift of magnitude m moves the mean m σ over this many parts."""


@dataclass(frozen=True)
class Fault:
    """A process fault on one machine that starts at a known part (0-based part index)."""

    machine_id: str
    kind: FaultKind
    start_part: int
    magnitude: float
    spike_rate: float = 0.05

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind {self.kind!r} is not one of {', '.join(FAULT_KINDS)}")
        if self.start_part < 0:
            raise ValueError(f"fault start_part {self.start_part} must be >= 0")
        if self.kind == "variance" and self.magnitude <= 0:
            raise ValueError(f"variance fault magnitude {self.magnitude} must be > 0 (a factor on σ)")
        if not 0.0 <= self.spike_rate <= 1.0:
            raise ValueError(f"fault spike_rate {self.spike_rate} must be within [0, 1]")

    def active(self, part: int) -> bool:
        return part >= self.start_part


def parse_fault(spec: str, machine_ids: Iterable[str] | None = None) -> Fault:
    """Parse `machine:kind:start[:magnitude]`; ValueError naming the bad piece (e.g. an unknown machine)."""
    # machine ids may contain ':'; kind, start and magnitude never do, so read from the right
    pieces = spec.split(":")
    magnitude_text: str | None = None
    if len(pieces) >= 4 and pieces[-3] in FAULT_KINDS:
        machine_id, kind, start_text, magnitude_text = ":".join(pieces[:-3]), pieces[-3], pieces[-2], pieces[-1]
    elif len(pieces) >= 3:
        machine_id, kind, start_text = ":".join(pieces[:-2]), pieces[-2], pieces[-1]
    else:
        raise ValueError(f"fault {spec!r}: expected machine:kind:start[:magnitude]")
    if kind not in FAULT_KINDS:
        raise ValueError(f"fault {spec!r}: unknown kind {kind!r}; use one of {', '.join(FAULT_KINDS)}")
    try:
        start = int(start_text)
    except ValueError:
        raise ValueError(f"fault {spec!r}: start part {start_text!r} is not an integer") from None
    try:
        magnitude = float(magnitude_text) if magnitude_text is not None else DEFAULT_MAGNITUDE[kind]
    except ValueError:
        raise ValueError(f"fault {spec!r}: magnitude {magnitude_text!r} is not a number") from None
    if machine_ids is not None:
        known = set(machine_ids)
        if machine_id not in known:
            raise ValueError(f"fault {spec!r}: unknown machine {machine_id!r}; known: {', '.join(sorted(known))}")
    return Fault(machine_id=machine_id, kind=kind, start_part=start, magnitude=magnitude)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SignalSpec:
    """A machine signal: its in-control mean and standard deviation."""

    name: str
    unit: str
    mean: float
    sigma: float


@dataclass(frozen=True)
class CharacteristicSpec:
    """A measured quality characteristic with its specification limits and in-control σ."""

    name: str
    nominal: float
    lower: float
    upper: float
    sigma: float
    unit: str = "mm"


@dataclass(frozen=True)
class MachineProfile:
    """What one machine emits: its signals, the characteristics of its parts, its cycle time."""

    machine_id: str
    company_id: str
    signals: tuple[SignalSpec, ...]
    characteristics: tuple[CharacteristicSpec, ...]
    cycle_seconds: float = 60.0
    correlation: float = 0.6
    """Correlation of the signals through the shared process state (for multivariate monitoring)."""


_SIGNALS_BY_PROCESS: dict[str, tuple[SignalSpec, ...]] = {
    "cut": (SignalSpec("laser_power", "kW", 4.0, 0.04),),
    "bend": (SignalSpec("press_force", "t", 80.0, 1.2),),
    "weld": (SignalSpec("weld_current", "A", 180.0, 3.0), SignalSpec("weld_voltage", "V", 24.0, 0.3)),
    "mill": (SignalSpec("spindle_load", "%", 45.0, 2.0),),
    "turn": (SignalSpec("spindle_load", "%", 40.0, 2.0),),
    "print": (SignalSpec("deposition_rate", "kg/h", 2.0, 0.05),),
    "coat": (SignalSpec("oven_temperature", "degC", 190.0, 1.5),),
    "assemble": (SignalSpec("screw_torque", "N.m", 12.0, 0.3),),
    "inspect": (SignalSpec("probe_temperature", "degC", 20.0, 0.1),),
}
_COMMON_SIGNALS = (SignalSpec("temperature", "degC", 35.0, 0.8), SignalSpec("vibration", "mm/s", 2.5, 0.2))
_CHARACTERISTIC_BY_PROCESS: dict[str, tuple[str, float, str]] = {
    "cut": ("hole_diameter", 10.0, "mm"),
    "bend": ("bend_angle", 90.0, "deg"),
    "weld": ("weld_throat", 4.0, "mm"),
    "mill": ("pocket_depth", 25.0, "mm"),
    "turn": ("shaft_diameter", 20.0, "mm"),
    "print": ("wall_thickness", 3.0, "mm"),
    "coat": ("coating_thickness", 0.08, "mm"),
    "assemble": ("assembly_gap", 1.0, "mm"),
    "inspect": ("flatness", 0.05, "mm"),
}
CAPABILITY_CP = 4 / 3
"""In control, each characteristic runs at Cp = 1.33: σ = tolerance half-width / 4."""


def profile_for(machine: Machine, design: Design | None = None, cycle_seconds: float = 60.0) -> MachineProfile:
    """The signals and characteristics of a machine, chosen by its skills (or by a design's tolerances)."""
    processes = [skill_definition(s.skill).process for s in machine.skills]
    signals: list[SignalSpec] = []
    for process in dict.fromkeys(processes):
        for spec in _SIGNALS_BY_PROCESS.get(process, ()):
            if spec.name == "laser_power":
                power = machine.skills[processes.index(process)].parameters.get("power_kw")
                spec = SignalSpec(spec.name, spec.unit, power, power * 0.01) if power else spec
            if all(s.name != spec.name for s in signals):
                signals.append(spec)
    signals.extend(_COMMON_SIGNALS)
    if design is not None and design.tolerances:
        characteristics = tuple(
            CharacteristicSpec(t.characteristic, t.nominal_mm, t.lower_mm, t.upper_mm, t.half_width_mm / 4)
            for t in design.tolerances
        )
    else:
        first = machine.skills[0]
        name, nominal, unit = _CHARACTERISTIC_BY_PROCESS.get(processes[0], ("dimension", 10.0, "mm"))
        half = 2 * (first.tolerance_mm or skill_definition(first.skill).capability_tolerance_mm)
        if unit == "deg":
            half = 1.0
        characteristics = (CharacteristicSpec(name, nominal, nominal - half, nominal + half, half / 4, unit),)
    return MachineProfile(machine.id, machine.company_id, tuple(signals), characteristics, cycle_seconds)


@dataclass(frozen=True, slots=True)
class Sample:
    """One signal sample or one measured characteristic, light enough to stream fast."""

    machine_id: str
    company_id: str
    name: str
    value: float
    unit: str
    part_id: str
    part_index: int
    timestamp: datetime
    lower_limit: float | None = None
    upper_limit: float | None = None

    def as_measurement(self) -> Measurement:
        return Measurement(
            characteristic=self.name, value=self.value, unit=self.unit, timestamp=self.timestamp,
            part_id=self.part_id, machine_id=self.machine_id,
            lower_limit=self.lower_limit, upper_limit=self.upper_limit,
        )


@dataclass(frozen=True)
class PartRecord:
    """One part made on a machine: the signal samples taken while making it and its measurements."""

    machine_id: str
    part_id: str
    part_index: int
    start: datetime
    end: datetime
    signals: tuple[Sample, ...]
    characteristics: tuple[Sample, ...]
    disturbed: bool
    """True when an active fault moved this part's process state (the ground truth for detection)."""

    @property
    def measurements(self) -> tuple[Measurement, ...]:
        return tuple(s.as_measurement() for s in self.characteristics)

    @property
    def samples(self) -> tuple[Sample, ...]:
        return self.signals + self.characteristics


@dataclass
class _MachineState:
    profile: MachineProfile
    faults: tuple[Fault, ...]
    rng: np.random.Generator
    next_part: int = 0
    offsets: list[float] = field(default_factory=list)


class SignalSimulator:
    """Seeded signals and measurements for a set of machines; the same seed gives the same stream."""

    def __init__(
        self,
        profiles: Sequence[MachineProfile],
        faults: Sequence[Fault] = (),
        *,
        seed: int = 0,
        origin: datetime,
        samples_per_part: int = 1,
        part_prefix: str = "part",
    ) -> None:
        if origin.tzinfo is None:
            raise ValueError("origin must be timezone-aware")
        if samples_per_part < 1:
            raise ValueError(f"samples_per_part {samples_per_part} must be >= 1")
        ids = [p.machine_id for p in profiles]
        if len(set(ids)) != len(ids):
            raise ValueError("profiles: duplicate machine id")
        for fault in faults:
            if fault.machine_id not in ids:
                raise ValueError(f"fault on unknown machine {fault.machine_id!r}; known: {', '.join(sorted(ids))}")
        self.origin = origin
        self.samples_per_part = samples_per_part
        self.part_prefix = part_prefix
        self._states = {
            p.machine_id: _MachineState(
                profile=p,
                faults=tuple(f for f in faults if f.machine_id == p.machine_id),
                # a machine's stream depends only on (seed, machine id), not on which other machines exist
                rng=np.random.default_rng([seed, zlib.crc32(p.machine_id.encode())]),
            )
            for p in profiles
        }

    @classmethod
    def for_machines(
        cls, machines: Sequence[Machine], faults: Sequence[Fault] = (), *, seed: int = 0, origin: datetime,
        samples_per_part: int = 1, cycle_seconds: float = 60.0,
    ) -> SignalSimulator:
        profiles = [profile_for(m, cycle_seconds=cycle_seconds) for m in machines]
        return cls(profiles, faults, seed=seed, origin=origin, samples_per_part=samples_per_part)

    @property
    def profiles(self) -> dict[str, MachineProfile]:
        return {machine_id: state.profile for machine_id, state in self._states.items()}

    def process_state(self, machine_id: str, part: int) -> tuple[float, float, bool]:
        """(mean offset in σ, σ factor, disturbed) for a part, spikes excluded (they are random)."""
        offset, scale, disturbed = 0.0, 1.0, False
        for fault in self._states[machine_id].faults:
            if not fault.active(part):
                continue
            if fault.kind == "shift":
                offset += fault.magnitude
            elif fault.kind == "drift":
                offset += fault.magnitude * (part - fault.start_part + 1) / DRIFT_PARTS
            elif fault.kind == "variance":
                scale *= fault.magnitude
            disturbed = disturbed or fault.kind != "spike"
        return offset, scale, disturbed

    def next_part(self, machine_id: str) -> PartRecord:
        """Make the next part on a machine."""
        state = self._states[machine_id]
        profile = state.profile
        part = state.next_part
        state.next_part += 1
        offset, scale, disturbed = self.process_state(machine_id, part)
        spp = self.samples_per_part
        n_signals, n_chars = len(profile.signals), len(profile.characteristics)
        draws = state.rng.standard_normal(spp * (n_signals + 1) + n_chars)
        spike_draw = state.rng.random()
        for fault in state.faults:
            if fault.kind == "spike" and (part == fault.start_part or (part > fault.start_part and
                                                                         spike_draw < fault.spike_rate)):
                offset += fault.magnitude
                disturbed = True
        start = self.origin + timedelta(seconds=part * profile.cycle_seconds)
        end = start + timedelta(seconds=profile.cycle_seconds)
        part_id = f"{self.part_prefix}-{machine_id}-{part:06d}"
        rho = profile.correlation
        own = (1.0 - rho * rho) ** 0.5
        signals: list[Sample] = []
        step = profile.cycle_seconds / spp
        for j in range(spp):
            common = draws[j * (n_signals + 1)]
            at = start + timedelta(seconds=(j + 0.5) * step)
            for i, spec in enumerate(profile.signals):
                z = rho * common + own * draws[j * (n_signals + 1) + 1 + i]
                value = spec.mean + spec.sigma * (offset + scale * z)
                signals.append(Sample(machine_id, profile.company_id, spec.name, float(value), spec.unit,
                                      part_id, part, at))
        base = spp * (n_signals + 1)
        characteristics = tuple(
            Sample(machine_id, profile.company_id, spec.name,
                   float(spec.nominal + spec.sigma * (offset + scale * draws[base + k])), spec.unit,
                   part_id, part, end, spec.lower, spec.upper)
            for k, spec in enumerate(profile.characteristics)
        )
        return PartRecord(machine_id, part_id, part, start, end, tuple(signals), characteristics, disturbed)

    def parts(self, machine_id: str, count: int) -> Iterator[PartRecord]:
        """The next `count` parts of one machine."""
        if machine_id not in self._states:
            raise ValueError(f"unknown machine {machine_id!r}; known: {', '.join(sorted(self._states))}")
        for _ in range(count):
            yield self.next_part(machine_id)

    def stream(self, parts_per_machine: int) -> Iterator[PartRecord]:
        """Parts of all machines interleaved in time order (ties broken by machine id)."""
        streams = [self.parts(machine_id, parts_per_machine) for machine_id in sorted(self._states)]
        yield from heapq.merge(*streams, key=lambda record: record.end)

    def measurements(self, machine_id: str, count: int) -> list[Measurement]:
        """The measured characteristics of the next `count` parts of a machine, as domain Measurements."""
        return [m for record in self.parts(machine_id, count) for m in record.measurements]

    def characteristic_values(self, machine_id: str, characteristic: str, count: int) -> np.ndarray:
        """Just the values of one characteristic over the next `count` parts (fast path for run-length studies)."""
        names = [c.name for c in self._states[machine_id].profile.characteristics] if machine_id in self._states else []
        if characteristic not in names:
            raise ValueError(f"machine {machine_id!r} has no characteristic {characteristic!r}; it has {names}")
        index = names.index(characteristic)
        return np.array([record.characteristics[index].value for record in self.parts(machine_id, count)])
