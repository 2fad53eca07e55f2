"""Requests for quotation and members' quotes: the work packages, the answers, and the `QuoteProvider` protocol.

A quote is linear in the quantity so that the allocation can split a package: price = fixed + unit × q,
completion = ready + minutes_per_unit × q, transport CO2 = co2_per_unit × q, at most `max_quantity` units.
The node service answers RFQs over HTTP behind the same protocol; `fabnet.network.members` answers them in
process from each member's own planner, scheduler and price list.
"""

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from fabnet.domain.design import Design

KG_CO2_PER_TONNE_KM = 0.105
"""Well-to-wheel CO2 of average European road freight per tonne-km (heavy and medium trucks, typical loads)."""


class WorkPackage(BaseModel):
    """Operations of one design in an order that go out to the network together."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, description="order id : design path, e.g. 'bp-o010:fr-210'")
    order_id: str = Field(min_length=1)
    design: Design
    operation_keys: tuple[str, ...] = Field(min_length=1, description="operation ids in the design's own plan")
    skills: tuple[tuple[str, ...], ...] = Field(description="per operation, the skills that can do it")
    quantity: int = Field(gt=0)
    release_minute: int = Field(ge=0)
    due_minute: int = Field(ge=0)
    reason: str = Field(default="", description="why it goes out: cannot do it, or not in time")


class Site(BaseModel):
    """Where goods go to or come from (decimal degrees)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    company_id: str
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class RequestForQuotation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    package: WorkPackage
    member_id: str = Field(min_length=1)
    deliver_to: Site
    transport_legs: int = Field(default=2, ge=1, description="2: parts travel to the member and back")
    kg_co2_per_tonne_km: float = Field(default=KG_CO2_PER_TONNE_KM, ge=0)


class QuoteStatus(StrEnum):
    OFFERED = "offered"
    DECLINED = "declined"
    UNAVAILABLE = "unavailable"


class MemberQuote(BaseModel):
    """A member's answer to an RFQ."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    member_id: str
    package_id: str
    status: QuoteStatus
    reason: str = ""
    fixed_eur: float = Field(default=0.0, ge=0, description="per sub-order: changeovers, minimum order value")
    unit_eur: float = Field(default=0.0, ge=0)
    max_quantity: int = Field(default=0, ge=0)
    ready_minute: int = Field(default=0, ge=0, description="when the member can start the package")
    minutes_per_unit: float = Field(default=0.0, ge=0)
    distance_km: float = Field(default=0.0, ge=0)
    co2_kg_per_unit: float = Field(default=0.0, ge=0)

    def price_eur(self, quantity: int) -> float:
        return self.fixed_eur + self.unit_eur * quantity if quantity > 0 else 0.0

    def completion_minute(self, quantity: int) -> int:
        """Ready + processing, in whole minutes (minutes per unit kept to 2 decimals, as the allocation counts)."""
        return self.ready_minute + -(-round(100 * self.minutes_per_unit) * quantity // 100)

    def co2_kg(self, quantity: int) -> float:
        return self.co2_kg_per_unit * quantity

    @classmethod
    def declined(cls, request: RequestForQuotation, reason: str) -> "MemberQuote":
        return cls(member_id=request.member_id, package_id=request.package.id, status=QuoteStatus.DECLINED,
                   reason=reason)

    @classmethod
    def unavailable(cls, member_id: str, package_id: str, reason: str) -> "MemberQuote":
        return cls(member_id=member_id, package_id=package_id, status=QuoteStatus.UNAVAILABLE, reason=reason)


class MemberUnavailable(Exception):
    """The member's node did not answer (down, timed out, unreachable)."""


class QuoteProvider(Protocol):
    """Answers an RFQ on behalf of a member: a quote (offered or declined), or MemberUnavailable."""

    def quote(self, request: RequestForQuotation) -> MemberQuote: ...


def transport_co2_kg_per_unit(distance_km: float, mass_kg: float, request: RequestForQuotation) -> float:
    """Great-circle km × legs × kg CO2 per tonne-km × tonnes per unit."""
    return distance_km * request.transport_legs * request.kg_co2_per_tonne_km * mass_kg / 1000.0
