"""DSP contract negotiation, HTTPS binding: provider endpoints and consumer callbacks on one node.

Provider and consumer paths share a shape (`/negotiations/{pid}/events`, `/termination`); the pid in the path
is always this node's own process id, so the stored process says which role the message is for.
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.tokens import AuthError
from fabnet.service import negotiation_flow as flow
from fabnet.service.dsp_io import Family, authenticate, check_replay, error_response, handle, protocol_error_response
from fabnet.service.node_deps import runtime_of

router = APIRouter(tags=["dsp negotiation"])
F = Family.NEGOTIATION


@router.post("/negotiations/request", status_code=201)
async def initial_request(request: Request) -> Response:
    runtime = runtime_of(request)
    return await handle(runtime, request, F, "ContractRequestMessage",
                        lambda work, inbound: flow.receive_initial_request(runtime, work, inbound))


@router.post("/negotiations/offers", status_code=201)
async def initial_offer(request: Request) -> Response:
    # fabnet consumers do not take provider-initiated negotiations; the spec lets a consumer refuse them
    return error_response(F, 400, "not-supported", ["this node does not accept provider-initiated offers"])


def _on(message_type: str | tuple[str, ...]):  # type: ignore[no-untyped-def]
    async def endpoint(pid: str, request: Request) -> Response:
        runtime = runtime_of(request)
        return await handle(runtime, request, F, message_type,
                            lambda work, inbound: flow.receive(runtime, work, inbound, pid))

    return endpoint


router.add_api_route("/negotiations/{pid}/request", _on("ContractRequestMessage"), methods=["POST"])
router.add_api_route("/negotiations/{pid}/offers", _on("ContractOfferMessage"), methods=["POST"])
router.add_api_route("/negotiations/{pid}/agreement", _on("ContractAgreementMessage"), methods=["POST"])
router.add_api_route("/negotiations/{pid}/agreement/verification", _on("ContractAgreementVerificationMessage"),
                     methods=["POST"])
router.add_api_route("/negotiations/{pid}/events", _on("ContractNegotiationEventMessage"), methods=["POST"])
router.add_api_route("/negotiations/{pid}/termination", _on("ContractNegotiationTerminationMessage"),
                     methods=["POST"])


@router.get("/negotiations/{pid}")
async def get_negotiation(pid: str, request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        claims = authenticate(runtime, request)
        with runtime.work() as work:
            check_replay(work, claims)
            row = flow.load(work, pid, claims.issuer)
            return JSONResponse(flow.view(row))
    except AuthError as error:
        return error_response(F, error.status, "unauthorized", [error.reason])
    except ProtocolError as error:
        return protocol_error_response(F, error)
