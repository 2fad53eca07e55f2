"""`GET /.well-known/dspace-version`: the protocol versions and paths this node speaks."""

from fastapi import APIRouter

from fabnet.exchange import messages

router = APIRouter(tags=["dsp"])


@router.get("/.well-known/dspace-version")
async def dspace_version() -> dict:
    return messages.version_response("/")
