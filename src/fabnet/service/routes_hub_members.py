"""GET /api/v1/members and /api/v1/members/{id}: the hub's registered members and what they listed.

Onboarding stays an operator's act (`fabnet hub add-member`); the trust anchor routes publish the result."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from fabnet.service.hub_api_catalog import ListedCompany
from fabnet.service.hub_api_models import ErrorBody, MemberDetail, MemberList, MemberSummary
from fabnet.service.hub_api_state import HubState, hub_state
from fabnet.service.hub_registry import RegisteredMember

router = APIRouter(prefix="/api/v1", tags=["members"])
State = Annotated[HubState, Depends(hub_state)]


def summary(member: RegisteredMember, listed: ListedCompany | None) -> MemberSummary:
    credential = member.credential
    company = listed.company if listed is not None else None
    return MemberSummary(
        member_id=credential.member_id, company_name=credential.company_name, kvk=credential.kvk,
        hub_id=credential.hub_id, endpoint=credential.endpoint, issued_at=credential.issued_at,
        expires_at=credential.expires_at, revoked=member.revoked,
        company_id=company.id if company else None, region_hub_id=company.hub_id if company else None,
        machines=listed.machines if listed else 0,
        latitude=company.address.latitude if company else None,
        longitude=company.address.longitude if company else None)


@router.get("/members", response_model=MemberList)
def members(state: State) -> MemberList:
    listed = state.catalog.listed_by_member()
    found = tuple(summary(m, listed.get(m.credential.member_id)) for m in state.registry.registered_members())
    return MemberList(total=len(found), members=found)


@router.get("/members/{member_id}", response_model=MemberDetail, responses={404: {"model": ErrorBody}})
def member(member_id: str, state: State) -> MemberDetail:
    registered = state.registry.member(member_id)
    if registered is None:
        raise HTTPException(404, f"member_id: {member_id!r} is not a member of this hub")
    listed = state.catalog.listed_by_member().get(member_id)
    listing = state.catalog.listing(listed.company.id) if listed is not None else None
    return MemberDetail(member=summary(registered, listed), listing=listing)
