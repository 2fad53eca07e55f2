"""The node's FastAPI app: DSP endpoints, the data plane and the management API, with the outbox and trust workers."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from http import HTTPStatus

import httpx
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fabnet.exchange.outbox import RetryPolicy
from fabnet.service import (
    access,
    data_plane,
    dsp_io,
    dsp_openapi,
    maintenance,
    routes_auth,
    routes_catalog,
    routes_data,
    routes_manage,
    routes_market,
    routes_negotiation,
    routes_transfer,
    routes_version,
    trust_sync,
    users,
    web_routes,
)
from fabnet.service.api_routers import API_MODULES
from fabnet.service.node_config import NodeConfig
from fabnet.service.node_runtime import NodeRuntime
from fabnet.service.outbox_worker import OutboxWorker

log = logging.getLogger("fabnet.node")

DSP_PREFIXES = (("/catalog/", dsp_io.Family.CATALOG), ("/negotiations/", dsp_io.Family.NEGOTIATION),
                ("/transfers/", dsp_io.Family.TRANSFER))


def create_node_app(config: NodeConfig) -> FastAPI:
    """A node app for `config`; the database is opened and migrated here, the workers start with the app."""
    runtime = NodeRuntime(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.outbox_wake = asyncio.Event()
        limits = httpx.Limits(max_connections=config.delivery_concurrency * 2,
                              max_keepalive_connections=config.delivery_concurrency)
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=60.0), limits=limits) as client:
            app.state.http = client
            pulls: set[asyncio.Task] = set()

            def start_pull(pid: str) -> None:
                task = asyncio.create_task(data_plane.pull(runtime, pid))
                pulls.add(task)
                task.add_done_callback(pulls.discard)

            app.state.start_pull = start_pull
            if users.active_user_count(runtime.store) == 0:
                log.warning("no users yet: run `fabnet node user add NAME --role admin` to administer this node")
            await trust_sync.refresh(runtime, client)
            for pid in data_plane.interrupted_pulls(runtime):
                start_pull(pid)
            worker = OutboxWorker(runtime, RetryPolicy(max_delay=timedelta(seconds=config.retry_max_delay_s)))
            tasks = [asyncio.create_task(worker.run()), asyncio.create_task(trust_sync.keep_fresh(runtime, client)),
                     asyncio.create_task(maintenance.keep_tidy(runtime))]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                runtime.store.close()

    app = FastAPI(title="fabnet node", version="2025-1", lifespan=lifespan)
    app.state.runtime = runtime
    access.install(app)
    routers = (
        routes_version,
        routes_catalog,
        routes_negotiation,
        routes_transfer,
        routes_data,
        routes_manage,
        routes_auth,
        routes_market,
        web_routes,
        *API_MODULES,
    )
    for module in routers:
        app.include_router(module.router)
    dsp_openapi.install(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        # a path no route matches still answers in its API's error shape: the DSP error body, or the JSON API's `error`
        family = next((family for prefix, family in DSP_PREFIXES if request.url.path.startswith(prefix)), None)
        if family is None and request.url.path.startswith("/api/"):
            return JSONResponse({"error": f"{request.method} {request.url.path}: {error.detail}"},
                                status_code=error.status_code, headers=getattr(error, "headers", None))
        if family is None:
            return await http_exception_handler(request, error)
        code = HTTPStatus(error.status_code).phrase.lower().replace(" ", "-")
        return dsp_io.error_response(family, error.status_code, code, [str(error.detail)])

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg')}"}, status_code=422)

    return app
