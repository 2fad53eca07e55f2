"""Who calls the hub's write endpoints: a member with a self-issued JWT signed by its registered key, or the hub's
operator with the admin token. Both arrive as `Authorization: Bearer ...`.

A member's token is the connector's (`fabnet.exchange.tokens`) with the hub id as audience; it is checked against
the member's credential in the registry (revoked members are refused) and each token id is accepted once.
"""

import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from joserfc import jws
from joserfc.errors import JoseError

from fabnet.exchange.keys import PublicKeys
from fabnet.exchange.tokens import AuthError, verify_token
from fabnet.network.trust import Member, TrustStore
from fabnet.service.hub_config import HubConfig
from fabnet.service.hub_registry import HubRegistry


@dataclass(frozen=True)
class HubCaller:
    """An authenticated caller: a member (with the KvK its credential names) or the operator (member_id None)."""

    member_id: str | None
    kvk: str | None

    @property
    def is_operator(self) -> bool:
        return self.member_id is None


def admin_token(config: HubConfig) -> str:
    """The configured admin token, else the one in the token file (made, mode 0600, on first use)."""
    if config.admin_token:
        return config.admin_token
    path = config.resolved_admin_token_file
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


class HubAuthenticator:
    def __init__(self, registry: HubRegistry, operator_token: str) -> None:
        self.registry = registry
        self._operator_token = operator_token.encode()
        self._seen: dict[str, int] = {}  # token id → expiry (unix seconds)
        self._lock = threading.Lock()

    def caller(self, authorization: str | None) -> HubCaller:
        """The caller; AuthError(401) for a missing or bad credential, 403 for a revoked or unknown member."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(401, "missing bearer token (a member's self-issued JWT or the hub admin token)")
        token = token.strip()
        if hmac.compare_digest(token.encode(), self._operator_token):
            return HubCaller(member_id=None, kvk=None)
        issuer = _issuer(token)
        registered = self.registry.member(issuer)
        if registered is None:
            raise AuthError(403, f"member {issuer} is not registered at this hub")
        member = Member(registered.credential, PublicKeys.from_jwks(registered.credential.jwks))
        trust = TrustStore(anchor=self.registry.anchor, members={issuer: member},
                           revoked=frozenset({issuer}) if registered.revoked else frozenset())
        now = datetime.now(UTC)
        claims = verify_token(token, self.registry.config.hub_id, trust, now)
        with self._lock:
            moment = int(now.timestamp())
            self._seen = {jti: expiry for jti, expiry in self._seen.items() if expiry >= moment - 60}
            if claims.jti in self._seen:
                raise AuthError(401, "token already used (replay)")
            self._seen[claims.jti] = claims.expires_at
        return HubCaller(member_id=issuer, kvk=registered.credential.kvk)


def _issuer(token: str) -> str:
    try:
        claims = json.loads(jws.extract_compact(token.encode()).payload)
    except (JoseError, ValueError, TypeError):
        raise AuthError(401, "malformed token: neither the admin token nor a signed JWT") from None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise AuthError(401, "token has no issuer (iss)")
    return issuer


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
