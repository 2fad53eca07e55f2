"""The node's management API (loopback only): what the CLI, tests and benchmarks drive the connector with."""

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select

from fabnet.domain.errors import describe
from fabnet.exchange import audit
from fabnet.exchange.catalog import Asset, find_offer
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.transfer import TransferStep
from fabnet.service import maintenance, negotiation_flow, peer_client, received_assets, transfer_flow, trust_sync
from fabnet.service.access import Role, optional_reader
from fabnet.service.node_deps import runtime_of
from fabnet.service.node_runtime import to_entry
from fabnet.store.exchange_tables import (
    AuditRow,
    ExchangeAssetRow,
    InboxRow,
    NegotiationRow,
    OutboxRow,
    TransferRow,
    UsedTokenRow,
)

LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


async def loopback_only(request: Request) -> None:
    if request.client is not None and request.client.host in LOOPBACK:
        return
    principal = await optional_reader(request)  # from elsewhere: only with an admin's token
    if principal is None or principal.role is not Role.ADMIN:
        raise HTTPException(403, "the management API answers loopback clients and admin tokens only")


router = APIRouter(prefix="/manage", tags=["management"], dependencies=[Depends(loopback_only)])


def _error(error: ProtocolError) -> Response:
    return JSONResponse({"error": error.reason, "code": error.code}, status_code=error.status)


class NegotiationStart(BaseModel):
    peer_url: str
    offer_id: str | None = None
    offer: dict | None = None
    auto: bool = True


class NegotiationAction(BaseModel):
    offer: dict | None = None
    reason: str = "terminated by the operator"


class TransferStart(BaseModel):
    agreement_id: str
    auto: bool = True


@router.get("/status")
async def status(request: Request) -> dict:
    runtime = runtime_of(request)
    return {
        "member_id": runtime.member_id, "endpoint": runtime.config.base_url, "hub": runtime.hub_id,
        "trusted_members": sorted(runtime.trust.members), "revoked": sorted(runtime.trust.revoked),
    }


@router.post("/trust/refresh")
async def refresh_trust(request: Request) -> dict:
    runtime = runtime_of(request)
    refreshed = await trust_sync.refresh(runtime, request.app.state.http)
    return {"refreshed": refreshed, "trusted_members": sorted(runtime.trust.members)}


