"""Users, roles and tokens of a node: argon2 passwords, login and sessions, token expiry, revocation and pruning,
the login throttle shared by processes, the role matrix of the admin endpoints and of `require`, the CLI round trip,
real node processes and PostgreSQL."""

import asyncio
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from fabnet.cli import app as cli
from fabnet.domain.access import Principal, Role, parse_token
from fabnet.service import maintenance, users
from fabnet.service.access import SESSION_COOKIE, install, require
from fabnet.service.node_app import create_node_app
from fabnet.service.node_config import NodeConfig
from fabnet.service.node_runtime import open_node_store
from fabnet.service.testbed import Service, free_port, serve_command
from fabnet.store import Store
from fabnet.store.access_tables import LoginFailureRow, TokenRow, UserRow

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    """The node's clock in these tests: moved by hand, never by sleeping."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Node:
    client: TestClient
    store: Store
    clock: Clock
    tokens: dict[Role, str]


def _node(folder: Path) -> Iterator[Node]:
    app = create_node_app(NodeConfig(data_dir=folder, database_url=f"sqlite:///{folder / 'node.sqlite'}"))
    clock = Clock()
    app.state.clock = clock
    store = app.state.runtime.store
    tokens = {}
    for role in Role:
        # admin1 signs in with its token only: every argon2 hash costs the fixture real time
        users.add_user(store, f"{role.value}1", role, None if role is Role.ADMIN else PASSWORD, now=T0)
        tokens[role] = users.issue_token(store, f"{role.value}1", timedelta(days=30), now=T0)
    try:
        yield Node(TestClient(app), store, clock, tokens)
    finally:
        store.close()


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    yield from _node(tmp_path / "node")


@pytest.fixture(scope="module")
def shared_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One node for the hypothesis examples (state they create is named uniquely per example)."""
    yield from _node(tmp_path_factory.mktemp("matrix"))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_passwords_are_stored_as_argon2id_and_never_in_clear(node: Node) -> None:
    with node.store.transaction() as uow:
        stored = uow.session.get(UserRow, "planner1").password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert users.login(node.store, "planner1", PASSWORD).role is Role.PLANNER
    with pytest.raises(users.CredentialsRejected, match="username or password is wrong"):
        users.login(node.store, "planner1", PASSWORD + "!")


def test_only_a_hash_of_a_token_is_stored(node: Node) -> None:
    token = node.tokens[Role.VIEWER]
    parts = parse_token(token)
    assert parts is not None
    with node.store.transaction() as uow:
        row = uow.session.get(TokenRow, parts.token_id)
        assert row.secret_sha256 == parts.digest
        stored = [str(value) for value in uow.session.execute(select(TokenRow.__table__)).all()]
    assert all(parts.secret not in value for value in stored)


