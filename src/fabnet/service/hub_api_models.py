"""Request and response bodies of the hub's JSON API that the core (`fabnet.network`) does not define itself."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from fabnet.domain.company import Hub
from fabnet.network.catalog import MemberListing
from fabnet.network.flows import FlowEdge, FlowReport
from fabnet.network.kpi_reports import KpiReport


class ErrorBody(BaseModel):
    error: str = Field(description="one line: the field, then the reason")


class MemberSummary(BaseModel):
    """A registered member: what its credential says, and what it listed in the catalog."""

    model_config = ConfigDict(frozen=True)

    member_id: str
    company_name: str
    kvk: str
    hub_id: str = Field(description="the hub that issued the credential")
    endpoint: str = Field(description="the member node's DSP base URL")
    issued_at: datetime
    expires_at: datetime
    revoked: bool
    company_id: str | None = Field(description="the company of its catalog listing; None if it listed nothing")
    region_hub_id: str | None = Field(description="the regional hub its listed company belongs to")
    machines: int
    latitude: float | None
    longitude: float | None


class MemberList(BaseModel):
    format: str = "fabnet.hub-members/1"
    total: int
    members: tuple[MemberSummary, ...]


class MemberDetail(BaseModel):
    format: str = "fabnet.hub-member/1"
    member: MemberSummary
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
    format: str = "fabnet.network-map/1"
    period: str | None
    hubs: tuple[Hub, ...]
    members: tuple[MapMember, ...]
    flows: tuple[FlowEdge, ...] = Field(description="orders between members ({from, to, orders, value}) by value")
