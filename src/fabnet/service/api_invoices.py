"""Invoices the node issued (and received): list, read, and the Peppol BIS 3 UBL document as filed."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from fabnet.domain import Invoice
from fabnet.service.access import Principal, reader
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute, not_found
from fabnet.service.api_records import Limit, Offset, Page, page, runtime_of
from fabnet.store.billing_tables import BillingRepository, InvoiceRow

router = APIRouter(prefix="/api/v1", tags=["invoices"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Reader = Annotated[Principal, Depends(reader)]


class InvoiceSummary(BaseModel):
    id: str
    kind: str
    seller_id: str
    buyer_id: str
    order_id: str | None
    issue_date: date
    currency: str
    payable_amount: Decimal
    status: str


@router.get("/invoices", response_model=Page[InvoiceSummary], summary="Invoices and credit notes")
async def list_invoices(request: Request, _: Reader, limit: Limit = 100, offset: Offset = 0,
                        status: str | None = None) -> Page[InvoiceSummary]:
    with runtime_of(request).store.transaction() as uow:
        query = select(InvoiceRow).order_by(InvoiceRow.issue_date.desc(), InvoiceRow.id.desc())
        if status is not None:
            query = query.where(InvoiceRow.status == status)
        rows, total = page(uow.session, query, limit, offset)
        items = [InvoiceSummary(id=r.id, kind=r.kind, seller_id=r.seller_id, buyer_id=r.buyer_id, order_id=r.order_id,
                                issue_date=r.issue_date, currency=r.currency, payable_amount=r.payable_amount,
                                status=r.status) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/invoices/{invoice_id}", response_model=Invoice, summary="One invoice")
async def get_invoice(invoice_id: str, request: Request, _: Reader) -> Invoice:
    with runtime_of(request).store.transaction() as uow:
        try:
            return BillingRepository(uow.session).invoice(invoice_id)
        except KeyError:
            raise not_found(f"invoice_id: no invoice {invoice_id!r}") from None


@router.get("/invoices/{invoice_id}/ubl", summary="The invoice as UBL 2.1 (Peppol BIS Billing 3.0)",
            responses={200: {"content": {"application/xml": {}}}})
async def get_ubl(invoice_id: str, request: Request, _: Reader) -> Response:
    with runtime_of(request).store.transaction() as uow:
        try:
            document = BillingRepository(uow.session).ubl(invoice_id)
        except KeyError:
            raise not_found(f"invoice_id: no invoice {invoice_id!r}") from None
    return Response(document, media_type="application/xml")