def test_login_sets_a_strict_http_only_cookie_that_authenticates(node: Node) -> None:
    answer = node.client.post("/api/v1/auth/login", json={"username": "operator1", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["role"] == "operator"
    assert datetime.fromisoformat(body["expires_at"]) == T0 + users.SESSION_TTL
    cookie = answer.headers["set-cookie"]
    assert f"{SESSION_COOKIE}={body['token']}" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    me = node.client.get("/api/v1/auth/me")
    assert me.json() == {"username": "operator1", "role": "operator"}


@pytest.mark.parametrize(("username", "password"), [("operator1", "wrong password!"), ("nobody", PASSWORD)])
def test_a_wrong_login_does_not_say_which_part_was_wrong(node: Node, username: str, password: str) -> None:
    answer = node.client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 401
    assert answer.json() == {"error": "username or password is wrong"}
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_repeated_failed_logins_are_refused_for_a_while(node: Node) -> None:
    wrong = {"username": "viewer1", "password": "not the password"}
    for _ in range(users.LOGIN_THROTTLE.max_failures):
        assert node.client.post("/api/v1/auth/login", json=wrong).status_code == 401
    right = {"username": "viewer1", "password": PASSWORD}
    refused = node.client.post("/api/v1/auth/login", json=right)
    assert refused.status_code == 429
    assert "too many failed logins for 'viewer1'" in refused.json()["error"]
    assert int(refused.headers["retry-after"]) == int(users.LOGIN_THROTTLE.window.total_seconds())
    assert node.client.post("/api/v1/auth/login", json={**right, "username": "planner1"}).status_code == 200
    node.clock.now = T0 + users.LOGIN_THROTTLE.window
    assert node.client.post("/api/v1/auth/login", json=right).status_code == 200
    with node.store.engine.connect() as connection:  # a success forgets that client's failures for that user
        assert connection.execute(select(func.count()).select_from(LoginFailureRow)).scalar_one() == 0


def _token_ids(store: Store) -> set[str]:
    return {token.id for token in users.tokens(store)}


def test_ended_sessions_and_tokens_are_pruned_and_live_ones_stay(node: Node) -> None:
    """The fake clock moves past expiry: until pruned an ended credential is refused by name, afterwards it is gone;
    live sessions and tokens, and a token without expiry, are never touched."""
    admin = bearer(node.tokens[Role.ADMIN])
    ended_session = users.login(node.store, "viewer1", PASSWORD, now=T0)
    logged_out = users.login(node.store, "operator1", PASSWORD, now=T0)
    users.revoke_presented(node.store, logged_out.token, now=T0 + timedelta(hours=1))
    short = users.issue(node.store, "planner1", timedelta(days=1), name="short", now=T0)
    forever = users.issue(node.store, "planner1", None, name="forever", now=T0)
    node.clock.now = T0 + users.SESSION_TTL + users.SESSION_KEPT - timedelta(seconds=1)
    live_session = users.login(node.store, "planner1", PASSWORD, now=node.clock.now)
    refused = node.client.get("/api/v1/auth/me", headers=bearer(ended_session.token))
    assert refused.status_code == 401
    assert refused.json() == {"error": f"session: expired at {(T0 + users.SESSION_TTL).isoformat()}; log in again"}
    pruned = node.client.post("/api/v1/auth/prune", headers=admin)
    assert pruned.status_code == 200, pruned.text
    assert pruned.json() == {"sessions": 1, "tokens": 0, "login_failures": 0}  # the logged-out one ended earlier
    assert logged_out.token_id not in _token_ids(node.store)
    node.clock.now = T0 + users.SESSION_TTL + users.SESSION_KEPT
    assert node.client.post("/api/v1/auth/prune", headers=admin).json()["sessions"] == 1
    left = _token_ids(node.store)
    assert ended_session.token_id not in left and {live_session.token_id, short.token_id, forever.token_id} <= left
    gone = node.client.get("/api/v1/auth/me", headers=bearer(ended_session.token))
    assert gone.status_code == 401 and gone.json() == {"error": "token: not valid"}
    expired = node.client.get("/api/v1/auth/me", headers=bearer(short.token))  # kept for TOKEN_KEPT, by name
    assert expired.status_code == 401
    assert expired.json() == {"error": f"token: expired at {(T0 + timedelta(days=1)).isoformat()}"}
    node.clock.now = T0 + timedelta(days=1) + users.TOKEN_KEPT
    admin = bearer(users.issue_token(node.store, "admin1", timedelta(days=1), now=node.clock.now))
    assert node.client.post("/api/v1/auth/prune", headers=admin).json() == {
        "sessions": 1, "tokens": 1, "login_failures": 0}  # the planner's session and the short token
    fixture_ids = {parse_token(token).token_id for token in node.tokens.values()}
    assert fixture_ids <= _token_ids(node.store)  # they ended at T0 + 30 days: kept until T0 + 60 days
    assert short.token_id not in _token_ids(node.store)
    assert node.client.get("/api/v1/auth/me", headers=bearer(forever.token)).json()["username"] == "planner1"
    viewer_token = users.issue_token(node.store, "viewer1", timedelta(days=1), now=node.clock.now)
    viewer = node.client.post("/api/v1/auth/prune", headers=bearer(viewer_token))
    assert viewer.status_code == 403 and viewer.json()["error"].endswith("(needs admin)")


def test_the_node_prunes_on_its_sweep_schedule(node: Node) -> None:
    """`keep_tidy` (the loop the node runs) prunes credentials each round; its clock and sleep are the test's."""
    runtime = node.client.app.state.runtime
    ended = users.login(node.store, "viewer1", PASSWORD, now=T0)
    failure_at = T0 + timedelta(minutes=1)
    users.LOGIN_THROTTLE.failed(node.store, "127.0.0.1", "viewer1", failure_at)
    later = T0 + users.SESSION_TTL + users.SESSION_KEPT
    rounds: list[float] = []

    async def one_round(seconds: float) -> None:
        rounds.append(seconds)
        if len(rounds) > 1:
            raise asyncio.CancelledError  # the node stops the loop by cancelling it

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(maintenance.keep_tidy(runtime, clock=lambda: later, sleep=one_round))
    assert rounds == [runtime.config.sweep_every_s] * 2
    assert ended.token_id not in _token_ids(node.store)
    assert set(node.tokens.values()) and all(users.verify(node.store, token, T0) for token in node.tokens.values())
    with node.store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(LoginFailureRow)).scalar_one() == 0


def test_a_token_expires_exactly_at_its_expiry(node: Node) -> None:
    token = users.issue_token(node.store, "planner1", timedelta(days=1), now=T0)
    node.clock.now = T0 + timedelta(days=1) - timedelta(seconds=1)
    assert node.client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
    node.clock.now = T0 + timedelta(days=1)
    answer = node.client.get("/api/v1/auth/me", headers=bearer(token))
    assert answer.status_code == 401
    assert answer.json() == {"error": f"token: expired at {(T0 + timedelta(days=1)).isoformat()}"}


def test_a_login_session_lasts_twelve_hours(node: Node) -> None:
    node.client.post("/api/v1/auth/login", json={"username": "viewer1", "password": PASSWORD}).raise_for_status()
    node.clock.now = T0 + users.SESSION_TTL
    answer = node.client.get("/api/v1/auth/me")
    assert answer.status_code == 401
    assert answer.json()["error"].startswith("session: expired at") and "log in again" in answer.json()["error"]


def test_logout_revokes_the_session(node: Node) -> None:
    token = node.client.post("/api/v1/auth/login", json={"username": "viewer1", "password": PASSWORD}).json()["token"]
    node.clock.now = T0 + timedelta(minutes=5)
    out = node.client.post("/api/v1/auth/logout")
    assert out.json() == {"logged_out": True}
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    answer = node.client.get("/api/v1/auth/me", headers=bearer(token))
    assert answer.status_code == 401
    assert answer.json()["error"] == f"session: revoked at {node.clock.now.isoformat()}"


def test_a_revoked_api_token_is_refused(node: Node) -> None:
    issued = node.client.post("/api/v1/auth/tokens", json={"name": "script", "expires_in_days": 7},
                              headers=bearer(node.tokens[Role.PLANNER]))
    assert issued.status_code == 201, issued.text
    token, token_id = issued.json()["token"], issued.json()["id"]
    assert node.client.get("/api/v1/auth/me", headers=bearer(token)).json()["username"] == "planner1"
    listed = node.client.get("/api/v1/auth/tokens", headers=bearer(token)).json()
    assert {entry["owner"] for entry in listed} == {"planner1"} and "token" not in listed[0]
    other = node.client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(node.tokens[Role.VIEWER]))
    assert other.status_code == 404  # a viewer cannot revoke (or even see) the planner's token
    assert node.client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(token)).status_code == 200
    answer = node.client.get("/api/v1/auth/me", headers=bearer(token))
    assert answer.status_code == 401 and answer.json()["error"].startswith("token: revoked at")


