"""Twin input besides the schedule: per-machine uncertainty, energy and material (all off by default)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fabnet.domain.machine import Machine


class MachineSettings(BaseModel):
    """How one machine deviates from the plan, what it draws and what it consumes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    processing_cv: float = Field(
        default=0.0, ge=0, description="coefficient of variation of processing time (lognormal, mean = planned)"
    )
    mtbf_minutes: float | None = Field(default=None, gt=0, description="mean processing minutes between failures")
    mttr_minutes: float = Field(default=0.0, ge=0, description="mean minutes to repair (exponential)")
    scrap_probability: float = Field(default=0.0, ge=0, le=1, description="per operation, in a fresh process state")
    rework_probability: float = Field(default=0.0, ge=0, le=1, description="per operation, in a fresh process state")
    rework_fraction: float = Field(default=0.5, ge=0, description="a rework pass takes this share of the duration")
    drift_per_operation: float = Field(
        default=0.0, ge=0,
        description="the process state grows by this per operation and multiplies scrap/rework odds by (1 + state); "
                    "a changeover or a repair resets it",
    )
    operator_availability: tuple[float, ...] = Field(
        default=(1.0,), min_length=1,
        description="probability that an operator staffs the machine in a shift, cycling over consecutive shifts",
    )
    power_kw: float = Field(default=0.0, ge=0, description="electric power while processing")
    idle_power_kw: float = Field(default=0.0, ge=0, description="electric power while available but not processing")
    material_kg_per_operation: float = Field(default=0.0, ge=0)

    def model_post_init(self, context: object) -> None:
        for p in self.operator_availability:
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"operator_availability {p} must be within [0, 1]")
        if self.scrap_probability + self.rework_probability > 1.0:
            raise ValueError("scrap_probability + rework_probability must not exceed 1")

    @property
    def variable(self) -> bool:
        return bool(
            self.processing_cv or self.mtbf_minutes or self.scrap_probability or self.rework_probability
            or any(p < 1.0 for p in self.operator_availability)
        )


class TwinSettings(BaseModel):
    """Settings for every machine (a default plus overrides by machine id) and how the floor follows the plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: MachineSettings = MachineSettings()
    machines: dict[str, MachineSettings] = Field(default_factory=dict)
    shift_minutes: int = Field(default=480, gt=0, description="length of an operator shift")
    start_policy: Literal["planned", "asap"] = Field(
        default="planned",
        description="planned: an operation never starts before its planned start (the floor follows the plan's "
                    "times and slips right); asap: it starts as soon as machine, predecessors and release allow",
    )
    max_attempts: int = Field(default=5, ge=1, description="scrap or rework at most this many times per operation")

    def for_machine(self, machine_id: str) -> MachineSettings:
        return self.machines.get(machine_id, self.default)

    @classmethod
    def from_machines(
        cls, machines: Iterable[Machine], base: MachineSettings | None = None, **kwargs: object
    ) -> TwinSettings:
        """Per-machine settings that take power and idle power from the domain machines."""
        base = base or MachineSettings()
        overrides = {m.id: _changed(base, power_kw=m.power_kw, idle_power_kw=m.idle_power_kw) for m in machines}
        return cls(default=base, machines=overrides, **kwargs)  # type: ignore[arg-type]

    def with_variability(self, **changes: object) -> TwinSettings:
        """The same settings with the given MachineSettings fields changed on every machine."""
        return self.model_copy(update={
            "default": _changed(self.default, **changes),
            "machines": {k: _changed(v, **changes) for k, v in self.machines.items()},
        })


def _changed(settings: MachineSettings, **changes: object) -> MachineSettings:
    """A validated copy (model_copy would skip validation)."""
    return MachineSettings.model_validate({**settings.model_dump(), **changes})
