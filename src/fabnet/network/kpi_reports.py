"""What a node reports to its hub about a period (changeovers against FCFS, defects stopped, energy and material
per part, netting), how the hub picks and adds up members' reports, and the hub's KPIs of flows plus reports.

A member's figures are its own: its schedule, its parts, its alarms, the invoices it has to pay (each invoice has one
buyer, so members' netting figures add up without counting an invoice twice). Of a member's reports, the newest
(`generated_at`) counts; an older report whose period overlaps it is left out, so a re-sent report replaces and a
month never adds to the weeks inside it. A figure no member reported is None ("not reported"), never a 0.

A total of one or two members is their own figure in all but name (a member subtracting its own figure has the
other's): `withhold_small_counts` takes out, for everyone but the hub's operator, each figure fewer than
`MIN_MEMBERS` members add up to ("withheld"), as statistics offices suppress small cells.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from fabnet.domain.base import Identifier
from fabnet.network.flows import MemberId, period_bounds
from fabnet.network.kpis import ChangeoverComparison, KpiInputs, NetworkKpis, compute_kpis
from fabnet.network.programme import BASELINE, ProgrammeBaseline

Money = Decimal


class _Figures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DefectFigures(_Figures):
    """Parts stopped before they went on, and the alarms that stopped them."""

    parts_held: int = Field(ge=0, description="parts on hold for inspection")
    parts_rejected: int = Field(ge=0, description="parts scrapped or sent to rework")
    alarms_raised: int = Field(ge=0, description="alarms of the live quality monitor")
    defects_escaped: int | None = Field(default=None, ge=0,
                                        description="defective parts that went on (complaints); None: not known")

    @property
    def stopped(self) -> int:
        return self.parts_held + self.parts_rejected


class ResourceFigures(_Figures):
    """Energy and material of `parts` parts: the parts made (route energy, design mass) or the twin's forecast."""

    source: Literal["parts", "forecast"]
    parts: int = Field(ge=1, description="the parts the energy and material are for")
    energy_kwh: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    material_kg: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.energy_kwh is None and self.material_kg is None:
            raise ValueError("resources: give energy_kwh or material_kg (or leave resources out)")
        return self


class NettingFigures(_Figures):
    """The member as payer: the invoices it received, and what it pays after multilateral netting (its net
    position of each netting period, in one transfer to the clearing account when it owes on balance)."""

    invoices: int = Field(ge=0, description="invoices received, each one payment without netting")
    invoiced_eur: Money = Field(ge=0, max_digits=16, decimal_places=2)
    payments_after_netting: int = Field(ge=0)
    settled_after_netting_eur: Money = Field(ge=0, max_digits=16, decimal_places=2)

    @model_validator(mode="after")
    def _netting_saves(self) -> Self:
        if self.payments_after_netting > self.invoices:
            raise ValueError(f"netting: payments_after_netting {self.payments_after_netting} exceeds invoices "
                             f"{self.invoices}")
        if self.settled_after_netting_eur > self.invoiced_eur:
            raise ValueError("netting: settled_after_netting_eur exceeds invoiced_eur: netting never adds money")
        return self


class KpiReport(_Figures):
    """One member's figures of one period, as its node computed them from its own database."""

    format: Literal["fabnet.kpi-report/1"] = "fabnet.kpi-report/1"
    member_id: MemberId
    company_id: Identifier
    period: str = Field(description="a year (2026), month (2026-11) or ISO week (2026-W48)")
    generated_at: AwareDatetime
    orders_completed: int = Field(ge=0, description="orders completed or invoiced, due in the period")
    parts_made: int = Field(ge=0, description="parts finished in the period")
    changeover: ChangeoverComparison | None = Field(
        default=None, description="the current schedule's changeover minutes against FCFS of the same problem")
    defects: DefectFigures | None = None
    resources: ResourceFigures | None = None
    netting: NettingFigures | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        period_bounds(value)  # ValueError names the accepted forms
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.defects is not None and self.defects.stopped > self.parts_made:
            raise ValueError(f"defects: {self.defects.stopped} parts held or rejected, but only {self.parts_made} "
                             f"parts_made")
        if self.resources is not None and self.resources.source == "parts" and self.resources.parts > self.parts_made:
            raise ValueError(f"resources.parts: {self.resources.parts} parts measured, but only {self.parts_made} "
                             f"parts_made")
        if self.changeover is not None and self.changeover.company_id != self.company_id:
            raise ValueError(f"changeover.company_id: {self.changeover.company_id!r} is not the report's company "
                             f"{self.company_id!r}")
        return self

    @property
    def bounds(self) -> tuple[date, date]:
        return period_bounds(self.period)