def test_disabling_a_user_revokes_its_tokens(node: Node) -> None:
    admin = bearer(node.tokens[Role.ADMIN])
    answer = node.client.delete("/api/v1/users/operator1", headers=admin)
    assert answer.status_code == 200 and answer.json()["active"] is False
    refused = node.client.get("/api/v1/auth/me", headers=bearer(node.tokens[Role.OPERATOR]))
    assert refused.status_code == 401 and refused.json()["error"].startswith("token: revoked at")
    login = node.client.post("/api/v1/auth/login", json={"username": "operator1", "password": PASSWORD})
    assert login.status_code == 401


def test_a_verified_token_is_remembered_briefly_then_read_again(node: Node) -> None:
    """A change users.py did not make (another process, here a raw UPDATE) shows after VERIFIED_TTL at the latest."""
    token, viewer = node.tokens[Role.VIEWER], Principal("viewer1", Role.VIEWER)
    users.VERIFIED.forget_all()
    assert users.verify(node.store, token, T0) == viewer
    with node.store.engine.begin() as connection:
        connection.execute(TokenRow.__table__.update().where(TokenRow.owner == "viewer1").values(revoked_at=T0))
    assert users.verify(node.store, token, T0 + users.VERIFIED_TTL - timedelta(seconds=1)) == viewer
    with pytest.raises(users.CredentialsRejected, match="token: revoked at"):
        users.verify(node.store, token, T0 + users.VERIFIED_TTL)


