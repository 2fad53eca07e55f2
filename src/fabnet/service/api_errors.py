"""Errors of the node's JSON API: a 4xx `{"error": "..."}` naming the problem, raised anywhere in a handler."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from fabnet.billing.errors import BillingError
from fabnet.store.errors import StoreError


class ApiError(Exception):
    """A request the node refuses: the HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


def invalid(message: str) -> ApiError:
    return ApiError(422, message)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {"application/json": {"example": {"error": text}}}}
    for status, text in ((404, "unknown id"), (409, "not possible in the current state"), (422, "invalid input"))
}
"""What the OpenAPI document lists for every route of the API besides its success response."""


class ErrorRoute(APIRoute):
    """Turns ApiError (and the store's and billing's one-line errors) into the JSON error body.

    A route class rather than app-wide exception handlers: the API's routers carry their error handling with them.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as error:
                return JSONResponse({"error": error.message}, status_code=error.status)
            except (StoreError, BillingError) as error:
                return JSONResponse({"error": str(error)}, status_code=409)

        return handle
