"""DSP catalog protocol: `POST /catalog/request`, `GET /catalog/datasets/{id}` (filtered by access policies)."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from fabnet.exchange import catalog
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.tokens import AuthError
from fabnet.service.dsp_io import Family, authenticate, check_replay, error_response, protocol_error_response
from fabnet.service.dsp_io import read_inbound as read
from fabnet.service.node_deps import runtime_of

router = APIRouter(tags=["dsp catalog"])


@router.post("/catalog/request")
async def catalog_request(request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        inbound = await read(runtime, request, "CatalogRequestMessage")
        with runtime.work() as work:
            check_replay(work, inbound.claims)
            hub = inbound.claims.member.credential.hub_id
            now = datetime.now(UTC)
            assets = [a for a in runtime.assets(work.session) if catalog.visible(a, inbound.sender, hub, now)]
        return JSONResponse(catalog.catalog(runtime.member_id, runtime.config.base_url, assets))
    except AuthError as error:
        return error_response(Family.CATALOG, error.status, "unauthorized", [error.reason])
    except ProtocolError as error:
        return protocol_error_response(Family.CATALOG, error)


@router.get("/catalog/datasets/{dataset_id:path}")
async def dataset(dataset_id: str, request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        claims = authenticate(runtime, request)
        with runtime.work() as work:
            check_replay(work, claims)
            asset = runtime.asset(work.session, dataset_id)
            shown = asset is not None and catalog.visible(asset, claims.issuer, claims.member.credential.hub_id,
                                                          datetime.now(UTC))
        if not shown or asset is None:
            return error_response(Family.CATALOG, 404, "not-found", [f"no dataset {dataset_id}"])
        return JSONResponse(catalog.dataset(asset, f"{runtime.member_id}:dsp", with_context=True))
    except AuthError as error:
        return error_response(Family.CATALOG, error.status, "unauthorized", [error.reason])