@pytest.mark.parametrize("change", ["revoke", "disable", "role"])
def test_changes_in_this_process_are_seen_at_once_through_any_store(node: Node, change: str) -> None:
    token = node.tokens[Role.OPERATOR]
    assert users.verify(node.store, token, T0) == Principal("operator1", Role.OPERATOR)
    other = open_node_store(str(node.store.engine.url))  # e.g. the CLI's store in the same process
    try:
        if change == "revoke":
            users.revoke(other, parse_token(token).token_id, now=T0)
        elif change == "disable":
            users.disable(other, "operator1", now=T0)
        else:
            users.set_role(other, "operator1", Role.VIEWER)
    finally:
        other.close()
    later = T0 + timedelta(seconds=1)
    if change == "role":
        assert users.verify(node.store, token, later) == Principal("operator1", Role.VIEWER)
    else:
        with pytest.raises(users.CredentialsRejected, match="token: revoked at"):
            users.verify(node.store, token, later)


def test_the_last_admin_cannot_be_disabled(node: Node) -> None:
    answer = node.client.delete("/api/v1/users/admin1", headers=bearer(node.tokens[Role.ADMIN]))
    assert answer.status_code == 409
    assert answer.json() == {"error": "username: 'admin1' is the last active admin; add another admin first"}


def test_an_admin_changes_role_and_password_together_or_not_at_all(node: Node) -> None:
    admin = bearer(node.tokens[Role.ADMIN])
    refused = node.client.patch("/api/v1/users/viewer1", json={"role": "planner", "password": "short"}, headers=admin)
    assert refused.status_code == 422 and refused.json() == {"error": "password: must be at least 12 characters"}
    assert node.client.get("/api/v1/auth/me", headers=bearer(node.tokens[Role.VIEWER])).json()["role"] == "viewer"
    changed = node.client.patch("/api/v1/users/viewer1", json={"role": "planner", "password": PASSWORD + "2"},
                                headers=admin)
    assert changed.status_code == 200 and changed.json()["role"] == "planner"
    assert node.client.get("/api/v1/auth/me", headers=bearer(node.tokens[Role.VIEWER])).json()["role"] == "planner"
    assert users.login(node.store, "viewer1", PASSWORD + "2").role is Role.PLANNER
    demoted = node.client.patch("/api/v1/users/admin1", json={"role": "viewer"}, headers=admin)
    assert demoted.status_code == 409 and "last active admin" in demoted.json()["error"]


def test_the_management_api_admits_remote_callers_only_with_an_admin_token(node: Node) -> None:
    remote = TestClient(node.client.app, client=("192.0.2.7", 40000))
    assert remote.get("/manage/status").status_code == 403
    assert remote.get("/manage/status", headers=bearer(node.tokens[Role.PLANNER])).status_code == 403
    assert remote.get("/manage/status", headers=bearer(node.tokens[Role.ADMIN])).status_code == 200
    assert node.client.get("/manage/status").status_code == 200  # loopback: unchanged, no token needed


