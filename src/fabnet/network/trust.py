"""The hub as trust anchor: signed membership credentials, the trust list and the revocation list (JWT, Ed25519).

A member's credential names its company (KvK), its hub, its DSP endpoint and its public keys. The hub publishes
a trust list (every credential it issued) and a revocation list (member ids no longer trusted); a node trusts
a sender only if a valid, unrevoked credential of the sender is on its hub's trust list.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from pydantic import BaseModel, ConfigDict, Field

from fabnet.domain.company import KvkNumber
from fabnet.exchange.keys import SIGNING_ALGORITHM, SIGNING_ALGORITHMS, PublicKeys

CREDENTIAL_TYPE = "FabnetMembershipCredential"
TRUST_LIST_TYPE = "FabnetTrustList"
REVOCATION_LIST_TYPE = "FabnetRevocationList"


class TrustError(ValueError):
    """A credential or list that does not verify: bad signature, wrong issuer, expired, malformed."""


class MembershipCredential(BaseModel):
    """What the hub asserts about one member."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    member_id: str = Field(min_length=1, max_length=200)
    company_name: str = Field(min_length=1)
    kvk: KvkNumber
    hub_id: str = Field(min_length=1)
    endpoint: str = Field(min_length=1, description="the member's DSP base URL")
    jwks: dict = Field(description="the member's public keys (JWK set)")
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class HubAnchor:
    """What a node must know of its hub to verify everything else: the hub id and its public signing key."""

    hub_id: str
    public_jwk: dict

    def key(self) -> OKPKey:
        return OKPKey.import_key(self.public_jwk)


def _sign(claims: dict, hub_key: OKPKey) -> str:
    return jwt.encode({"alg": SIGNING_ALGORITHM, "kid": hub_key.kid}, claims, hub_key, algorithms=SIGNING_ALGORITHMS)


def _verify(token: str, anchor: HubAnchor, expected_type: str, now: datetime) -> dict:
    try:
        claims = jwt.decode(token, anchor.key(), algorithms=SIGNING_ALGORITHMS).claims
    except (JoseError, ValueError) as error:
        raise TrustError(f"{expected_type}: signature does not verify against hub {anchor.hub_id} ({error})") from None
    if claims.get("typ") != expected_type:
        raise TrustError(f"{expected_type}: token type is {claims.get('typ')!r}")
    if claims.get("iss") != anchor.hub_id:
        raise TrustError(f"{expected_type}: issued by {claims.get('iss')!r}, not by hub {anchor.hub_id!r}")
    if "exp" in claims and claims["exp"] < now.timestamp():
        raise TrustError(f"{expected_type}: expired")
    return claims


def issue_credential(
    hub_key: OKPKey,
    hub_id: str,
    member_id: str,
    company_name: str,
    kvk: str,
    endpoint: str,
    jwks: dict,
    now: datetime,
    valid_for: timedelta = timedelta(days=365),
) -> str:
    """A signed membership credential (JWT); raises ValueError naming the field when the member data are bad."""
    PublicKeys.from_jwks(jwks)
    credential = MembershipCredential(
        member_id=member_id,
        company_name=company_name,
        kvk=kvk,
        hub_id=hub_id,
        endpoint=endpoint.rstrip("/"),
        jwks=jwks,
        issued_at=now,
        expires_at=now + valid_for,
    )
    claims = {
        "typ": CREDENTIAL_TYPE,
        "iss": hub_id,
        "sub": member_id,
        "iat": int(now.timestamp()),
        "exp": int(credential.expires_at.timestamp()),
        "member": credential.model_dump(mode="json"),
    }
    return _sign(claims, hub_key)


def verify_credential(token: str, anchor: HubAnchor, now: datetime) -> MembershipCredential:
    claims = _verify(token, anchor, CREDENTIAL_TYPE, now)
    try:
        credential = MembershipCredential.model_validate(claims["member"])
    except (KeyError, ValueError) as error:
        raise TrustError(f"{CREDENTIAL_TYPE}: malformed member claims ({error})") from None
    if credential.member_id != claims.get("sub"):
        raise TrustError(f"{CREDENTIAL_TYPE}: sub does not match the member id")
    return credential


def issue_trust_list(hub_key: OKPKey, hub_id: str, credentials: Iterable[str], now: datetime) -> str:
    return _sign(
        {"typ": TRUST_LIST_TYPE, "iss": hub_id, "iat": int(now.timestamp()), "credentials": list(credentials)},
        hub_key,
    )


def issue_revocation_list(hub_key: OKPKey, hub_id: str, revoked: Iterable[str], now: datetime) -> str:
    return _sign(
        {"typ": REVOCATION_LIST_TYPE, "iss": hub_id, "iat": int(now.timestamp()), "revoked": sorted(set(revoked))},
        hub_key,
    )


@dataclass(frozen=True)
class Member:
    credential: MembershipCredential
    keys: PublicKeys


@dataclass(frozen=True)
class TrustStore:
    """The members a node trusts right now: the verified trust list minus the revocation list."""

    anchor: HubAnchor | None
    members: dict[str, Member] = field(default_factory=dict)
    revoked: frozenset[str] = frozenset()

    def member(self, member_id: str) -> Member | None:
        if member_id in self.revoked:
            return None
        return self.members.get(member_id)

    def by_endpoint(self, endpoint: str) -> Member | None:
        wanted = endpoint.rstrip("/")
        return next(
            (m for m in self.members.values() if m.credential.endpoint == wanted and m.credential.member_id
             not in self.revoked),
            None,
        )


def build_trust_store(
    anchor: HubAnchor, trust_list: str, revocation_list: str | None, now: datetime, own: Iterable[Member] = ()
) -> TrustStore:
    """Verify both lists and every credential on them; a credential that fails is left out, not fatal."""
    claims = _verify(trust_list, anchor, TRUST_LIST_TYPE, now)
    members: dict[str, Member] = {member.credential.member_id: member for member in own}
    for token in claims.get("credentials", []):
        try:
            credential = verify_credential(token, anchor, now)
            members[credential.member_id] = Member(credential, PublicKeys.from_jwks(credential.jwks))
        except (TrustError, ValueError):
            continue
    revoked: frozenset[str] = frozenset()
    if revocation_list is not None:
        revoked = frozenset(_verify(revocation_list, anchor, REVOCATION_LIST_TYPE, now).get("revoked", []))
    return TrustStore(anchor=anchor, members=members, revoked=revoked)


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)
