"""Request and response bodies of the hub's JSON API that the core (`fabnet.network`) does not define itself."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fabnet.domain.company import Hub
from fabnet.network.catalog import MemberListing
from fabnet.network.flows import FlowEdge, FlowReport, RegionFlows
from fabnet.network.kpi_reports import HubKpis, KpiReport
from fabnet.service.hub_api_auth import HubCaller

View = Literal["public", "member", "operator"]
"""Who an answer was made for: anyone, a member (its own details added) or the hub's operator (everything)."""


def view_of(caller: HubCaller | None) -> View:
    if caller is None:
        return "public"
    return "operator" if caller.is_operator else "member"


class ErrorBody(BaseModel):
    error: str = Field(description="one line: the field, then the reason")


class DirectoryEntry(BaseModel):
    """A current member as anyone sees it: its name and what it published in the catalog anyway."""

    model_config = ConfigDict(frozen=True)

    member_id: str
    company_name: str
    company_id: str | None = Field(description="the company of its catalog listing; None if it listed nothing")
    region_hub_id: str | None = Field(description="the regional hub its listed company belongs to")
    machines: int
    skills: tuple[str, ...] = Field(description="the skill codes of its listed machines")
    latitude: float | None
    longitude: float | None


class MemberSummary(DirectoryEntry):
    """A registered member with its credential: for the operator (every member) and a member (itself)."""

    kvk: str
    hub_id: str = Field(description="the hub that issued the credential")
    endpoint: str = Field(description="the member node's DSP base URL")
    issued_at: datetime
    expires_at: datetime
    revoked: bool


class MemberList(BaseModel):
    format: str = "fabnet.hub-members/2"
    view: View
    total: int
    members: tuple[MemberSummary | DirectoryEntry, ...] = Field(
        description="the public sees the directory of current members; a member its own credential too; the "
                    "operator every member's credential, revoked ones included")


class MemberDetail(BaseModel):
    format: str = "fabnet.hub-member/2"
    view: View
    member: MemberSummary | DirectoryEntry
    listing: MemberListing | None


class FlowReceipt(BaseModel):
    flow: FlowReport
    replaced: bool = Field(description="an earlier report of the same order was replaced")


class KpiReportReceipt(BaseModel):
    report: KpiReport
    replaced: bool = Field(description="an earlier report of the same member and period was replaced")


class MapMember(BaseModel):
    """A point on the network map: a listed company, with the member that published it if any."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="the member id, or the company id for a listing the operator published")
    member_id: str | None
    company_id: str
    name: str
    hub_id: str
    latitude: float
    longitude: float
    machines: int


class NetworkMap(BaseModel):
    format: str = "fabnet.network-map/2"
    view: View
    period: str | None
    hubs: tuple[Hub, ...]
    members: tuple[MapMember, ...]
    region_flows: RegionFlows = Field(description="orders per pair of regions, no values; region pairs with few "
                                                  "member pairs withheld (for everyone alike)")
    flows: tuple[FlowEdge, ...] = Field(
        description="orders between members ({from, to, orders, value}) by value: none for the public, the ones "
                    "it is a party to for a member, all for the operator")


class KpiView(HubKpis):
    """The hub's KPIs with what the caller may see of single members: network totals for everyone; the per-company
    changeover rows and the members' reports only the caller's own (a member) or all (the operator)."""

    view: View
    min_members: int = Field(description="a total of fewer members is withheld from all but the operator")
    member_reports: tuple[KpiReport, ...] = Field(
        description="the reports that count for the period: none for the public, its own for a member, all for "
                    "the operator")