@pytest.mark.parametrize(("headers", "error"), [
    ({}, "authentication required: send 'Authorization: Bearer <token>' or log in"),
    ({"Authorization": "Basic YWRtaW46eA=="}, "Authorization: expected 'Bearer <token>'"),
    ({"Authorization": "Bearer"}, "Authorization: expected 'Bearer <token>'"),
    ({"Authorization": "Bearer not-a-token"}, "token: not a fabnet token"),
    ({"Authorization": f"Bearer fbn_{'0' * 16}_{'x' * 43}"}, "token: not valid"),
])
def test_missing_or_bad_credentials_are_401_naming_the_problem(node: Node, headers: dict, error: str) -> None:
    answer = node.client.get("/api/v1/users", headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"error": error}
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_tampered_secret_is_not_valid(node: Node) -> None:
    token = node.tokens[Role.ADMIN]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    answer = node.client.get("/api/v1/users", headers=bearer(tampered))
    assert answer.status_code == 401 and answer.json() == {"error": "token: not valid"}


def test_a_role_without_the_right_is_403_naming_role_and_need(node: Node) -> None:
    answer = node.client.post("/api/v1/users", headers=bearer(node.tokens[Role.VIEWER]),
                              json={"username": "eve", "role": "admin", "password": PASSWORD})
    assert answer.status_code == 403
    assert answer.json() == {"error": "role 'viewer' may not POST /api/v1/users (needs admin)"}
    assert all(user.username != "eve" for user in users.users(node.store))


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"username": "Bob", "role": "planner", "password": PASSWORD}, 422,
     "username: 'Bob' must be 1-64 characters a-z 0-9 . _ -, starting with a letter"),
    ({"username": "bob", "role": "boss", "password": PASSWORD}, 422, "body.role: Input should be 'admin', "),
    ({"username": "bob", "role": "planner", "password": "short"}, 422, "password: must be at least 12 characters"),
    ({"username": "viewer1", "role": "planner", "password": PASSWORD}, 409, "username: 'viewer1' exists already"),
])
def test_bad_user_input_is_one_line_naming_the_field(node: Node, body: dict, status: int, error: str) -> None:
    answer = node.client.post("/api/v1/users", json=body, headers=bearer(node.tokens[Role.ADMIN]))
    assert answer.status_code == status
    assert answer.json()["error"].startswith(error)


SERIALS = itertools.count()
ADMIN_WRITES = ("add user", "disable user", "token for another user", "list users")


@settings(max_examples=40, deadline=None)
@given(role=st.sampled_from(list(Role)), action=st.sampled_from(ADMIN_WRITES))
def test_role_matrix_of_the_user_administration(shared_node: Node, role: Role, action: str) -> None:
    client, headers = shared_node.client, bearer(shared_node.tokens[role])
    name = f"user{next(SERIALS)}"  # hypothesis replays examples: every run needs a fresh name
    if action == "add user":
        answer = client.post("/api/v1/users", json={"username": name, "role": "viewer"}, headers=headers)
    elif action == "disable user":
        users.add_user(shared_node.store, name, Role.VIEWER)
        answer = client.delete(f"/api/v1/users/{name}", headers=headers)
    elif action == "token for another user":
        other = "viewer1" if role is not Role.VIEWER else "operator1"
        answer = client.post("/api/v1/auth/tokens", json={"username": other, "name": name}, headers=headers)
    else:
        answer = client.get("/api/v1/users", headers=headers)
    if role is Role.ADMIN:
        assert answer.status_code in (200, 201), answer.text
    else:
        assert answer.status_code == 403
        assert answer.json()["error"].startswith(f"role '{role}' may not")
        assert answer.json()["error"].endswith("(needs admin)")
    stored = {user.username: user for user in users.users(shared_node.store)}
    if action == "add user":
        assert (name in stored) == (role is Role.ADMIN)
    if action == "disable user":
        assert stored[name].active == (role is not Role.ADMIN)


