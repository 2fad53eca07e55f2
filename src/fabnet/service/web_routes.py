"""The web dashboards: the packaged single-page apps at `/` (node or hub) and their static assets under `/web/`."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).parent / "web"
ASSETS_PATH = "/web"
# the pages load and talk to this origin only: no CDN, no external font, no framing by other sites
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data: blob:",
    "style-src 'self' 'unsafe-inline'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'",
))


class DashboardAssets(StaticFiles):
    """The assets, revalidated on every load (ETag → 304), so a new release is never hidden behind a stale cache."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _dashboard_router(page: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    index = WEB_DIR / page / "index.html"

    @router.get("/")
    async def dashboard() -> FileResponse:
        return FileResponse(index, media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY})

    router.mount(ASSETS_PATH, DashboardAssets(directory=WEB_DIR), name=f"{page}-assets")
    return router


router = _dashboard_router("node")
hub_router = _dashboard_router("hub")
