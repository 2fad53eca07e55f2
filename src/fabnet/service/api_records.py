"""What every API module needs from the store: the node's company, its network as stored, order events, paging."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fabnet.domain import Company, RegionalNetwork
from fabnet.domain.base import DomainModel
from fabnet.service.api_errors import conflict
from fabnet.service.node_runtime import NodeRuntime
from fabnet.store import Store, UnitOfWork
from fabnet.store.operations_tables import NODE_PROFILE_KEY, NodeProfileRow, OrderEventRow
from fabnet.store.records import RecordKind

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound=DomainModel)

NO_COMPANY = "this node runs no company yet: POST /api/v1/import {scenario, company_id} first"

Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many items")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="skip this many items first")]


def now_utc() -> datetime:
    return datetime.now(UTC)


def runtime_of(request: Request) -> NodeRuntime:
    return request.app.state.runtime


LONG_OPERATIONS = 2
"""Solves and forecasts that may run at once per node; more wait their turn, so requests keep being answered."""


async def off_the_loop(request: Request, work: Callable[..., R], *args: Any) -> R:
    """Run CPU-heavy work in a worker thread, at most LONG_OPERATIONS at a time per node."""
    state = request.app.state
    gate: asyncio.Semaphore | None = getattr(state, "api_long_operations", None)
    if gate is None:
        gate = state.api_long_operations = asyncio.Semaphore(LONG_OPERATIONS)
    async with gate:
        return await run_in_threadpool(work, *args)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives stored moments back without their offset; every stored moment is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class NodeProfile:
    """Which company the node runs, from which scenario, planning from which origin."""

    company_id: str
    scenario: str
    origin: datetime


_PROFILES: WeakKeyDictionary[Engine, NodeProfile] = WeakKeyDictionary()
"""The profile per database, once stored: every request asks for it, and it never changes (a node runs one
company; importing again keeps company, scenario and origin)."""


def profile(session: Session) -> NodeProfile | None:
    engine = session.get_bind()
    known = _PROFILES.get(engine)  # type: ignore[arg-type]
    if known is not None:
        return known
    row = session.get(NodeProfileRow, NODE_PROFILE_KEY)
    if row is None:
        return None
    found = NodeProfile(row.company_id, row.scenario, as_utc(row.origin))
    _PROFILES[engine] = found  # type: ignore[index]
    return found


def forget_profile(engine: Engine) -> None:
    """Drop the remembered profile (an import that stored it was rolled back)."""
    _PROFILES.pop(engine, None)


def company_id(session: Session) -> str:
    """The id of the company this node runs; 409 if nothing was imported yet."""
    row = profile(session)
    if row is None:
        raise conflict(NO_COMPANY)
    return row.company_id


def own_profile(store: Store) -> NodeProfile:
    """`profile` without opening a session once it is known (every hot read starts here); 409 before an import."""
    known = _PROFILES.get(store.engine)
    if known is not None:
        return known
    with store.transaction() as uow:
        found = profile(uow.session)
    if found is None:
        raise conflict(NO_COMPANY)
    return found


def own_company_id(store: Store) -> str:
    return own_profile(store).company_id


def company(uow: UnitOfWork) -> Company:
    return uow.companies.get(company_id(uow.session))


def stored_network(uow: UnitOfWork) -> tuple[RegionalNetwork, str]:
    """Everything the node stores as one network (for planning, scheduling and billing), and its company id."""
    row = profile(uow.session)
    if row is None:
        raise conflict(NO_COMPANY)
    network = RegionalNetwork(
        name=row.scenario, origin=row.origin, hubs=tuple(uow.hubs.list()),
        fieldlabs=tuple(uow.fieldlabs.list()), companies=tuple(uow.companies.list()),
        machines=tuple(uow.machines.list()), designs=tuple(uow.designs.list()), orders=tuple(uow.orders.list()),
    )
    return network, row.company_id


def record_event(session: Session, order_id: str, status: str, note: str, actor: str) -> datetime:
    """Add a step to an order's timeline; returns its time."""
    at = now_utc()
    session.add(OrderEventRow(order_id=order_id, at=at, status=status, note=note, actor=actor))
    return at


def page(session: Session, query: Any, limit: int, offset: int) -> tuple[list[Any], int]:
    """One page of a query's rows and the total count of the query."""
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    return list(session.execute(query.limit(limit).offset(offset)).scalars()), int(total)


def record_page(session: Session, kind: RecordKind[M], limit: int, offset: int, **equal_to: Any) -> "Page[M]":
    """One page of stored domain records of a kind (in key order), optionally filtered by indexed columns."""
    table = kind.row.__table__
    query = select(table.c.document).order_by(table.c[kind.key_column])
    for column, value in equal_to.items():
        if value is not None:
            query = query.where(table.c[column] == value)
    documents, total = page(session, query, limit, offset)
    return Page(items=[kind.load(document) for document in documents], total=total, limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, how many there are in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int
