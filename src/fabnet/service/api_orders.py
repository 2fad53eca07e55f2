"""Orders the company supplies: list, read with status and timeline, add, move through their life, and their
process plans (planned from the design on the company's machines)."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from fabnet.billing.invoice import invoice_for_order, placeholder_iban
from fabnet.billing.ledger import invoice_postings
from fabnet.billing.pricing import PriceList
from fabnet.domain import Order, OrderStatus, ProcessPlan
from fabnet.domain.invoice import PaymentInstructions
from fabnet.planning.process import plan_what_is_possible
from fabnet.planning.process_errors import PlanningError
from fabnet.service import api_queries
from fabnet.service.access import Principal, Role, reader, require
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute, conflict, invalid, not_found
from fabnet.service.api_records import (
    Limit,
    Offset,
    Page,
    as_utc,
    company_id,
    now_utc,
    own_company_id,
    record_event,
    runtime_of,
)
from fabnet.standards.ubl import invoice_to_ubl
from fabnet.store import UnitOfWork
from fabnet.store.billing_tables import BillingRepository
from fabnet.store.operations_tables import OrderEventRow, OrderPlanRow
from fabnet.store.records import ORDERS as ORDER_RECORDS

router = APIRouter(prefix="/api/v1", tags=["orders"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Planner = Annotated[Principal, Depends(require(Role.PLANNER))]
Reader = Annotated[Principal, Depends(reader)]

NEXT_STATUS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.RECEIVED: frozenset({OrderStatus.PLANNED, OrderStatus.ALLOCATED, OrderStatus.SCHEDULED,
                                     OrderStatus.ON_HOLD, OrderStatus.CANCELLED}),
    OrderStatus.PLANNED: frozenset({OrderStatus.ALLOCATED, OrderStatus.SCHEDULED, OrderStatus.ON_HOLD,
                                    OrderStatus.CANCELLED}),
    OrderStatus.ALLOCATED: frozenset({OrderStatus.SCHEDULED, OrderStatus.ON_HOLD, OrderStatus.CANCELLED}),
    OrderStatus.SCHEDULED: frozenset({OrderStatus.PLANNED, OrderStatus.IN_PRODUCTION, OrderStatus.ON_HOLD,
                                      OrderStatus.CANCELLED}),
    OrderStatus.IN_PRODUCTION: frozenset({OrderStatus.COMPLETED, OrderStatus.ON_HOLD, OrderStatus.CANCELLED}),
    OrderStatus.ON_HOLD: frozenset({OrderStatus.RECEIVED, OrderStatus.PLANNED, OrderStatus.SCHEDULED,
                                    OrderStatus.IN_PRODUCTION, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset({OrderStatus.INVOICED}),
    OrderStatus.INVOICED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
"""Where an order may go from each status; invoicing issues the Peppol invoice in the same transaction."""


class OrderEvent(BaseModel):
    at: datetime
    status: OrderStatus
    note: str
    actor: str


class OrderView(BaseModel):
    """An order with where it is in its life and how it got there."""

    order: Order
    status: OrderStatus
    timeline: list[OrderEvent]
    invoice_id: str | None = None


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: OrderStatus
    note: str = Field(default="", max_length=500)


class SkippedOperation(BaseModel):
    operation_id: str
    feature: str
    reason: str


class OrderPlan(BaseModel):
    """The order's process plan on this company's machines, and what it cannot do itself (for partners)."""

    order_id: str
    planned_at: datetime
    plan: ProcessPlan | None
    skipped: list[SkippedOperation]


def _order(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.orders.find(order_id)
    if order is None or order.supplier_id != company_id(uow.session):
        raise not_found(f"order_id: no order {order_id!r}")
    return order


def _timeline(uow: UnitOfWork, order_id: str) -> list[OrderEvent]:
    events = OrderEventRow.__table__.c  # plain columns: a timeline is read on every order page
    rows = uow.session.execute(select(events.at, events.status, events.note, events.actor)
                               .where(events.order_id == order_id).order_by(events.id))
    return [OrderEvent(at=as_utc(r.at), status=OrderStatus(r.status), note=r.note, actor=r.actor) for r in rows]


def _view(uow: UnitOfWork, order: Order) -> OrderView:
    invoice_id = BillingRepository(uow.session).invoice_for_order(order.id)
    return OrderView(order=order, status=order.status, timeline=_timeline(uow, order.id), invoice_id=invoice_id)


def plan_order(uow: UnitOfWork, order: Order) -> OrderPlan:
    """Plan the order from its design on the company's machines and keep the plan (replacing an earlier one)."""
    machines = uow.machines.list(company_id=order.supplier_id)
    if not machines:
        raise conflict(f"order {order.id!r}: the company has no machines to plan on")
    designs = {d.id: d for d in uow.designs.list()}
    try:
        partial = plan_what_is_possible(designs[order.design_id], machines, quantity=order.quantity, designs=designs)
    except PlanningError as error:
        raise conflict(f"order {order.id!r}: {error}") from None
    result = OrderPlan(
        order_id=order.id, planned_at=now_utc(), plan=partial.plan,
        skipped=[SkippedOperation(operation_id=s.operation_id, feature=s.feature, reason=s.reason)
                 for s in partial.skipped],
    )
    document = result.model_dump(mode="json", include={"plan", "skipped"})
    row = uow.session.get(OrderPlanRow, order.id)
    if row is None:
        uow.session.add(OrderPlanRow(order_id=order.id, planned_at=result.planned_at, document=document))
    else:
        row.planned_at, row.document = result.planned_at, document
    return result


