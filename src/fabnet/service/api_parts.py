"""Parts as made: their genealogy, their passport as an AAS environment, holds and verdicts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict

from fabnet.domain import Part, PartVerdict
from fabnet.service.access import Principal, Role, reader, require
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute, conflict, invalid, not_found
from fabnet.service.api_records import Limit, Offset, Page, company_id, record_page, runtime_of
from fabnet.standards.aas import export_environment
from fabnet.standards.aas.basyx_adapters import environment_json
from fabnet.store import UnitOfWork
from fabnet.store.records import PARTS

router = APIRouter(prefix="/api/v1", tags=["parts"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Reader = Annotated[Principal, Depends(reader)]


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: PartVerdict


def _part(uow: UnitOfWork, part_id: str) -> Part:
    company_id(uow.session)
    part = uow.parts.find(part_id)
    if part is None:
        raise not_found(f"part_id: no part {part_id!r}")
    return part


def passport_json(part: Part) -> str:
    """The part's passport: an AAS environment (genealogy, carbon footprint, signal time series)."""
    return environment_json(export_environment([part]))


@router.get("/parts", response_model=Page[Part], summary="Parts made")
async def list_parts(request: Request, _: Reader, limit: Limit = 100, offset: Offset = 0,
                     order_id: str | None = None, verdict: PartVerdict | None = None) -> Page[Part]:
    with runtime_of(request).store.transaction() as uow:
        company_id(uow.session)
        return record_page(uow.session, PARTS, limit, offset, order_id=order_id,
                           verdict=verdict.value if verdict else None)


@router.post("/parts", response_model=Part, status_code=201, summary="Register a part made for an order")
async def add_part(part: Part, request: Request, _: Operator) -> Part:
    with runtime_of(request).store.transaction() as uow:
        own = company_id(uow.session)
        order = uow.orders.find(part.order_id)
        if order is None or order.supplier_id != own:
            raise invalid(f"order_id: no order {part.order_id!r} of this company")
        if order.design_id != part.design_id:
            raise invalid(f"design_id: order {order.id!r} is for design {order.design_id!r}, not {part.design_id!r}")
        if uow.parts.find(part.id) is not None:
            raise conflict(f"id: part {part.id!r} exists already")
        uow.parts.add(part)
    return part


@router.get("/parts/{part_id}", response_model=Part, summary="One part with its genealogy")
async def get_part(part_id: str, request: Request, _: Reader) -> Part:
    with runtime_of(request).store.transaction() as uow:
        return _part(uow, part_id)


@router.get("/parts/{part_id}/passport", summary="The part's passport (AAS JSON environment)",
            responses={200: {"content": {"application/json": {}}}})
async def passport(part_id: str, request: Request, _: Reader) -> Response:
    with runtime_of(request).store.transaction() as uow:
        part = _part(uow, part_id)
    return Response(passport_json(part), media_type="application/json")


@router.post("/parts/{part_id}/hold", response_model=Part, summary="Hold a part until it is inspected")
async def hold(part_id: str, request: Request, _: Operator) -> Part:
    with runtime_of(request).store.transaction() as uow:
        part = _part(uow, part_id)
        if part.verdict is PartVerdict.SCRAPPED:
            raise conflict(f"part {part_id!r} is scrapped; it cannot be held")
        held = part.model_copy(update={"verdict": PartVerdict.HELD})
        uow.parts.put(held)
        return held


@router.post("/parts/{part_id}/verdict", response_model=Part, summary="Give a part its verdict")
async def verdict(part_id: str, body: Verdict, request: Request, _: Operator) -> Part:
    with runtime_of(request).store.transaction() as uow:
        part = _part(uow, part_id)
        judged = part.model_copy(update={"verdict": body.verdict})
        uow.parts.put(judged)
        return judged