def select_reports(reports: Iterable[KpiReport], period: str | None = None) -> list[KpiReport]:
    """The reports that count for `period` (all periods if None): those inside it, per member the newest first and
    then any older one that overlaps none taken. A later report in `reports` wins a tie of `generated_at`."""
    first, last = period_bounds(period) if period is not None else (date.min, date.max)
    by_member: dict[str, list[tuple[int, KpiReport]]] = {}
    for index, report in enumerate(reports):
        start, end = report.bounds
        if first <= start and end <= last:
            by_member.setdefault(report.member_id, []).append((index, report))
    chosen: list[KpiReport] = []
    for member in sorted(by_member):
        taken: list[tuple[date, date]] = []
        for _, report in sorted(by_member[member], key=lambda pair: (pair[1].generated_at, pair[0]), reverse=True):
            start, end = report.bounds
            if all(end < a or b < start for a, b in taken):
                taken.append((start, end))
                chosen.append(report)
    return chosen


class ReportTotals(BaseModel):
    """Members' reports added up, with how many members gave each figure."""

    model_config = ConfigDict(frozen=True)

    members_reporting: int = 0
    orders_completed: int = 0
    parts_made: int = 0
    changeovers: tuple[ChangeoverComparison, ...] = ()
    changeover_members: int = 0
    defect_members: int = 0
    parts_held: int = 0
    parts_rejected: int = 0
    alarms_raised: int = 0
    escaped_members: int = 0
    defects_escaped: int = 0
    energy_members: int = 0
    energy_kwh: float = 0.0
    energy_parts: int = 0
    material_members: int = 0
    material_kg: float = 0.0
    material_parts: int = 0
    netting_members: int = 0
    invoices: int = 0
    payments_after_netting: int = 0
    invoiced_eur: Decimal = Decimal("0.00")
    settled_after_netting_eur: Decimal = Decimal("0.00")


def add_up(reports: Iterable[KpiReport]) -> ReportTotals:
    """Totals of already selected reports (`select_reports`)."""
    reports = list(reports)

    def members(having: Iterable[KpiReport]) -> int:
        return len({r.member_id for r in having})

    defects = [r for r in reports if r.defects is not None]
    escaped = [r for r in defects if r.defects is not None and r.defects.defects_escaped is not None]
    energy = [r for r in reports if r.resources is not None and r.resources.energy_kwh is not None]
    material = [r for r in reports if r.resources is not None and r.resources.material_kg is not None]
    netting = [r.netting for r in reports if r.netting is not None]
    return ReportTotals(
        members_reporting=members(reports),
        orders_completed=sum(r.orders_completed for r in reports),
        parts_made=sum(r.parts_made for r in reports),
        changeovers=tuple(r.changeover for r in reports if r.changeover is not None),
        changeover_members=members(r for r in reports if r.changeover is not None),
        defect_members=members(defects),
        parts_held=sum(r.defects.parts_held for r in defects if r.defects),
        parts_rejected=sum(r.defects.parts_rejected for r in defects if r.defects),
        alarms_raised=sum(r.defects.alarms_raised for r in defects if r.defects),
        escaped_members=members(escaped),
        defects_escaped=sum(r.defects.defects_escaped or 0 for r in escaped if r.defects),
        energy_members=members(energy),
        energy_kwh=sum(r.resources.energy_kwh or 0.0 for r in energy if r.resources),
        energy_parts=sum(r.resources.parts for r in energy if r.resources),
        material_members=members(material),
        material_kg=sum(r.resources.material_kg or 0.0 for r in material if r.resources),
        material_parts=sum(r.resources.parts for r in material if r.resources),
        netting_members=members(r for r in reports if r.netting is not None),
        invoices=sum(n.invoices for n in netting),
        payments_after_netting=sum(n.payments_after_netting for n in netting),
        invoiced_eur=sum((n.invoiced_eur for n in netting), Decimal("0.00")),
        settled_after_netting_eur=sum((n.settled_after_netting_eur for n in netting), Decimal("0.00")),
    )