def stored_plan(uow: UnitOfWork, order_id: str) -> OrderPlan | None:
    row = uow.session.get(OrderPlanRow, order_id)
    if row is None:
        return None
    return OrderPlan.model_validate({"order_id": order_id, "planned_at": as_utc(row.planned_at), **row.document})


def issue_invoice(uow: UnitOfWork, order: Order, issue_date: date) -> str:
    """Invoice the order from its process plan at the company's price list (Peppol BIS 3 UBL), stored and posted."""
    plan = stored_plan(uow, order.id) or plan_order(uow, order)
    if plan.plan is None:
        raise conflict(f"order {order.id!r}: the company made none of it, so there is nothing to invoice")
    seller, buyer = uow.companies.get(order.supplier_id), uow.companies.get(order.customer_id)
    billing = BillingRepository(uow.session)
    prices = billing.price_list(seller.id)
    if prices is None:
        prices = PriceList.for_machines(seller.id, uow.machines.list(company_id=seller.id))
        billing.save_price_list(prices)
    _, invoice = invoice_for_order(
        order, uow.designs.get(order.design_id), plan.plan, prices, seller=seller, buyer=buyer,
        invoice_id=billing.next_invoice_id(seller.id, issue_date), issue_date=issue_date,
        payment=PaymentInstructions(iban=placeholder_iban(seller.kvk), account_name=seller.name),
    )
    billing.add_invoice(invoice, invoice_to_ubl(invoice))
    billing.post(invoice_postings(invoice))
    return invoice.id


@router.get("/orders", response_model=Page[Order], summary="Orders the company supplies")
async def list_orders(request: Request, _: Reader, limit: Limit = 100, offset: Offset = 0,
                      status: OrderStatus | None = None) -> Page[Order]:
    store = runtime_of(request).store
    own = own_company_id(store)
    with api_queries.reading(store) as connection:
        documents, total = api_queries.order_page(connection, own, status.value if status else None, limit, offset)
    return Page[Order](items=[api_queries.load(Order, d) for d in documents], total=total, limit=limit, offset=offset)


