"""The marketplace on a node: answer peers' requests for quotation (`POST /api/v1/rfq`) and send them (`/manage/rfq`).

An RFQ is authenticated like a DSP request, with the sender's self-issued token (a member of the hub, not a user
login), and answered from this node's own records: its machines, its open orders (the scheduler's backlog), its
price list; `fabnet.network.members` does the quoting, with the twin's P90 as the promised completion. The
management endpoint lets the node's operator (or the demo) send an RFQ to a peer signed with this node's key.
"""

import logging
from typing import TypeVar

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fabnet.domain.errors import describe
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.tokens import AuthError, issue_token
from fabnet.network.members import InProcessQuoteProvider
from fabnet.network.quotes import MemberQuote, RequestForQuotation
from fabnet.service import peer_client
from fabnet.service.api_errors import ApiError
from fabnet.service.api_records import stored_network
from fabnet.service.dsp_io import authenticate, check_replay
from fabnet.service.node_deps import runtime_of
from fabnet.service.node_runtime import NodeRuntime, now_utc
from fabnet.service.routes_manage import loopback_only
from fabnet.store.billing_tables import BillingRepository

log = logging.getLogger("fabnet.node.market")

RFQ_PATH = "/api/v1/rfq"
PEER_TIMEOUT_S = 120.0
"""How long a peer may take to quote (a node that is down refuses the connection at once)."""
PROMISE_REPLICATIONS = 10
"""Twin replications behind a promise: the promised completion is their P90 (never earlier than the plan)."""

router = APIRouter(tags=["marketplace"])


class OutgoingQuoteRequest(BaseModel):
    """What the operator asks this node to send: the RFQ and the peer's DSP endpoint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    peer_url: str = Field(min_length=1)
    request: RequestForQuotation


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


Body = TypeVar("Body", bound=BaseModel)


async def _body(request: Request, model: type[Body]) -> Body:
    try:
        return model.model_validate(await request.json())
    except ValidationError as error:
        raise ValueError(describe(error, "rfq")) from None
    except ValueError:
        raise ValueError("body: not JSON") from None


@router.post(RFQ_PATH)
async def answer_rfq(request: Request) -> Response:
    """A quote (offered or declined) for the RFQ, from this node's own machines, backlog and price list."""
    runtime = runtime_of(request)
    try:
        claims = authenticate(runtime, request)
        with runtime.work() as work:
            check_replay(work, claims)
    except AuthError as error:
        log.warning("refused RFQ: %s %s", error.status, error.reason)
        return _error(error.status, error.reason)
    try:
        rfq = await _body(request, RequestForQuotation)
    except ValueError as error:
        return _error(422, str(error))
    # planning, dispatching and the twin take a moment: off the event loop, which the connector's workers share
    try:
        quote = await run_in_threadpool(quote_from_store, runtime, rfq)
    except ApiError as error:
        return _error(error.status, error.message)
    return JSONResponse(quote.model_dump(mode="json"))


def quote_from_store(runtime: NodeRuntime, rfq: RequestForQuotation) -> MemberQuote:
    """The quote of this node's company from its stored machines, orders and price list; ApiError 409 before an
    import, 404 when the RFQ is addressed to another company."""
    with runtime.store.transaction() as uow:
        network, own = stored_network(uow)
        prices = BillingRepository(uow.session).price_list(own)
    if rfq.member_id != own:
        raise ApiError(404, f"member_id: this node runs company {own!r}, not {rfq.member_id!r}")
    provider = InProcessQuoteProvider(network, price_lists={own: prices} if prices else None,
                                      twin_replications=PROMISE_REPLICATIONS)
    return provider.quote(rfq)


@router.post("/manage/rfq", dependencies=[Depends(loopback_only)])
async def send_rfq(request: Request) -> Response:
    """Send an RFQ to a peer, signed with this node's key; the peer's quote, or 502 when the peer does not answer."""
    runtime = runtime_of(request)
    try:
        body = await _body(request, OutgoingQuoteRequest)
    except ValueError as error:
        return _error(422, str(error))
    try:
        member = peer_client.peer_member(runtime, body.peer_url)
    except ProtocolError as error:
        return _error(error.status, error.reason)
    message = body.request.model_dump(mode="json")
    token = issue_token(runtime.identity.keys, runtime.member_id, member.credential.member_id, now_utc())
    headers = {"Authorization": f"Bearer {token}"}
    try:
        answer = await request.app.state.http.post(body.peer_url.rstrip("/") + RFQ_PATH, json=message,
                                                   headers=headers, timeout=PEER_TIMEOUT_S)
    except httpx.HTTPError as error:
        return JSONResponse({"error": f"peer {body.peer_url} did not answer: {type(error).__name__}",
                             "unavailable": True}, status_code=502)
    if answer.status_code != 200:
        return JSONResponse({"error": f"peer answered {answer.status_code}: {answer.text[:200]}",
                             "unavailable": answer.status_code >= 500}, status_code=502)
    try:
        quote = MemberQuote.model_validate(answer.json())
    except (ValidationError, ValueError) as error:
        return JSONResponse({"error": f"peer's quote is not valid: {error}", "unavailable": False}, status_code=502)
    return JSONResponse(quote.model_dump(mode="json"))