ROLE_SETS = [(Role.OPERATOR,), (Role.PLANNER, Role.OPERATOR), (Role.VIEWER,), ()]


def _path(roles: tuple[Role, ...]) -> str:
    return "/only/" + "-".join(role.value for role in roles)


def _guarded_route(app: FastAPI, roles: tuple[Role, ...]) -> None:
    async def endpoint(principal: Annotated[Principal, Depends(require(*roles))]) -> dict:
        return {"user": principal.username}

    app.post(_path(roles))(endpoint)


@pytest.fixture(scope="module")
def guarded(shared_node: Node) -> TestClient:
    """A bare app with one route per set of roles, used the way the node's other routers use `require`."""
    app = FastAPI()
    install(app)
    app.state.runtime = shared_node.client.app.state.runtime
    app.state.clock = shared_node.clock
    for roles in ROLE_SETS:
        _guarded_route(app, roles)
    return TestClient(app)


@settings(max_examples=60, deadline=None)
@given(caller=st.sampled_from(list(Role)), allowed=st.sampled_from(ROLE_SETS))
def test_require_admits_its_roles_and_admin_and_refuses_the_rest(guarded: TestClient, shared_node: Node,
                                                                 caller: Role, allowed: tuple[Role, ...]) -> None:
    answer = guarded.post(_path(allowed), headers=bearer(shared_node.tokens[caller]))
    if caller is Role.ADMIN or caller in allowed:
        assert answer.status_code == 200 and answer.json() == {"user": f"{caller.value}1"}
    else:
        needs = " or ".join(role.value for role in allowed) or "admin"
        assert answer.status_code == 403
        assert answer.json() == {"error": f"role '{caller}' may not POST {_path(allowed)} (needs {needs})"}


def _config(folder: Path, port: int = 0) -> Path:
    config = folder / "node.json"
    folder.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"port": port, "data_dir": "data", "member_id": "urn:fabnet:member:access"}))
    return config