@router.post("/orders", response_model=OrderView, status_code=201, summary="Add an order")
async def add_order(order: Order, request: Request, who: Planner) -> OrderView:
    store = runtime_of(request).store
    own = own_company_id(store)
    if order.supplier_id != own:
        raise invalid(f"supplier_id: this node runs {own!r}, not {order.supplier_id!r}")
    with api_queries.writing(store) as connection:
        customer_known, design_known, taken = api_queries.ORDER_CHECKS.all(
            connection, {"customer": order.customer_id, "design": order.design_id, "id": order.id})[0]
        if not customer_known:
            raise invalid(f"customer_id: no company {order.customer_id!r} is known to this node")
        if not design_known:
            raise invalid(f"design_id: no design {order.design_id!r} is stored")
        if taken:
            raise conflict(f"id: order {order.id!r} exists already")
        api_queries.run(api_queries.INSERT_ORDER, connection, ORDER_RECORDS.values(order))
        at = now_utc()
        api_queries.run(api_queries.INSERT_EVENT, connection, {
            "order_id": order.id, "at": at, "status": order.status.value, "note": "order received",
            "actor": who.username})
    # a new order's view is known without reading it back: its one event, no invoice
    return OrderView(order=order, status=order.status, timeline=[
        OrderEvent(at=at, status=order.status, note="order received", actor=who.username)])


@router.get("/orders/{order_id}", response_model=OrderView, summary="One order with its status and timeline")
async def get_order(order_id: str, request: Request, _: Reader) -> OrderView:
    store = runtime_of(request).store
    own = own_company_id(store)
    with api_queries.reading(store) as connection:
        found = api_queries.ORDER.all(connection, {"id": order_id, "own": own})
        if not found:
            raise not_found(f"order_id: no order {order_id!r}")
        events = api_queries.TIMELINE.all(connection, {"id": order_id})
        invoice = api_queries.INVOICE_OF_ORDER.all(connection, {"id": order_id})
    order = api_queries.load(Order, found[0][0])
    return OrderView(order=order, status=order.status, invoice_id=invoice[0][0] if invoice else None, timeline=[
        OrderEvent(at=as_utc(at), status=OrderStatus(status), note=note, actor=actor)
        for at, status, note, actor in events])


@router.post("/orders/{order_id}/status", response_model=OrderView, summary="Move an order to its next status")
async def change_status(order_id: str, change: StatusChange, request: Request, who: Planner) -> OrderView:
    with runtime_of(request).store.transaction() as uow:
        order = _order(uow, order_id)
        allowed = NEXT_STATUS[order.status]
        if change.status not in allowed:
            options = ", ".join(sorted(allowed)) or "nothing (it is final)"
            raise conflict(f"status: order {order_id!r} is {order.status.value}; it can go to {options}")
        note = change.note
        if change.status is OrderStatus.INVOICED:
            invoice_id = issue_invoice(uow, order, now_utc().date())
            note = f"{note}; invoice {invoice_id}" if note else f"invoice {invoice_id}"
        order = order.model_copy(update={"status": change.status})
        uow.orders.put(order)
        record_event(uow.session, order.id, change.status.value, note, who.username)
        uow.session.flush()
        return _view(uow, order)


@router.get("/orders/{order_id}/plan", response_model=OrderPlan, summary="The order's process plan")
async def get_plan(order_id: str, request: Request, _: Reader) -> OrderPlan:
    with runtime_of(request).store.transaction() as uow:
        _order(uow, order_id)
        plan = stored_plan(uow, order_id)
        if plan is None:
            raise not_found(f"order_id: order {order_id!r} has no plan yet (POST /api/v1/orders/{order_id}/plan)")
        return plan


@router.post("/orders/{order_id}/plan", response_model=OrderPlan, summary="Plan the order from its design")
async def make_plan(order_id: str, request: Request, who: Planner) -> OrderPlan:
    with runtime_of(request).store.transaction() as uow:
        order = _order(uow, order_id)
        plan = plan_order(uow, order)
        if order.status is OrderStatus.RECEIVED and plan.plan is not None:
            uow.orders.put(order.model_copy(update={"status": OrderStatus.PLANNED}))
            record_event(uow.session, order.id, OrderStatus.PLANNED.value,
                         f"process plan of {len(plan.plan.operations)} operations", who.username)
        return plan
