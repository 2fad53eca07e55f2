"""The node's FastAPI app: DSP endpoints, the data plane and the management API, with the outbox and trust workers."""

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from http import HTTPStatus

import httpx
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fabnet.exchange.outbox import RetryPolicy
from fabnet.service import (
    access,
    data_plane,
    dsp_io,
    dsp_openapi,
    maintenance,
    node_telemetry,
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


Express = Callable[[Request], Awaitable[Response | None]]
"""An endpoint's own parsing for the common case of a request; None leaves the request to FastAPI."""


async def _whole_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands out `body` (already read) once, then whatever the connection sends next."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


EXPRESS_MAX_BODY = 64 << 10
"""The largest body an express call reads itself; a larger one (or one of unknown length) goes to FastAPI."""


def is_small_and_local(scope: Scope) -> bool:
    """A loopback client with a declared, small body: only then is the body read before anything else is checked."""
    client = scope.get("client")
    if not client or client[0] not in routes_manage.LOOPBACK:
        return False
    length = next((value for name, value in scope.get("headers", ()) if name == b"content-length"), None)
    return length is not None and length.isdigit() and int(length) <= EXPRESS_MAX_BODY


def is_plain(route: APIRoute) -> bool:
    """Whether FastAPI does nothing for `route` but match its path: no dependencies, no body, query or header
    parameters, only string path parameters and the request, and an endpoint that returns its own Response."""
    dependant = route.dependant
    return (not dependant.dependencies and not dependant.query_params and not dependant.header_params
            and not dependant.cookie_params and not dependant.body_params and dependant.request_param_name is not None
            and all(isinstance(convertor, StringConvertor) for convertor in route.param_convertors.values())
            and inspect.iscoroutinefunction(route.endpoint))


class PlainRoutes:
    """ASGI middleware: a request for a plain route (`is_plain`) goes straight to its endpoint.

    FastAPI's routing and dependency solving cost several times what a DSP handler's own Python does (the node
    has some hundred routes); the DSP message endpoints read the raw request themselves, so nothing is lost.
    `routes` are the routes of the first routers the app includes, in order: the first one that matches a
    request's path and method is the one FastAPI would pick too (tests/exchange/test_plain_routes.py checks that
    both answer alike). A match on a route that is not plain, or no match, goes on to FastAPI. `express` maps
    (method, path) of a few management calls to their own parsing, which hands back to FastAPI what it does not
    take (e.g. a body FastAPI refuses with its own message).
    """

    def __init__(self, app: ASGIApp, routes: Sequence[APIRoute], prefixes: tuple[str, ...],
                 express: Mapping[tuple[str, str], Express]) -> None:
        self.app = app
        self.prefixes = prefixes
        self.routes = [(route, is_plain(route)) for route in routes]
        self.express = express

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):  # behind a path prefix: FastAPI's routing
            path = scope["path"]
            express = self.express.get((scope["method"], path))
            if express is not None and is_small_and_local(scope):
                body = await _whole_body(receive)
                response = await express(Request(scope, _replay(body, receive)))
                if response is None:
                    await self.app(scope, _replay(body, receive), send)
                else:
                    await response(scope, receive, send)
                return
            if path.startswith(self.prefixes):
                method = scope["method"]
                for route, plain in self.routes:
                    match = route.path_regex.match(path)
                    if match is None or method not in route.methods:
                        continue
                    if not plain:
                        break
                    scope["path_params"] = parameters = match.groupdict()
                    scope["route"] = route
                    request = Request(scope, receive)
                    response = await route.endpoint(**parameters, **{route.dependant.request_param_name: request})
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def create_node_app(config: NodeConfig, plain_routes: bool = True) -> FastAPI:
    """A node app for `config`; the database is opened and migrated here, the workers start with the app.
    `plain_routes` False leaves every request to FastAPI's routing (tests compare the two)."""
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
            telemetry = app.state.telemetry = node_telemetry.NodeTelemetry(runtime)
            if telemetry.enabled:  # the machines' MQTT telemetry into the live quality monitor
                tasks.append(asyncio.create_task(telemetry.run()))
            runtime.keep_connection()
            try:
                yield
            finally:
                await telemetry.stop()
                for task in tasks:
                    task.cancel()
                runtime.close()
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
        node_telemetry,
    )
    for module in routers:
        app.include_router(module.router)
    dsp_openapi.install(app)
    if plain_routes:
        # the DSP message routers: only the openapi/docs routes come before them, and match none of their paths
        first = [route for module in routers[:4] for route in module.router.routes if isinstance(route, APIRoute)]
        app.add_middleware(PlainRoutes, routes=first, prefixes=("/negotiations/", "/transfers/", "/catalog/"),
                           express=routes_manage.EXPRESS)

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
