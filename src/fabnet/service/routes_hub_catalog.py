"""The capability catalog over HTTP: members publish their machines (POST), anyone searches (GET, ranked)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import ValidationError

from fabnet.network.catalog import CapabilityQuery, CatalogError, MemberListing, OnboardingReceipt, SearchResult
from fabnet.service.hub_api_auth import HubCaller
from fabnet.service.hub_api_models import ErrorBody
from fabnet.service.hub_api_state import HubState, hub_caller, hub_state, hub_viewer

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])
State = Annotated[HubState, Depends(hub_state)]
Caller = Annotated[HubCaller, Depends(hub_caller)]
ERRORS = {status: {"model": ErrorBody} for status in (401, 403, 422)}
_QUERY_NAMES = {"part_size_mm": "envelope", "hub_ids": "region", "exclude_companies": "exclude"}
"""The core query's field names as this endpoint's parameters call them, for error messages."""


@router.post("/capabilities", response_model=OnboardingReceipt, responses=ERRORS)
def publish(listing: MemberListing, state: State, caller: Caller) -> OnboardingReceipt:
    """Publish (or replace) a member's listing: its company record and machines with skills, ranges and free
    capacity. A member may publish only the company its credential names (same KvK); the operator any."""
    if not caller.is_operator and listing.company.kvk != caller.kvk:
        raise HTTPException(403, f"company.kvk: {listing.company.kvk} is not the KvK number of member "
                                 f"{caller.member_id} ({caller.kvk})")
    try:
        return state.catalog.publish(listing, caller.member_id)
    except CatalogError as error:
        raise HTTPException(422, str(error)) from None


@router.get("/search", response_model=SearchResult, responses=ERRORS, dependencies=[Depends(hub_viewer)])
def search(
    state: State,
    skill: Annotated[str, Query(description="skill code, e.g. cut.laser")],
    material: Annotated[str | None, Query(description="material grade, e.g. S235")] = None,
    thickness_mm: Annotated[float | None, Query(gt=0)] = None,
    envelope: Annotated[str | None, Query(description="part size in mm, x,y,z (or 600x400x30)")] = None,
    tolerance_mm: Annotated[float | None, Query(gt=0)] = None,
    region: Annotated[str | None, Query(description="a hub id (hub-brainport) or its region (Zuid-Nederland)")]
    = None,
    near: Annotated[str | None, Query(description="rank by distance from lat,lon")] = None,
    max_distance_km: Annotated[float | None, Query(gt=0)] = None,
    min_free_minutes_per_week: Annotated[float, Query(ge=0)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    exclude: Annotated[str | None, Query(description="company ids to leave out, comma-separated")] = None,
) -> SearchResult:
    """Machines that can do `skill` within the constraints, best first (fit, free capacity, nearness, rate).
    The same for everyone; a credential sent along must still be valid (401/403)."""
    raw: dict[str, object] = {"skill": skill, "material": material, "thickness_mm": thickness_mm,
                              "tolerance_mm": tolerance_mm, "max_distance_km": max_distance_km,
                              "min_free_minutes_per_week": min_free_minutes_per_week, "limit": limit}
    if envelope is not None:
        raw["part_size_mm"] = _numbers("envelope", envelope, 3)
    if near is not None:
        latitude, longitude = _numbers("near", near, 2)
        raw["near"] = {"latitude": latitude, "longitude": longitude}
    if region is not None:
        raw["hub_ids"] = (_hub_of_region(state, region),)
    if exclude is not None:
        raw["exclude_companies"] = tuple(c.strip() for c in exclude.split(",") if c.strip())
    try:
        query = CapabilityQuery.model_validate({k: v for k, v in raw.items() if v is not None})
        return state.catalog.search(query)
    except ValidationError as error:
        first = error.errors()[0]
        location = [str(part) for part in first["loc"]]
        if location:
            location[0] = _QUERY_NAMES.get(location[0], location[0])
        raise HTTPException(422, f"{'.'.join(location) or 'query'}: "
                                 f"{first['msg'].removeprefix('Value error, ')}") from None
    except CatalogError as error:
        raise HTTPException(422, str(error)) from None


def _numbers(name: str, text: str, count: int) -> tuple[float, ...]:
    parts = [p for p in text.replace("x", ",").replace("×", ",").split(",") if p.strip()]
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        raise HTTPException(422, f"{name}: expected {count} numbers separated by commas, got {text!r}") from None
    if len(numbers) != count:
        raise HTTPException(422, f"{name}: expected {count} numbers, got {len(numbers)} in {text!r}")
    return numbers


def _hub_of_region(state: HubState, region: str) -> str:
    wanted = region.strip().lower()
    for hub in state.hubs:
        if wanted in (hub.id.lower(), hub.region.lower(), hub.city.lower()):
            return hub.id
    known = ", ".join(f"{h.id} ({h.region})" for h in state.hubs)
    raise HTTPException(422, f"region: unknown region {region!r} (known: {known})")