MIN_MEMBERS = 3
"""The fewest members a figure may add up before it is shown to anyone but the operator."""


class FigureCoverage(BaseModel):
    """Where a figure comes from: the hub's own flow records, members' reports (how many), or nowhere yet; or that
    it is withheld because too few members add up to it (`members_reporting` still says how many)."""

    model_config = ConfigDict(frozen=True)

    source: Literal["flows", "reports", "not reported", "withheld"]
    members_reporting: int = Field(ge=0)


def _covered(members: int, fallback: Literal["flows", "not reported"] = "not reported") -> FigureCoverage:
    return FigureCoverage(source="reports" if members else fallback, members_reporting=members)


class KpiCoverage(BaseModel):
    model_config = ConfigDict(frozen=True)

    orders_completed: FigureCoverage
    parts_made: FigureCoverage
    changeover: FigureCoverage
    defects: FigureCoverage
    defects_escaped: FigureCoverage
    energy: FigureCoverage
    material: FigureCoverage
    netting: FigureCoverage


class HubKpis(NetworkKpis):
    """The hub's KPIs: members, orders and (without reports) netting from the reported flows; changeovers, defects,
    energy and material from members' reports, None where no member reported them."""

    format: str = "fabnet.hub-kpis/1"
    members_starting_point: int = Field(description="the programme's companies taking part at its start (600)")
    members_reporting: int = Field(description="members whose reports count for the period")
    orders_completed: int | None
    parts_made: int | None  # type: ignore[assignment]
    changeover_hours_fcfs: float | None  # type: ignore[assignment]
    changeover_hours_scheduled: float | None  # type: ignore[assignment]
    changeover_hours_saved: float | None  # type: ignore[assignment]
    changeover_saving_percent: float | None  # type: ignore[assignment]
    defects_stopped: int | None  # type: ignore[assignment]
    defects_escaped: int | None  # type: ignore[assignment]
    defect_containment_percent: float | None  # type: ignore[assignment]
    parts_held: int | None
    parts_rejected: int | None
    alarms_raised: int | None
    scrap_percent: float | None  # type: ignore[assignment]
    payments_saved_by_netting: int | None  # type: ignore[assignment]
    payments_saved_percent: float | None  # type: ignore[assignment]
    money_movement_saved_eur: Decimal | None  # type: ignore[assignment]
    money_movement_saved_percent: float | None  # type: ignore[assignment]
    coverage: KpiCoverage


