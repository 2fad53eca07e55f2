"""Taking in a DSP request: content type, size, self-issued token, JSON, schema; then dedup, audit and receipt.

A refused request gets the DSP error body of its family with a 4xx status and a log line; nothing is stored.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import msgspec
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from fabnet.exchange import audit, messages
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.schemas import InvalidMessage, validate
from fabnet.exchange.tokens import AuthError, TokenClaims, verify_token
from fabnet.service.node_runtime import NodeRuntime, Work, now_utc
from fabnet.store.exchange_tables import InboxRow, UsedTokenRow
from fabnet.store.fast_statements import FastStatement

log = logging.getLogger("fabnet.node.dsp")

MESSAGE_ID_HEADER = "Fabnet-Message-Id"
RECEIPT_HEADER = "Fabnet-Receipt"
JSON_TYPES = ("application/json", "application/ld+json")
USED = UsedTokenRow.__table__
INBOX = InboxRow.__table__
INSERT_USED = FastStatement(insert(USED), ["jti", "sender", "expires_at"])
SELECT_SEEN = FastStatement(select(INBOX.c.status, INBOX.c.response, INBOX.c.receipt).where(
    INBOX.c.sender == bindparam("sender"), INBOX.c.message_id == bindparam("message_id")))
INSERT_INBOX = FastStatement(insert(INBOX), ["sender", "message_id", "status", "response", "receipt", "received_at"])


class Family(StrEnum):
    CATALOG = "catalog"
    NEGOTIATION = "negotiation"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class Inbound:
    claims: TokenClaims
    message: dict
    body: bytes
    message_id: str | None

    @property
    def sender(self) -> str:
        return self.claims.issuer


def error_response(family: Family, status: int, code: str, reasons: list[str], message: dict | None = None) -> Response:
    provider_pid = consumer_pid = None
    if isinstance(message, dict):
        provider_pid = message.get("providerPid") if isinstance(message.get("providerPid"), str) else None
        consumer_pid = message.get("consumerPid") if isinstance(message.get("consumerPid"), str) else None
    if family is Family.CATALOG:
        body = messages.catalog_error(code, reasons)
    elif family is Family.NEGOTIATION:
        body = messages.negotiation_error(provider_pid, consumer_pid, code, reasons)
    else:
        body = messages.transfer_error(provider_pid, consumer_pid, code, reasons)
    return JSONResponse(body, status_code=status)


def protocol_error_response(family: Family, error: ProtocolError, message: dict | None = None) -> Response:
    if error.provider_pid or error.consumer_pid:
        message = {"providerPid": error.provider_pid, "consumerPid": error.consumer_pid}
    return error_response(family, error.status, error.code, [error.reason], message)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def authenticate(runtime: NodeRuntime, request: Request) -> TokenClaims:
    return verify_token(bearer(request), runtime.member_id, runtime.trust, datetime.now(UTC))


def check_replay(work: Work, claims: TokenClaims) -> None:
    """A token id may be used once; the record is part of the unit of work, so a refused request stores nothing."""
    try:
        # one statement, not a look-up first: the primary key refuses a jti seen before (and the refusal rolls
        # the whole unit back, which is also why no savepoint is needed on PostgreSQL)
        INSERT_USED.execute(work.connection, {"jti": claims.jti, "sender": claims.issuer,
                                              "expires_at": datetime.fromtimestamp(claims.expires_at, UTC)})
    except IntegrityError:
        raise AuthError(401, "token replayed (jti seen before)") from None


async def read_inbound(runtime: NodeRuntime, request: Request, expected_type: str | tuple[str, ...]) -> Inbound:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in JSON_TYPES:
        raise ProtocolError(415, "unsupported-media-type", f"content type must be JSON, not {content_type!r}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > runtime.config.max_body_bytes:
        raise ProtocolError(413, "too-large", f"body exceeds {runtime.config.max_body_bytes} bytes")
    claims = authenticate(runtime, request)
    body = await request.body()
    if len(body) > runtime.config.max_body_bytes:
        raise ProtocolError(413, "too-large", f"body exceeds {runtime.config.max_body_bytes} bytes")
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(400, "malformed-json", f"body: not JSON ({error})") from None
    expected = (expected_type,) if isinstance(expected_type, str) else expected_type
    try:
        actual = validate(message)
    except InvalidMessage as error:
        raise ProtocolError(400, "invalid-message", str(error), *_pids(message)) from None
    if actual not in expected:
        raise ProtocolError(400, "invalid-message", f"@type: expected {' or '.join(expected)}, got {actual!r}",
                            *_pids(message))
    return Inbound(claims, message, body, request.headers.get(MESSAGE_ID_HEADER))


def _pids(message: object) -> tuple[str | None, str | None]:
    if not isinstance(message, dict):
        return None, None
    provider, consumer = message.get("providerPid"), message.get("consumerPid")
    return (provider if isinstance(provider, str) else None, consumer if isinstance(consumer, str) else None)


Handler = Callable[[Work, Inbound], tuple[int, dict, str]]
"""Applies a received message within a unit of work: (HTTP status, response body, process id for the audit)."""


async def handle(
    runtime: NodeRuntime, request: Request, family: Family, expected_type: str | tuple[str, ...], handler: Handler
) -> Response:
    """The whole inbound pipeline; the handler's state change, the audit entry and the inbox record commit together."""
    message: dict | None = None
    try:
        inbound = await read_inbound(runtime, request, expected_type)
        message = inbound.message
        with runtime.work() as work:
            check_replay(work, inbound.claims)
            if inbound.message_id:
                seen = SELECT_SEEN.first(work.connection, {"sender": inbound.sender, "message_id": inbound.message_id})
                if seen is not None:
                    headers = {RECEIPT_HEADER: seen["receipt"]} if seen["receipt"] else {}
                    return Response(seen["response"], status_code=seen["status"], media_type="application/json",
                                    headers=headers)
            status, body, process_id = handler(work, inbound)
            entry = work.log("received", inbound.sender, message["@type"], process_id, inbound.body)
            for followup in work.followups:
                followup(work)
            receipt = audit.issue_receipt(runtime.identity.keys, runtime.member_id, entry.record.message_sha256, entry)
            text = msgspec.json.encode(body).decode()
            if inbound.message_id:
                INSERT_INBOX.execute(work.connection, {
                    "sender": inbound.sender, "message_id": inbound.message_id, "status": status, "response": text,
                    "receipt": receipt, "received_at": now_utc()})
        return Response(text, status_code=status, media_type="application/json", headers={RECEIPT_HEADER: receipt})
    except AuthError as error:
        log.warning("refused %s %s: %s %s", request.method, request.url.path, error.status, error.reason)
        return error_response(family, error.status, "unauthorized" if error.status == 401 else "forbidden",
                              [error.reason], message)
    except ProtocolError as error:
        log.warning("refused %s %s: %s", request.method, request.url.path, error)
        return protocol_error_response(family, error, message)
