"""DSP transfer process, HTTPS binding: provider endpoints and consumer callbacks on one node."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.tokens import AuthError
from fabnet.service import transfer_flow as flow
from fabnet.service.dsp_io import Family, authenticate, check_replay, error_response, handle, protocol_error_response
from fabnet.service.node_deps import runtime_of

router = APIRouter(tags=["dsp transfer"])
F = Family.TRANSFER
MESSAGE_OF_PATH = {
    "start": "TransferStartMessage",
    "completion": "TransferCompletionMessage",
    "suspension": "TransferSuspensionMessage",
    "termination": "TransferTerminationMessage",
}


@router.post("/transfers/request", status_code=201)
async def transfer_request(request: Request) -> Response:
    runtime = runtime_of(request)
    return await handle(runtime, request, F, "TransferRequestMessage",
                        lambda work, inbound: flow.receive_request(runtime, work, inbound))


def _on(path_step: str):  # type: ignore[no-untyped-def]
    async def endpoint(pid: str, request: Request) -> Response:
        runtime = runtime_of(request)
        return await handle(
            runtime, request, F, MESSAGE_OF_PATH[path_step],
            lambda work, inbound: flow.receive(runtime, work, inbound, pid, path_step, request.app.state.start_pull),
        )

    return endpoint


for _step in MESSAGE_OF_PATH:
    router.add_api_route(f"/transfers/{{pid}}/{_step}", _on(_step), methods=["POST"])


@router.get("/transfers/{pid}")
async def get_transfer(pid: str, request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        claims = authenticate(runtime, request)
        with runtime.work() as work:
            check_replay(work, claims)
            return JSONResponse(flow.view(flow.load(work, pid, claims.issuer)))
    except AuthError as error:
        return error_response(F, error.status, "unauthorized", [error.reason])
    except ProtocolError as error:
        return protocol_error_response(F, error)
