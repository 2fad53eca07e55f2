"""The hub's FastAPI app: trust anchor routes and the JSON API (members, catalog, programme, KPIs, map, flows)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fabnet.service import routes_hub_catalog, routes_hub_members, routes_hub_network, routes_trust, web_routes
from fabnet.service.hub_api_state import HubState
from fabnet.service.hub_config import HubConfig


def create_hub_app(config: HubConfig) -> FastAPI:
    """A hub app for `config`; the database is opened (and migrated) and the catalog indexed here."""
    state = HubState.open(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.close()

    app = FastAPI(title="fabnet hub", version="1", lifespan=lifespan,
                  description="Member registry and trust anchor, capability catalog, network figures.")
    app.state.hub = state
    app.state.registry = state.registry
    app.state.config = config
    for module in (routes_trust, routes_hub_members, routes_hub_catalog, routes_hub_network):
        app.include_router(module.router)
    app.include_router(web_routes.hub_router)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid"}
        # the first part says where (body, query, path); the field is what the caller needs to see
        location = [str(part) for part in first.get("loc", ())][1:]
        reason = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        return JSONResponse({"error": f"{'.'.join(location) or 'body'}: {reason}"}, status_code=422)

    return app
