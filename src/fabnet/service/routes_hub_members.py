"""GET /api/v1/members and /api/v1/members/{id}: the hub's registered members and what they listed.

The public sees a directory of the current members (name, region, machines and skills: what they publish in the
catalog anyway); a member sees its own credential too; the operator every member's, revoked ones included.
Onboarding stays an operator's act (`fabnet hub add-member`); the trust anchor routes publish the result."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from fabnet.service.hub_api_auth import HubCaller
from fabnet.service.hub_api_catalog import ListedCompany
from fabnet.service.hub_api_models import DirectoryEntry, ErrorBody, MemberDetail, MemberList, MemberSummary, view_of
from fabnet.service.hub_api_state import HubState, hub_state, hub_viewer
from fabnet.service.hub_registry import RegisteredMember

router = APIRouter(prefix="/api/v1", tags=["members"])
State = Annotated[HubState, Depends(hub_state)]
Viewer = Annotated[HubCaller | None, Depends(hub_viewer)]
ERRORS = {status: {"model": ErrorBody} for status in (401, 403)}


def directory_entry(member: RegisteredMember, listed: ListedCompany | None) -> DirectoryEntry:
    company = listed.company if listed is not None else None
    return DirectoryEntry(
        member_id=member.credential.member_id, company_name=member.credential.company_name,
        company_id=company.id if company else None, region_hub_id=company.hub_id if company else None,
        machines=listed.machines if listed else 0, skills=listed.skills if listed else (),
        latitude=company.address.latitude if company else None,
        longitude=company.address.longitude if company else None)


def summary(member: RegisteredMember, listed: ListedCompany | None) -> MemberSummary:
    credential = member.credential
    return MemberSummary(
        **directory_entry(member, listed).model_dump(), kvk=credential.kvk, hub_id=credential.hub_id,
        endpoint=credential.endpoint, issued_at=credential.issued_at, expires_at=credential.expires_at,
        revoked=member.revoked)


def _entry(member: RegisteredMember, listed: ListedCompany | None,
           viewer: HubCaller | None) -> MemberSummary | DirectoryEntry | None:
    """What `viewer` may see of `member`: None for a revoked member unless the viewer is the operator."""
    if viewer is not None and (viewer.is_operator or viewer.member_id == member.credential.member_id):
        return summary(member, listed)
    return None if member.revoked else directory_entry(member, listed)


@router.get("/members", response_model=MemberList, responses=ERRORS)
def members(state: State, viewer: Viewer) -> MemberList:
    listed = state.catalog.listed_by_member()
    found = tuple(entry for m in state.registry.registered_members()
                  if (entry := _entry(m, listed.get(m.credential.member_id), viewer)) is not None)
    return MemberList(view=view_of(viewer), total=len(found), members=found)


@router.get("/members/{member_id}", response_model=MemberDetail, responses={**ERRORS, 404: {"model": ErrorBody}})
def member(member_id: str, state: State, viewer: Viewer) -> MemberDetail:
    registered = state.registry.member(member_id)
    listed = state.catalog.listed_by_member().get(member_id)
    entry = _entry(registered, listed, viewer) if registered is not None else None
    if entry is None:  # a revoked member is, to the public, no member: the same answer as for a stranger
        raise HTTPException(404, f"member_id: {member_id!r} is not a member of this hub")
    listing = state.catalog.listing(listed.company.id) if listed is not None else None
    return MemberDetail(view=view_of(viewer), member=entry, listing=listing)
