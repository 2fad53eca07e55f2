"""Login, logout, API tokens and user administration: /api/v1/auth/* and /api/v1/users."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from fabnet.domain.access import MAX_PASSWORD_LENGTH, Principal, Role
from fabnet.service import users
from fabnet.service.access import SESSION_COOKIE, AccessDenied, clock_of, presented_token, reader, require, store_of

router = APIRouter(prefix="/api/v1", tags=["access"])

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Reader = Annotated[Principal, Depends(reader)]


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class TokenRequest(BaseModel):
    name: str = Field(default="api", min_length=1, max_length=120)
    expires_in_days: float | None = Field(default=90, gt=0, le=3650, description="null: valid until revoked")
    username: str | None = Field(default=None, description="whose token (admin only); default: the caller")


class NewUser(BaseModel):
    username: str
    role: Role
    password: str | None = Field(default=None, description="omit for an account that uses API tokens only")


class UserChange(BaseModel):
    role: Role | None = None
    password: str | None = None


def _user_json(user: users.UserInfo) -> dict:
    return {"username": user.username, "role": user.role.value, "created_at": user.created_at.isoformat(),
            "disabled_at": user.disabled_at.isoformat() if user.disabled_at else None, "active": user.active,
            "has_password": user.has_password}


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _token_json(token: users.TokenInfo) -> dict:
    moment = _moment
    return {"id": token.id, "name": token.name, "owner": token.owner, "kind": token.kind,
            "created_at": moment(token.created_at), "expires_at": moment(token.expires_at),
            "last_used_at": moment(token.last_used_at), "revoked_at": moment(token.revoked_at)}


def _error(error: users.UserError) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=error.status)


def _throttle(request: Request) -> users.StoredLoginThrottle:
    """The node's throttle (a test may set `app.state.login_throttle`); its counts live in the node's database."""
    return getattr(request.app.state, "login_throttle", users.LOGIN_THROTTLE)


@router.post("/auth/login")
async def login(body: Login, request: Request) -> Response:
    """A session for a username and password: the token in the body and as the HttpOnly `fabnet_session` cookie."""
    now = clock_of(request)
    throttle, store = _throttle(request), store_of(request)
    client = request.client.host if request.client else "-"
    wait = throttle.wait(store, client, body.username, now)
    if wait is not None:
        seconds = max(1, int(wait.total_seconds()))
        return JSONResponse({"error": f"too many failed logins for {body.username!r}; try again in {seconds} s"},
                            status_code=429, headers={"Retry-After": str(seconds)})
    try:
        session = users.login(store, body.username, body.password, now=now)
    except users.CredentialsRejected as error:
        throttle.failed(store, client, body.username, now)
        return JSONResponse({"error": str(error)}, status_code=401)
    throttle.succeeded(store, client, body.username)
    expires_at = session.expires_at
    response = JSONResponse({"token": session.token, "role": session.role.value, "username": session.owner,
                             "expires_at": expires_at.isoformat() if expires_at else None})
    response.set_cookie(SESSION_COOKIE, session.token, max_age=int(users.SESSION_TTL.total_seconds()),
                        httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/auth/logout")
async def logout(request: Request) -> Response:
    """Revoke the presented session or token and clear the cookie (also when the session has expired already)."""
    try:
        token = presented_token(request)
    except AccessDenied:
        token = None
    if token is not None:
        users.revoke_presented(store_of(request), token, now=clock_of(request))
    response = JSONResponse({"logged_out": token is not None})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/auth/me")
async def me(principal: Reader) -> dict:
    return {"username": principal.username, "role": principal.role.value}


@router.post("/auth/tokens", status_code=201)
async def new_token(body: TokenRequest, request: Request, principal: Reader) -> Response:
    """An API token for the caller, or (admin) for another user; the token text is shown only in this answer."""
    owner = body.username or principal.username
    if owner != principal.username and principal.role is not Role.ADMIN:
        raise AccessDenied(403, f"role '{principal.role}' may not issue tokens for other users (needs admin)")
    ttl = timedelta(days=body.expires_in_days) if body.expires_in_days is not None else None
    try:
        issued = users.issue(store_of(request), owner, ttl, name=body.name, now=clock_of(request))
    except users.UserError as error:
        return _error(error)
    return JSONResponse({"token": issued.token, "id": issued.token_id, "name": issued.name, "owner": issued.owner,
                         "expires_at": issued.expires_at.isoformat() if issued.expires_at else None},
                        status_code=201)


@router.get("/auth/tokens")
async def list_tokens(request: Request, principal: Reader) -> list[dict]:
    """The caller's tokens (an admin sees everyone's); never the secrets."""
    owner = None if principal.role is Role.ADMIN else principal.username
    return [_token_json(token) for token in users.tokens(store_of(request), owner)]


@router.delete("/auth/tokens/{token_id}")
async def revoke_token(token_id: str, request: Request, principal: Reader) -> Response:
    owner = None if principal.role is Role.ADMIN else principal.username
    try:
        return JSONResponse(_token_json(users.revoke(store_of(request), token_id, owner=owner,
                                                     now=clock_of(request))))
    except users.UserError as error:
        return _error(error)


@router.post("/auth/prune")
async def prune(request: Request, _admin: Admin) -> dict:
    """Delete ended sessions and tokens and stale failed logins now (the node also does it on its sweep schedule)."""
    pruned = users.prune(store_of(request), clock_of(request))
    return {"sessions": pruned.sessions, "tokens": pruned.tokens, "login_failures": pruned.login_failures}


@router.get("/users")
async def list_users(request: Request, _admin: Admin) -> list[dict]:
    return [_user_json(user) for user in users.users(store_of(request))]


@router.post("/users", status_code=201)
async def add_user(body: NewUser, request: Request, _admin: Admin) -> Response:
    try:
        user = users.add_user(store_of(request), body.username, body.role, body.password, now=clock_of(request))
    except users.UserError as error:
        return _error(error)
    return JSONResponse(_user_json(user), status_code=201)


@router.patch("/users/{username}")
async def change_user(username: str, body: UserChange, request: Request, _admin: Admin) -> Response:
    """Change a user's role and/or password."""
    try:
        user = users.change_user(store_of(request), username, role=body.role, password=body.password)
    except users.UserError as error:
        return _error(error)
    return JSONResponse(_user_json(user))


@router.delete("/users/{username}")
async def disable_user(username: str, request: Request, _admin: Admin) -> Response:
    """Disable a user and revoke its tokens (the row stays, for the record)."""
    try:
        return JSONResponse(_user_json(users.disable(store_of(request), username, now=clock_of(request))))
    except users.UserError as error:
        return _error(error)
