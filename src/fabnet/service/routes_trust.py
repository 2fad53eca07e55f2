"""The hub's trust anchor endpoints: its public key, the trust list and the revocation list (signed JWTs)."""

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

router = APIRouter(prefix="/trust", tags=["trust"])
JWT_MEDIA_TYPE = "application/jwt"


@router.get("/anchor")
async def anchor(request: Request) -> dict:
    registry = request.app.state.registry
    return {"hub_id": registry.config.hub_id, "public_jwk": registry.anchor.public_jwk}


@router.get("/list", response_class=PlainTextResponse)
async def trust_list(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.app.state.registry.trust_list(), media_type=JWT_MEDIA_TYPE)


@router.get("/revocations", response_class=PlainTextResponse)
async def revocations(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.app.state.registry.revocation_list(), media_type=JWT_MEDIA_TYPE)


@router.get("/members")
async def members(request: Request) -> dict:
    return {"members": sorted(request.app.state.registry.members())}
