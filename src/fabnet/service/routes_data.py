"""`GET /data/{providerPid}`: the provider's pull endpoint, serving a started transfer as a sealed stream."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.negotiation import Role
from fabnet.exchange.tokens import AuthError
from fabnet.exchange.transfer import TransferState
from fabnet.service import data_plane, transfer_flow
from fabnet.service.dsp_io import Family, authenticate, check_replay, error_response
from fabnet.service.node_deps import runtime_of
from fabnet.store.exchange_tables import NegotiationRow

router = APIRouter(tags=["data plane"])


@router.get("/data/{pid}")
async def pull(pid: str, request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        claims = authenticate(runtime, request)
        with runtime.work() as work:
            check_replay(work, claims)
            row = transfer_flow.load(work, pid, claims.issuer)
            if row.role != Role.PROVIDER or not row.data_token:
                raise ProtocolError(404, "not-found", f"no data for transfer {pid}")
            if request.headers.get(data_plane.DATA_TOKEN_HEADER) != row.data_token:
                raise AuthError(403, "data token does not match the transfer")
            if row.state != TransferState.STARTED:
                raise ProtocolError(409, "not-started", f"transfer is {row.state}")
            negotiation = work.session.query(NegotiationRow).filter_by(agreement_id=row.agreement_id).one()
            asset = runtime.asset(work.session, negotiation.dataset_id)
            if asset is not None and row.size is None:  # what was served, for the provider's contracts page
                row.size = Path(asset.path).stat().st_size if Path(asset.path).is_file() else None
        if asset is None:
            raise ProtocolError(410, "gone", "the asset is no longer offered")
        stream = data_plane.provider_stream(runtime, asset, claims.member.keys, pid)
        return StreamingResponse(stream, media_type="application/octet-stream")
    except AuthError as error:
        return error_response(Family.TRANSFER, error.status, "unauthorized", [error.reason])
    except ProtocolError as error:
        return error_response(Family.TRANSFER, error.status, error.code, [error.reason])
