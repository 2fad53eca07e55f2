"""Contracts (the dataspace agreements this node's connector holds, with peer, asset and policy) and transfers."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from fabnet.service.access import Principal, reader
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute
from fabnet.service.api_records import Limit, Offset, Page, as_utc, page, runtime_of
from fabnet.store.exchange_tables import NegotiationRow, TransferRow

router = APIRouter(prefix="/api/v1", tags=["contracts"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Reader = Annotated[Principal, Depends(reader)]


class Contract(BaseModel):
    """An agreement reached in a contract negotiation: who with, on which asset, under which ODRL policy."""

    agreement_id: str
    role: str
    peer: str
    asset: str
    state: str
    policy: dict[str, Any]
    negotiation: str
    agreed_at: datetime


class Transfer(BaseModel):
    pid: str
    role: str
    peer: str
    agreement_id: str
    state: str
    format: str
    size: int | None
    content_sha256: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime


@router.get("/contracts", response_model=Page[Contract], summary="Agreements of this node's connector")
async def contracts(request: Request, _: Reader, limit: Limit = 100, offset: Offset = 0) -> Page[Contract]:
    with runtime_of(request).store.transaction() as uow:
        query = (select(NegotiationRow).where(NegotiationRow.agreement_id.is_not(None))
                 .order_by(NegotiationRow.updated_at.desc(), NegotiationRow.pid))
        rows, total = page(uow.session, query, limit, offset)
        items = [Contract(agreement_id=r.agreement_id or "", role=r.role, peer=r.peer_member, asset=r.dataset_id,
                          state=r.state, policy=r.agreement or {}, negotiation=r.pid, agreed_at=as_utc(r.updated_at))
                 for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/transfers", response_model=Page[Transfer], summary="Data transfers under those agreements")
async def transfers(request: Request, _: Reader, limit: Limit = 100, offset: Offset = 0,
                    agreement_id: str | None = None) -> Page[Transfer]:
    with runtime_of(request).store.transaction() as uow:
        query = select(TransferRow).order_by(TransferRow.updated_at.desc(), TransferRow.pid)
        if agreement_id is not None:
            query = query.where(TransferRow.agreement_id == agreement_id)
        rows, total = page(uow.session, query, limit, offset)
        items = [Transfer(pid=r.pid, role=r.role, peer=r.peer_member, agreement_id=r.agreement_id, state=r.state,
                          format=r.format, size=r.size, content_sha256=r.content_sha256, error=r.error,
                          created_at=as_utc(r.created_at), updated_at=as_utc(r.updated_at)) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)
