"""Network KPIs from figures given to it: members, orders, changeover hours saved, defects, energy, netting.

Pure arithmetic over `KpiInputs`; the changeover comparison per company is computed by `compare_changeovers`
(the company's schedule against FCFS dispatch of the same problem, `fabnet.network.fcfs`).
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fabnet.network.fcfs import fcfs
from fabnet.network.programme import BASELINE, ProgrammeBaseline
from fabnet.planning.problem import Problem, Solution


class ChangeoverComparison(BaseModel):
    """Changeover minutes of one company's schedule and of FCFS dispatch of the same problem."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    company_id: str
    operations: int = Field(ge=0)
    scheduled_minutes: int = Field(ge=0)
    fcfs_minutes: int = Field(ge=0)
    scheduled_weighted_tardiness: int = Field(default=0, ge=0)
    fcfs_weighted_tardiness: int = Field(default=0, ge=0)

    @property
    def saved_minutes(self) -> int:
        return self.fcfs_minutes - self.scheduled_minutes


def compare_changeovers(company_id: str, problem: Problem, schedule: Solution) -> ChangeoverComparison:
    """The schedule's changeovers against FCFS dispatch of the same problem."""
    if schedule.total_setup is None:
        raise ValueError(f"schedule of {company_id!r} has no total_setup (status {schedule.status})")
    baseline = fcfs(problem)
    return ChangeoverComparison(
        company_id=company_id, operations=len(schedule.operations),
        scheduled_minutes=schedule.total_setup, fcfs_minutes=baseline.total_setup or 0,
        scheduled_weighted_tardiness=schedule.total_weighted_tardiness or 0,
        fcfs_weighted_tardiness=baseline.total_weighted_tardiness or 0,
    )


class KpiInputs(BaseModel):
    """What the hub collected over a period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str = Field(min_length=1, description="e.g. 2026-W49 or 2026-12")
    active_members: int = Field(ge=0)
    orders_handled: int = Field(ge=0)
    orders_allocated: int = Field(default=0, ge=0, description="orders of which some work went to partners")
    changeovers: tuple[ChangeoverComparison, ...] = ()
    parts_made: int = Field(default=0, ge=0)
    defects_stopped: int = Field(default=0, ge=0, description="parts held before a defect went on")
    defects_escaped: int = Field(default=0, ge=0)
    energy_kwh: float = Field(default=0.0, ge=0)
    material_kg: float = Field(default=0.0, ge=0)
    scrap_kg: float = Field(default=0.0, ge=0)
    invoices: int = Field(default=0, ge=0)
    payments_after_netting: int = Field(default=0, ge=0)
    invoiced_eur: Decimal = Field(default=Decimal(0), ge=0)
    settled_after_netting_eur: Decimal = Field(default=Decimal(0), ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> "KpiInputs":
        if self.orders_allocated > self.orders_handled:
            raise ValueError(f"orders_allocated {self.orders_allocated} exceeds orders_handled {self.orders_handled}")
        if self.payments_after_netting > self.invoices:
            raise ValueError(f"payments_after_netting {self.payments_after_netting} exceeds invoices {self.invoices}")
        if self.settled_after_netting_eur > self.invoiced_eur:
            raise ValueError("settled_after_netting_eur exceeds invoiced_eur: netting never adds money")
        if self.scrap_kg > self.material_kg:
            raise ValueError(f"scrap_kg {self.scrap_kg} exceeds material_kg {self.material_kg}")
        return self


class NetworkKpis(BaseModel):
    format: str = "fabnet.kpis/1"
    period: str
    active_members: int
    members_target: int
    progress_to_target_percent: float = Field(description="from the programme's 600 companies towards 6,000")
    orders_handled: int
    orders_allocated: int
    changeover_hours_fcfs: float
    changeover_hours_scheduled: float
    changeover_hours_saved: float
    changeover_saving_percent: float
    changeovers_by_company: tuple[ChangeoverComparison, ...]
    parts_made: int
    defects_stopped: int
    defects_escaped: int
    defect_containment_percent: float = Field(description="share of defects stopped before they went on")
    energy_kwh_per_part: float | None
    material_kg_per_part: float | None
    scrap_percent: float
    payments_saved_by_netting: int
    payments_saved_percent: float
    money_movement_saved_eur: Decimal
    money_movement_saved_percent: float


def _percent(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 3) if whole else 0.0


def compute_kpis(inputs: KpiInputs, baseline: ProgrammeBaseline = BASELINE) -> NetworkKpis:
    """The KPI set of a period."""
    fcfs_minutes = sum(c.fcfs_minutes for c in inputs.changeovers)
    scheduled_minutes = sum(c.scheduled_minutes for c in inputs.changeovers)
    span = baseline.companies_target - baseline.companies_participating
    parts = inputs.parts_made
    defects = inputs.defects_stopped + inputs.defects_escaped
    return NetworkKpis(
        period=inputs.period,
        active_members=inputs.active_members,
        members_target=baseline.companies_target,
        progress_to_target_percent=max(0.0, _percent(inputs.active_members - baseline.companies_participating, span)),
        orders_handled=inputs.orders_handled,
        orders_allocated=inputs.orders_allocated,
        changeover_hours_fcfs=round(fcfs_minutes / 60, 3),
        changeover_hours_scheduled=round(scheduled_minutes / 60, 3),
        changeover_hours_saved=round((fcfs_minutes - scheduled_minutes) / 60, 3),
        changeover_saving_percent=_percent(fcfs_minutes - scheduled_minutes, fcfs_minutes),
        changeovers_by_company=inputs.changeovers,
        parts_made=parts,
        defects_stopped=inputs.defects_stopped,
        defects_escaped=inputs.defects_escaped,
        defect_containment_percent=_percent(inputs.defects_stopped, defects),
        energy_kwh_per_part=round(inputs.energy_kwh / parts, 6) if parts else None,
        material_kg_per_part=round(inputs.material_kg / parts, 6) if parts else None,
        scrap_percent=_percent(inputs.scrap_kg, inputs.material_kg),
        payments_saved_by_netting=inputs.invoices - inputs.payments_after_netting,
        payments_saved_percent=_percent(inputs.invoices - inputs.payments_after_netting, inputs.invoices),
        money_movement_saved_eur=inputs.invoiced_eur - inputs.settled_after_netting_eur,
        money_movement_saved_percent=_percent(float(inputs.invoiced_eur - inputs.settled_after_netting_eur),
                                              float(inputs.invoiced_eur)),
    )
