"""The Smart Industry programme's published starting point as data, its five regional hubs, and the comparison.

Figures are the programme's own round numbers (MJP Smart Industry / KET "Engineering and fabrication
technologies"): about 40 fieldlabs, €240 M invested of which about €100 M private, about 600 companies taking
part, about 400 jobs inside the fieldlabs and 400 more outside, an aim of 6,000 companies, and an R&D budget of
about €50 M a year. The network's own figures are set against them by `compare`.
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from fabnet.domain.company import Fieldlab, Hub
from fabnet.domain.region import RegionalNetwork

FIVE_HUBS: tuple[Hub, ...] = (
    Hub(id="hub-brainport", name="Smart Industry Hub Zuid (Brainport)", region="Zuid-Nederland", city="Eindhoven",
        latitude=51.4416, longitude=5.4697),
    Hub(id="hub-rotterdam", name="Smart Industry Hub Zuid-Holland (Rotterdam)", region="Zuid-Holland",
        city="Rotterdam", latitude=51.9225, longitude=4.4792),
    Hub(id="hub-oost", name="Smart Industry Hub Oost", region="Oost-Nederland", city="Enschede",
        latitude=52.2215, longitude=6.8937),
    Hub(id="hub-noord", name="Smart Industry Hub Noord", region="Noord-Nederland", city="Groningen",
        latitude=53.2194, longitude=6.5665),
    Hub(id="hub-noordwest", name="Smart Industry Hub Noordwest", region="Noordwest-Nederland", city="Amsterdam",
        latitude=52.3676, longitude=4.9041),
)
"""The five regional Smart Industry hubs."""


class ProgrammeBaseline(BaseModel):
    """The programme's starting point (all figures 'about')."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fieldlabs: int = 40
    investment_eur: Decimal = Decimal("240000000")
    private_investment_eur: Decimal = Decimal("100000000")
    companies_participating: int = 600
    jobs_in_fieldlabs: int = 400
    jobs_outside_fieldlabs: int = 400
    companies_target: int = 6000
    rnd_budget_eur_per_year: Decimal = Decimal("50000000")
    regional_hubs: int = 5

    @property
    def public_investment_eur(self) -> Decimal:
        return self.investment_eur - self.private_investment_eur

    @property
    def jobs_total(self) -> int:
        return self.jobs_in_fieldlabs + self.jobs_outside_fieldlabs


BASELINE = ProgrammeBaseline()


class NetworkFigures(BaseModel):
    """What the network itself counts, to set against the programme's figures."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fieldlabs: int = Field(ge=0)
    investment_eur: Decimal = Field(ge=0)
    private_investment_eur: Decimal = Field(ge=0)
    companies: int = Field(ge=0)
    active_members: int = Field(ge=0)
    hubs: int = Field(ge=0)

    @classmethod
    def of(cls, network: RegionalNetwork, *, active_members: int | None = None) -> "NetworkFigures":
        """Counts from a scenario; active members default to the companies with machines or orders."""
        labs: tuple[Fieldlab, ...] = network.fieldlabs
        if active_members is None:
            working = {m.company_id for m in network.machines} | {o.customer_id for o in network.orders}
            active_members = len(working & {c.id for c in network.companies})
        return cls(
            fieldlabs=len(labs),
            investment_eur=sum((lab.investment_eur for lab in labs), Decimal(0)),
            private_investment_eur=sum((lab.private_investment_eur for lab in labs), Decimal(0)),
            companies=len(network.companies),
            active_members=active_members,
            hubs=len(network.hubs),
        )


class ComparisonLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    measure: str
    programme: float
    network: float
    share_percent: float = Field(description="network as a percentage of the programme's figure")


class ProgrammeView(BaseModel):
    """The programme's figures, its hubs, and the network's figures against them."""

    format: str = "fabnet.programme/1"
    baseline: ProgrammeBaseline
    hubs: tuple[Hub, ...]
    fieldlabs: tuple[Fieldlab, ...]
    network: NetworkFigures
    lines: tuple[ComparisonLine, ...]
    progress_to_target_percent: float = Field(
        description="active members on the way from the 600 participating companies to the 6,000 aimed at")


def _line(measure: str, programme: float, network: float) -> ComparisonLine:
    share = round(100.0 * network / programme, 3) if programme else 0.0
    return ComparisonLine(measure=measure, programme=programme, network=network, share_percent=share)


def compare(figures: NetworkFigures, *, baseline: ProgrammeBaseline = BASELINE,
            hubs: tuple[Hub, ...] = FIVE_HUBS, fieldlabs: tuple[Fieldlab, ...] = ()) -> ProgrammeView:
    """The programme view: each of the network's figures against the programme's own."""
    lines = (
        _line("fieldlabs", baseline.fieldlabs, figures.fieldlabs),
        _line("investment_eur", float(baseline.investment_eur), float(figures.investment_eur)),
        _line("private_investment_eur", float(baseline.private_investment_eur), float(figures.private_investment_eur)),
        _line("companies_participating", baseline.companies_participating, figures.companies),
        _line("active_members_vs_target", baseline.companies_target, figures.active_members),
        _line("regional_hubs", baseline.regional_hubs, figures.hubs),
    )
    span = baseline.companies_target - baseline.companies_participating
    # below the starting point counts as 0 %: the measure is the way from 600 to 6,000
    progress = max(0.0, 100.0 * (figures.active_members - baseline.companies_participating) / span) if span else 0.0
    return ProgrammeView(baseline=baseline, hubs=hubs, fieldlabs=fieldlabs, network=figures, lines=lines,
                         progress_to_target_percent=round(progress, 3))