@router.post("/assets", status_code=201)
async def add_asset(request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        asset = Asset.model_validate(await request.json())
    except ValidationError as error:
        return JSONResponse({"error": describe(error, "asset")}, status_code=422)
    except ValueError:
        return JSONResponse({"error": "body: not JSON"}, status_code=400)
    with runtime.work() as work:
        work.session.merge(ExchangeAssetRow(id=asset.id, document=asset.model_dump(mode="json")))
    return JSONResponse({"id": asset.id, "offer_id": asset.offer_id}, status_code=201)


@router.post("/catalog")
async def remote_catalog(body: dict, request: Request) -> Response:
    try:
        return JSONResponse(await peer_client.fetch_catalog(runtime_of(request), request.app.state.http,
                                                            str(body.get("peer_url", ""))))
    except ProtocolError as error:
        return _error(error)


@router.post("/dataset")
async def remote_dataset(body: dict, request: Request) -> Response:
    try:
        return JSONResponse(await peer_client.fetch_dataset(runtime_of(request), request.app.state.http,
                                                            str(body.get("peer_url", "")), str(body.get("id", ""))))
    except ProtocolError as error:
        return _error(error)


@router.post("/negotiations", status_code=201)
async def start_negotiation(body: NegotiationStart, request: Request, wait_for: str | None = None,
                            timeout: float = 10.0) -> Response:
    """Start a negotiation; with `wait_for` (e.g. FINALIZED,TERMINATED) answer once it is in one of those states
    or `timeout` s have passed, with its summary then: one call instead of a start and a long poll."""
    return await _start_negotiation(runtime_of(request), request, body, wait_for, timeout)


PLAIN_NUMBER = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")


async def express_start_negotiation(request: Request) -> Response | None:
    """`start_negotiation` without FastAPI's routing and parameter solving, for the common case of a loopback
    client with a well-formed request (the connector's hottest management call); None: let FastAPI answer it
    (another client, or a body or parameter FastAPI would refuse with its own message)."""
    if request.client is None or request.client.host not in LOOPBACK:
        return None
    if request.headers.get("content-type", "application/json").split(";")[0].strip().lower() != "application/json":
        return None
    names = [name for name, _ in request.query_params.multi_items()]
    timeout = request.query_params.get("timeout", "10")
    if len(names) != len(set(names)) or set(names) - {"wait_for", "timeout"} or not PLAIN_NUMBER.fullmatch(timeout):
        return None
    try:
        body = NegotiationStart.model_validate_json(await request.body())
    except ValidationError:
        return None
    return await _start_negotiation(runtime_of(request), request, body, request.query_params.get("wait_for"),
                                    float(timeout))


EXPRESS = {("POST", "/manage/negotiations"): express_start_negotiation}
"""Management calls the node's PlainRoutes middleware answers without FastAPI when it can."""


async def _start_negotiation(runtime: Any, request: Request, body: NegotiationStart, wait_for: str | None,
                             timeout: float) -> Response:
    try:
        member = peer_client.peer_member(runtime, body.peer_url)
        offer = body.offer
        if offer is None:
            if body.offer_id is None:
                raise ProtocolError(400, "invalid-request", "offer_id: give an offer id or a full offer")
            document = await peer_client.fetch_catalog(runtime, request.app.state.http, body.peer_url)
            offer = find_offer(document, body.offer_id)
            if offer is None:
                raise ProtocolError(404, "unknown-offer", f"offer_id: {body.offer_id} is not in the peer's catalog")
        with runtime.work() as work:
            row = negotiation_flow.start(runtime, work, member.credential.member_id, body.peer_url, offer, body.auto)
        if not wait_for:
            return JSONResponse(negotiation_flow.summary(row), status_code=201)
    except ProtocolError as error:
        return _error(error)
    return await _current_state(runtime, row.pid, NegotiationRow, negotiation_flow, wait_for, min(timeout, 120.0),
                                status=201)


@router.get("/negotiations/{pid}")
async def negotiation(pid: str, request: Request, wait_for: str | None = None, timeout: float = 10.0) -> Response:
    return await _current_state(runtime_of(request), pid, NegotiationRow, negotiation_flow, wait_for,
                                min(timeout, 120.0))


NEGOTIATION_ACTIONS = {
    "offer": lambda rt, w, row, body: negotiation_flow.offer(rt, w, row, body.offer or row.offer),
    "request": lambda rt, w, row, body: negotiation_flow.counter_request(rt, w, row, body.offer or row.offer),
    "accept": lambda rt, w, row, body: negotiation_flow.accept(rt, w, row),
    "agree": lambda rt, w, row, body: negotiation_flow.agree(rt, w, row),
    "verify": lambda rt, w, row, body: negotiation_flow.verify(rt, w, row),
    "finalize": lambda rt, w, row, body: negotiation_flow.finalize(rt, w, row),
    "terminate": lambda rt, w, row, body: negotiation_flow.terminate(rt, w, row, body.reason),
}


@router.post("/negotiations/{pid}/{action}")
async def negotiation_action(pid: str, action: str, body: NegotiationAction, request: Request) -> Response:
    runtime = runtime_of(request)
    if action not in NEGOTIATION_ACTIONS:
        return JSONResponse({"error": f"action: unknown {action!r}"}, status_code=404)
    try:
        with runtime.work() as work:
            row = negotiation_flow.load(work, pid)
            NEGOTIATION_ACTIONS[action](runtime, work, row, body)
            return JSONResponse(negotiation_flow.summary(row))
    except ProtocolError as error:
        return _error(error)


@router.post("/transfers", status_code=201)
async def start_transfer(body: TransferStart, request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        with runtime.work() as work:
            row = transfer_flow.request(runtime, work, body.agreement_id, body.auto)
            return JSONResponse(transfer_flow.summary(row), status_code=201)
    except ProtocolError as error:
        return _error(error)


@router.get("/transfers/{pid}")
async def transfer(pid: str, request: Request, wait_for: str | None = None, timeout: float = 10.0) -> Response:
    return await _current_state(runtime_of(request), pid, TransferRow, transfer_flow, wait_for, min(timeout, 600.0))


async def _current_state(
    runtime: Any, pid: str, row_type: type, flow: Any, wait_for: str | None, timeout: float, status: int = 200
) -> Response:
    """A process's summary, after waiting (up to `timeout` s) until its state is one of `wait_for` if given."""
    try:
        if wait_for:
            wanted = set(wait_for.split(","))
            await runtime.wait(pid, lambda: runtime.state_of(row_type, pid) in wanted, timeout)
        with runtime.reading() as work:
            return JSONResponse(flow.summary(flow.load(work, pid)), status_code=status)
    except ProtocolError as error:
        return _error(error)


TRANSFER_ACTIONS = {
    "start": TransferStep.START, "suspend": TransferStep.SUSPEND, "complete": TransferStep.COMPLETE,
    "terminate": TransferStep.TERMINATE,
}


@router.post("/transfers/{pid}/pull")
async def pull_now(pid: str, request: Request) -> dict:
    """Pull a started transfer that was requested with `auto: false`."""
    request.app.state.start_pull(pid)
    return {"pulling": pid}


@router.post("/transfers/{pid}/{action}")
async def transfer_action(pid: str, action: str, request: Request) -> Response:
    runtime = runtime_of(request)
    if action not in TRANSFER_ACTIONS:
        return JSONResponse({"error": f"action: unknown {action!r}"}, status_code=404)
    try:
        with runtime.work() as work:
            row = transfer_flow.load(work, pid)
            transfer_flow.act(runtime, work, row, TRANSFER_ACTIONS[action], f"{action} by the operator")
            return JSONResponse(transfer_flow.summary(row))
    except ProtocolError as error:
        return _error(error)


@router.get("/received/{asset_id}/content")
async def received_content(asset_id: str, request: Request, purpose: str | None = None,
                           now: datetime | None = None) -> Response:
    runtime = runtime_of(request)
    try:
        moment = now or datetime.now(UTC)
        path = received_assets.use(runtime, asset_id, purpose, moment)
        return StreamingResponse(received_assets.plaintext(runtime, asset_id, path),
                                 media_type="application/octet-stream")
    except ProtocolError as error:
        return _error(error)


@router.post("/received/{asset_id}/share")
async def share(asset_id: str, request: Request, now: datetime | None = None) -> Response:
    """Onward transfer: re-offer a received asset; refused unless the agreement permits `distribute`."""
    runtime = runtime_of(request)
    try:
        path = received_assets.use(runtime, asset_id, None, now or datetime.now(UTC), action="distribute")
        return JSONResponse({"shared": asset_id, "sealed_path": str(path)})
    except ProtocolError as error:
        return _error(error)


@router.get("/received/{asset_id}/log")
async def received_log(asset_id: str, request: Request) -> list[dict]:
    return received_assets.usage_log(runtime_of(request), asset_id)


@router.post("/sweep")
async def sweep(request: Request, now: datetime | None = None) -> dict:
    """Delete expired received assets; `now` lets a test move the clock."""
    deleted, forgotten = maintenance.run_once(runtime_of(request), now or datetime.now(UTC))
    return {"deleted": deleted, "forgotten_token_ids": forgotten}


@router.get("/audit")
async def audit_report(request: Request) -> dict:
    runtime = runtime_of(request)
    with runtime.work() as work:
        rows = work.session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
        report = audit.verify((to_entry(row) for row in rows), runtime.identity.own.keys)
    return {"entries": report.entries, "ok": report.ok, "problems": report.problems}


@router.get("/counts")
async def counts(request: Request) -> dict:
    """How many rows each connector table holds (tests check that a refused request stored nothing)."""
    runtime = runtime_of(request)
    tables = {"negotiations": NegotiationRow, "transfers": TransferRow, "audit": AuditRow, "inbox": InboxRow,
              "used_tokens": UsedTokenRow, "outbox": OutboxRow}
    with runtime.work() as work:
        return {name: work.session.scalar(select(func.count()).select_from(table)) for name, table in tables.items()}


@router.get("/outbox")
async def outbox(request: Request) -> dict:
    runtime = runtime_of(request)
    with runtime.work() as work:
        pending = work.session.scalar(select(func.count()).where(OutboxRow.delivered_at.is_(None),
                                                                 OutboxRow.next_attempt_at.is_not(None)))
        failed = work.session.scalar(select(func.count()).where(OutboxRow.delivered_at.is_(None),
                                                                OutboxRow.next_attempt_at.is_(None)))
        delivered = work.session.scalar(select(func.count()).where(OutboxRow.delivered_at.is_not(None)))
        receipts = work.session.scalar(select(func.count()).where(OutboxRow.receipt.is_not(None)))
    return {"pending": pending, "failed": failed, "delivered": delivered, "receipts": receipts}