def hub_kpis(flow_inputs: KpiInputs, totals: ReportTotals, baseline: ProgrammeBaseline = BASELINE) -> HubKpis:
    """The KPIs of a period from the hub's flow figures and members' report totals."""
    reported_netting = totals.netting_members > 0
    netting = ({"invoices": totals.invoices, "payments_after_netting": totals.payments_after_netting,
                "invoiced_eur": totals.invoiced_eur, "settled_after_netting_eur": totals.settled_after_netting_eur}
               if reported_netting else {})
    inputs = KpiInputs.model_validate({
        **flow_inputs.model_dump(), **netting,
        "changeovers": totals.changeovers,
        "parts_made": totals.parts_made if totals.members_reporting else flow_inputs.parts_made,
        "defects_stopped": totals.parts_held + totals.parts_rejected, "defects_escaped": totals.defects_escaped,
        "energy_kwh": 0.0, "material_kg": 0.0, "scrap_kg": 0.0,  # per part below, over the parts each is for
    })
    kpis = compute_kpis(inputs, baseline)
    changeover, defects = totals.changeover_members > 0, totals.defect_members > 0
    escaped = defects and totals.escaped_members == totals.defect_members

    def per_part(amount: float, parts: int) -> float | None:
        return round(amount / parts, 6) if parts else None

    return HubKpis.model_validate({
        **kpis.model_dump(), "format": "fabnet.hub-kpis/1",
        "members_starting_point": baseline.companies_participating,
        "members_reporting": totals.members_reporting,
        "orders_completed": totals.orders_completed if totals.members_reporting else None,
        **{name: getattr(kpis, name) if changeover else None
           for name in ("changeover_hours_fcfs", "changeover_hours_scheduled", "changeover_hours_saved",
                        "changeover_saving_percent")},
        "defects_stopped": kpis.defects_stopped if defects else None,
        "defects_escaped": totals.defects_escaped if escaped else None,
        "defect_containment_percent": kpis.defect_containment_percent if escaped else None,
        "parts_held": totals.parts_held if defects else None,
        "parts_rejected": totals.parts_rejected if defects else None,
        "alarms_raised": totals.alarms_raised if defects else None,
        "energy_kwh_per_part": per_part(totals.energy_kwh, totals.energy_parts),
        "material_kg_per_part": per_part(totals.material_kg, totals.material_parts),
        "scrap_percent": None,
        "coverage": KpiCoverage(
            orders_completed=_covered(totals.members_reporting),
            parts_made=_covered(totals.members_reporting, "flows"),
            changeover=_covered(totals.changeover_members),
            defects=_covered(totals.defect_members),
            defects_escaped=_covered(totals.escaped_members if escaped else 0),
            energy=_covered(totals.energy_members),
            material=_covered(totals.material_members),
            netting=_covered(totals.netting_members, "flows"),
        ),
    })


_FIGURES: dict[str, tuple[str, ...]] = {
    "orders_completed": ("orders_completed",),
    "parts_made": ("parts_made",),
    "changeover": ("changeover_hours_fcfs", "changeover_hours_scheduled", "changeover_hours_saved",
                   "changeover_saving_percent"),
    "defects": ("defects_stopped", "parts_held", "parts_rejected", "alarms_raised"),
    "defects_escaped": ("defects_escaped", "defect_containment_percent"),
    "energy": ("energy_kwh_per_part",),
    "material": ("material_kg_per_part",),
    "netting": ("payments_saved_by_netting", "payments_saved_percent", "money_movement_saved_eur",
                "money_movement_saved_percent"),
}
"""The figures each coverage entry stands for."""


def withhold_small_counts(kpis: HubKpis, min_members: int = MIN_MEMBERS) -> HubKpis:
    """The KPIs with each figure fewer than `min_members` members add up to taken out (None, coverage "withheld"),
    the per-company changeover rows (one member each) too; for a figure from the flows the members are the active
    ones (the parties to the flows)."""
    if min_members < 1:
        raise ValueError(f"min_members: {min_members} is not a positive number of members")
    coverage = kpis.coverage.model_dump()
    update: dict[str, object] = {"changeovers_by_company": ()} if min_members > 1 else {}
    for name, fields in _FIGURES.items():
        cover = getattr(kpis.coverage, name)
        members = kpis.active_members if cover.source == "flows" else cover.members_reporting
        if cover.source in ("flows", "reports") and members < min_members:
            coverage[name] = {"source": "withheld", "members_reporting": cover.members_reporting}
            update |= dict.fromkeys(fields)
    if not update:
        return kpis
    return kpis.model_copy(update={**update, "coverage": KpiCoverage.model_validate(coverage)})
