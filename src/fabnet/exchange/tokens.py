"""Self-issued access tokens: every DSP request carries a short-lived JWT signed by the sender's own key.

`iss` = `sub` = the sender's member id, `aud` = the counterparty's member id, `exp` a few seconds ahead, a
unique `jti`. The receiver verifies it against its trust store; replay (a `jti` seen before) is the caller's
check, because remembering `jti`s needs storage.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from fabnet.exchange import compact_jws
from fabnet.exchange.keys import SIGNING_ALGORITHM, KeyPairs
from fabnet.network.trust import Member, TrustStore

TOKEN_TTL = timedelta(seconds=60)
CLOCK_SKEW = timedelta(seconds=5)


class AuthError(Exception):
    """A request that does not prove who sent it (401) or whose sender is not allowed (403)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class TokenClaims:
    issuer: str
    audience: str
    jti: str
    expires_at: int
    member: Member


def issue_token(keys: KeyPairs, member_id: str, audience: str, now: datetime, ttl: timedelta = TOKEN_TTL) -> str:
    claims = {
        "iss": member_id,
        "sub": member_id,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid4().hex,
    }
    header = {"alg": SIGNING_ALGORITHM, "kid": keys.signing_kid, "typ": "JWT"}
    return compact_jws.sign(header, json.dumps(claims, separators=(",", ":")).encode(), keys.signing)


def verify_token(token: str | None, audience: str, trust: TrustStore, now: datetime) -> TokenClaims:
    """The verified claims; AuthError(401) if unsigned, malformed, expired, for someone else; 403 if not trusted."""
    if not token:
        raise AuthError(401, "missing bearer token")
    try:
        header, payload, signing_input, signature = compact_jws.parse(token)
        claims = json.loads(payload)
    except (ValueError, TypeError):
        raise AuthError(401, "malformed token") from None
    if not isinstance(claims, dict) or header.get("alg") != SIGNING_ALGORITHM or "crit" in header:
        raise AuthError(401, "token is not signed with Ed25519")
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or claims.get("sub") != issuer:
        raise AuthError(401, "token iss/sub missing or different")
    if issuer in trust.revoked:
        raise AuthError(403, f"member {issuer} is revoked")
    member = trust.member(issuer)
    if member is None:
        raise AuthError(403, f"member {issuer} is not on the trust list")
    key = member.keys.signing_key(header.get("kid"))
    if key is None:
        raise AuthError(401, "token kid names no key of the member")
    if not compact_jws.signature_valid(signing_input, signature, key):
        raise AuthError(401, "token signature does not verify")
    if claims.get("aud") != audience:
        raise AuthError(401, f"token audience is {claims.get('aud')!r}, not {audience!r}")
    expires_at = claims.get("exp")
    if not isinstance(expires_at, int) or expires_at + CLOCK_SKEW.total_seconds() < now.timestamp():
        raise AuthError(401, "token expired")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise AuthError(401, "token has no jti")
    return TokenClaims(issuer=issuer, audience=audience, jti=jti, expires_at=expires_at, member=member)