def test_cli_user_add_and_token_round_trip(tmp_path: Path) -> None:
    config = _config(tmp_path)
    runner = CliRunner()
    added = runner.invoke(cli, ["node", "user", "add", "alice", "--role", "planner", "--password-stdin",
                                "--config", str(config)], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "added planner alice" in added.output
    again = runner.invoke(cli, ["node", "user", "add", "alice", "--role", "viewer", "--password-stdin",
                                "--config", str(config)], input=PASSWORD + "\n")
    assert again.exit_code == 2 and "username: 'alice' exists already" in again.output
    bad_role = runner.invoke(cli, ["node", "user", "add", "bob", "--role", "boss", "--config", str(config)])
    assert bad_role.exit_code == 2 and "role: 'boss' is not one of admin, planner, operator, viewer" in bad_role.output
    prompted = runner.invoke(cli, ["node", "user", "add", "carol", "--role", "viewer", "--config", str(config)],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0 and "added viewer carol" in prompted.output
    short = runner.invoke(cli, ["node", "user", "add", "dave", "--role", "viewer", "--password-stdin",
                                "--config", str(config)], input="short\n")
    assert short.exit_code == 2 and "password: must be at least 12 characters" in short.output
    issued = runner.invoke(cli, ["node", "token", "alice", "--days", "2", "--name", "erp", "--config", str(config)])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    listed = runner.invoke(cli, ["node", "user", "list", "--config", str(config)])
    assert "alice" in listed.stdout and "planner" in listed.stdout and "dave" not in listed.stdout
    store = open_node_store(f"sqlite:///{tmp_path / 'data' / 'node.sqlite'}")
    try:
        assert users.verify(store, token) == Principal("alice", Role.PLANNER)
        assert users.login(store, "alice", PASSWORD).owner == "alice"
        assert [entry.name for entry in users.tokens(store, "alice")] == ["erp", "login"]
    finally:
        store.close()
    promoted = runner.invoke(cli, ["node", "user", "role", "alice", "operator", "--config", str(config)])
    assert promoted.exit_code == 0 and "alice is now operator" in promoted.output
    disabled = runner.invoke(cli, ["node", "user", "disable", "alice", "--config", str(config)])
    assert disabled.exit_code == 0, disabled.output
    unknown = runner.invoke(cli, ["node", "token", "nobody", "--config", str(config)])
    assert unknown.exit_code == 2 and "username: no user 'nobody'" in unknown.output


def test_cli_prune_deletes_long_ended_tokens_and_keeps_live_ones(tmp_path: Path) -> None:
    config = _config(tmp_path)
    (tmp_path / "data").mkdir()
    store = open_node_store(f"sqlite:///{tmp_path / 'data' / 'node.sqlite'}")
    try:
        users.add_user(store, "erin", Role.VIEWER)
        long_ago = datetime.now(UTC) - timedelta(days=400)
        users.issue(store, "erin", timedelta(days=1), name="old", now=long_ago)
        live = users.issue_token(store, "erin", timedelta(days=30), name="live")
    finally:
        store.close()
    runner = CliRunner()
    pruned = runner.invoke(cli, ["node", "prune", "--json", "--config", str(config)])
    assert pruned.exit_code == 0, pruned.output
    assert json.loads(pruned.stdout) == {"sessions": 0, "tokens": 1, "login_failures": 0}
    again = runner.invoke(cli, ["node", "prune", "--config", str(config)])
    assert again.exit_code == 0 and "pruned 0 sessions, 0 API tokens" in again.stdout
    store = open_node_store(f"sqlite:///{tmp_path / 'data' / 'node.sqlite'}")
    try:
        assert [entry.name for entry in users.tokens(store, "erin")] == ["live"]
        assert users.verify(store, live) == Principal("erin", Role.VIEWER)
    finally:
        store.close()


def _wait_for_log(node: Service, text: str, attempts: int = 600) -> str:
    for _ in range(attempts):
        if text in node.tail():
            return node.tail()
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in the node's log: {node.tail()}")


def test_bootstrap_of_a_real_node_process_over_http(tmp_path: Path) -> None:
    """A fresh node warns that it has no users; `fabnet node user add` (while it runs) makes it administrable."""
    port = free_port()
    config = _config(tmp_path, port)
    node = Service("node", f"http://127.0.0.1:{port}", tmp_path, [*serve_command(), "node", "--config", str(config)])
    node.start()
    try:
        node.wait_ready("/.well-known/dspace-version")
        _wait_for_log(node, "no users yet: run `fabnet node user add NAME --role admin`")
        fabnet = [sys.executable, "-c", "from fabnet.cli import app; app()"]
        subprocess.run([*fabnet, "node", "user", "add", "root", "--role", "admin", "--password-stdin",
                        "--config", str(config)], input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        with httpx.Client(base_url=node.url, timeout=30.0) as http:
            assert http.get("/api/v1/users").status_code == 401
            login = http.post("/api/v1/auth/login", json={"username": "root", "password": PASSWORD})
            assert login.status_code == 200, login.text
            assert http.cookies.get(SESSION_COOKIE) == login.json()["token"]
            added = http.post("/api/v1/users", json={"username": "val", "role": "viewer", "password": PASSWORD})
            assert added.status_code == 201, added.text
            viewer = http.post("/api/v1/auth/tokens", json={"username": "val", "name": "kiosk"}).json()["token"]
            refused = httpx.post(f"{node.url}/api/v1/users", headers=bearer(viewer), timeout=30.0,
                                 json={"username": "mallory", "role": "admin"})
            assert refused.status_code == 403
            assert refused.json() == {"error": "role 'viewer' may not POST /api/v1/users (needs admin)"}
            assert http.post("/api/v1/auth/logout").json() == {"logged_out": True}
            assert http.get("/api/v1/users").status_code == 401
            # the loopback management API stays open to local tools without a token
            assert httpx.get(f"{node.url}/manage/status", timeout=30.0).status_code == 200
    finally:
        node.stop()


DATABASE = "fabnet_access_test"


@pytest.mark.postgres
def test_users_and_tokens_on_postgresql(postgres_url: str) -> None:
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    store = open_node_store(make_url(postgres_url).set(database=DATABASE).render_as_string(hide_password=False))
    try:
        users.add_user(store, "pat", Role.OPERATOR, PASSWORD, now=T0)
        token = users.issue_token(store, "pat", timedelta(hours=1), now=T0)
        assert users.verify(store, token, T0 + timedelta(minutes=59)) == Principal("pat", Role.OPERATOR)
        with pytest.raises(users.CredentialsRejected, match="token: expired at 2026-03-02T10:00:00"):
            users.verify(store, token, T0 + timedelta(hours=1))
        session = users.login(store, "pat", PASSWORD, now=T0)
        assert session.expires_at == T0 + users.SESSION_TTL
        users.add_user(store, "ada", Role.ADMIN, None, now=T0)
        disabled = users.disable(store, "pat", now=T0 + timedelta(minutes=1))
        assert not disabled.active and disabled.disabled_at == T0 + timedelta(minutes=1)
        assert all(entry.revoked_at is not None for entry in users.tokens(store, "pat"))
        with pytest.raises(users.UserError, match="'ada' is the last active admin"):
            users.disable(store, "ada")
    finally:
        store.close()


def _two_node_processes(folder: Path, database_url: str) -> list[Service]:
    """Two processes of one node on one database (as two workers behind a proxy, or before and after a restart)."""
    processes = []
    for name in ("a", "b"):
        port = free_port()
        config = folder / f"node-{name}.json"
        config.write_text(json.dumps({"port": port, "data_dir": str(folder / "data"), "database_url": database_url,
                                      "member_id": "urn:fabnet:member:throttle"}))
        process = Service(f"node-{name}", f"http://127.0.0.1:{port}", folder,
                          [*serve_command(), "node", "--config", str(config)])
        process.start()
        processes.append(process)
        process.wait_ready("/.well-known/dspace-version")  # one after the other: the first makes the keys
    return processes


def _failures_count_across_processes(folder: Path, database_url: str) -> None:
    store = open_node_store(database_url)
    try:
        users.add_user(store, "vera", Role.VIEWER, PASSWORD)
    finally:
        store.close()
    first, second = _two_node_processes(folder, database_url)
    try:
        wrong = {"username": "vera", "password": "not the password"}
        allowed = users.LOGIN_THROTTLE.max_failures
        for attempt in range(allowed):
            node = first if attempt % 2 == 0 else second  # the failures alternate between the processes
            answer = httpx.post(f"{node.url}/api/v1/auth/login", json=wrong, timeout=30.0)
            assert answer.status_code == 401, answer.text
        for node in (first, second):
            refused = httpx.post(f"{node.url}/api/v1/auth/login", json={"username": "vera", "password": PASSWORD},
                                 timeout=30.0)
            assert refused.status_code == 429, refused.text
            assert refused.json()["error"].startswith("too many failed logins for 'vera'; try again in ")
            assert 0 < int(refused.headers["retry-after"]) <= users.LOGIN_THROTTLE.window.total_seconds()
        other = httpx.post(f"{second.url}/api/v1/auth/login", json={"username": "nobody", "password": PASSWORD},
                           timeout=30.0)
        assert other.status_code == 401  # the count is per username: another name is not throttled
        first.stop()
        first.start()  # a restarted process still knows the failures
        first.wait_ready("/.well-known/dspace-version")
        again = httpx.post(f"{first.url}/api/v1/auth/login", json={"username": "vera", "password": PASSWORD},
                           timeout=30.0)
        assert again.status_code == 429
    finally:
        for node in (first, second):
            node.stop()


def test_failed_logins_count_across_processes_on_sqlite(tmp_path: Path) -> None:
    _failures_count_across_processes(tmp_path, f"sqlite:///{tmp_path / 'shared.sqlite'}")


@pytest.mark.postgres
def test_failed_logins_count_across_processes_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    database = "fabnet_throttle_test"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {database}"))
    admin.dispose()
    url = make_url(postgres_url).set(database=database).render_as_string(hide_password=False)
    _failures_count_across_processes(tmp_path, url)
