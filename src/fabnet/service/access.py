"""Who is calling: FastAPI dependencies `reader` (any user) and `require(*roles)` for the node's HTTP API.

Credentials are an `Authorization: Bearer <token>` header (API tokens) or the `fabnet_session` cookie set by
login. Missing, invalid or expired credentials answer 401, a role without the right 403, both as
`{"error": "..."}` — once `install(app)` has registered the handler (node_app does).
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from fabnet.domain.access import Principal, Role
from fabnet.service import users
from fabnet.store import Store

__all__ = ["SESSION_COOKIE", "AccessDenied", "Principal", "Role", "install", "optional_reader", "reader", "require"]

SESSION_COOKIE = "fabnet_session"

_BEARER = HTTPBearer(auto_error=False, description="an API token (fbn_...) from `fabnet node token` or login")
_COOKIE = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="the session cookie set by login")
"""Declared so that OpenAPI (/docs) shows both ways in; `presented_token` does the actual reading."""


class AccessDenied(HTTPException):
    """401 (who are you?) or 403 (not with that role), answered as `{"error": message}`."""

    def __init__(self, status_code: int, message: str) -> None:
        challenge = {"WWW-Authenticate": 'Bearer realm="fabnet"'} if status_code == 401 else None
        super().__init__(status_code, message, headers=challenge)
        self.message = message


async def _access_denied(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AccessDenied)
    return JSONResponse({"error": error.message}, status_code=error.status_code, headers=error.headers)


def install(app: FastAPI) -> None:
    """Answer AccessDenied as JSON `{"error": ...}` in `app`."""
    app.add_exception_handler(AccessDenied, _access_denied)


def store_of(request: Request) -> Store:
    return request.app.state.runtime.store


def clock_of(request: Request) -> datetime:
    """Now, or the app's own clock (`app.state.clock`) when a test set one."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def presented_token(request: Request) -> str | None:
    """The bearer token, else the session cookie, else None; AccessDenied for a malformed Authorization header."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AccessDenied(401, "Authorization: expected 'Bearer <token>'")
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


async def reader(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None,
    _cookie: Annotated[str | None, Depends(_COOKIE)] = None,
) -> Principal:
    """Any authenticated user (every role may read)."""
    token = presented_token(request)
    if token is None:
        raise AccessDenied(401, "authentication required: send 'Authorization: Bearer <token>' or log in")
    try:
        principal = users.verify(store_of(request), token, clock_of(request))
    except users.CredentialsRejected as error:
        raise AccessDenied(401, str(error)) from None
    request.state.principal = principal
    return principal


async def optional_reader(request: Request) -> Principal | None:
    """The caller if valid credentials came with the request, else None (for pages that show a login form)."""
    try:
        return await reader(request)
    except AccessDenied:
        return None


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers with one of `roles` (admin always): `Depends(require(Role.PLANNER))`."""
    needed = " or ".join(role.value for role in roles if role is not Role.ADMIN) or Role.ADMIN.value

    async def check_role(request: Request, principal: Annotated[Principal, Depends(reader)]) -> Principal:
        if not principal.may(roles):
            raise AccessDenied(
                403, f"role '{principal.role}' may not {request.method} {request.url.path} (needs {needed})")
        return principal

    return check_role
