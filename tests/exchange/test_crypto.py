"""Sealed payload streams, self-issued tokens and membership credentials (no network, real cryptography)."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.exchange import payload
from fabnet.exchange.keys import KeyPairs, PublicKeys
from fabnet.exchange.tokens import AuthError, issue_token, verify_token
from fabnet.network.trust import (
    HubAnchor,
    Member,
    TrustError,
    build_trust_store,
    issue_credential,
    issue_revocation_list,
    issue_trust_list,
    verify_credential,
)

SENDER, RECIPIENT, OTHER = KeyPairs.generate(), KeyPairs.generate(), KeyPairs.generate()
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def public(keys: KeyPairs) -> PublicKeys:
    return PublicKeys.from_jwks(keys.public_jwks())


def sealed(data: bytes, chunk: int = 1000) -> list[bytes]:
    return list(payload.seal(payload.rechunk([data], chunk), public(RECIPIENT), SENDER, "urn:s", "t-1"))


def opened(frames: list[bytes], recipient: KeyPairs = RECIPIENT, sender: KeyPairs = SENDER,
           transfer: str = "t-1") -> bytes:
    return b"".join(payload.open_stream(frames, recipient, public(sender), transfer))


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=5000), split=st.integers(min_value=1, max_value=700))
def test_round_trip_whatever_the_network_splits(data: bytes, split: int) -> None:
    stream = b"".join(sealed(data))
    pieces = [stream[i : i + split] for i in range(0, len(stream), split)]
    assert opened(pieces) == data


def test_tampered_chunk_is_detected() -> None:
    frames = sealed(os.urandom(5000))
    frames[2] = frames[2][:-1] + bytes([frames[2][-1] ^ 1])
    with pytest.raises(payload.PayloadError, match="tampered"):
        opened(frames)


def test_reordered_chunks_are_detected() -> None:
    frames = sealed(os.urandom(5000))
    frames[1], frames[2] = frames[2], frames[1]
    with pytest.raises(payload.PayloadError):
        opened(frames)


def test_truncated_stream_is_detected() -> None:
    with pytest.raises(payload.PayloadError, match="truncated"):
        opened(sealed(os.urandom(5000))[:-1])


def test_wrong_recipient_cannot_open() -> None:
    with pytest.raises(payload.PayloadError, match="recipient"):
        opened(sealed(b"secret drawing"), recipient=OTHER)


def test_wrong_sender_is_detected() -> None:
    with pytest.raises(payload.PayloadError, match="manifest"):
        opened(sealed(b"secret drawing"), sender=OTHER)


def test_stream_of_another_transfer_is_refused() -> None:
    with pytest.raises(payload.PayloadError):
        opened(sealed(b"secret drawing"), transfer="t-2")


# ---- trust and tokens ---------------------------------------------------------------------------------------

HUB = KeyPairs.generate().signing
ANCHOR = HubAnchor("urn:hub:test", HUB.as_dict(private=False))


def credential(member: str, keys: KeyPairs, kvk: str = "12345678") -> str:
    return issue_credential(HUB, "urn:hub:test", member, f"{member} B.V.", kvk, "http://x", keys.public_jwks(), NOW)


def trust(revoked: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    tokens = [credential("urn:m:a", SENDER), credential("urn:m:b", RECIPIENT)]
    return build_trust_store(ANCHOR, issue_trust_list(HUB, "urn:hub:test", tokens, NOW),
                             issue_revocation_list(HUB, "urn:hub:test", revoked, NOW), NOW)


def test_credential_names_company_hub_and_keys() -> None:
    verified = verify_credential(credential("urn:m:a", SENDER), ANCHOR, NOW)
    assert (verified.kvk, verified.hub_id, verified.member_id) == ("12345678", "urn:hub:test", "urn:m:a")
    assert verified.jwks == SENDER.public_jwks()


def test_credential_of_another_hub_is_refused() -> None:
    other = HubAnchor("urn:hub:test", KeyPairs.generate().signing.as_dict(private=False))
    with pytest.raises(TrustError):
        verify_credential(credential("urn:m:a", SENDER), other, NOW)


def test_bad_kvk_is_refused_at_issue() -> None:
    with pytest.raises(ValueError, match="KvK"):
        credential("urn:m:a", SENDER, kvk="123")


def test_token_verifies_for_its_audience() -> None:
    token = issue_token(SENDER, "urn:m:a", "urn:m:b", NOW)
    claims = verify_token(token, "urn:m:b", trust(), NOW + timedelta(seconds=5))
    assert claims.issuer == "urn:m:a" and claims.jti


@pytest.mark.parametrize(
    ("case", "status"),
    [("wrong-audience", 401), ("expired", 401), ("revoked", 403), ("unknown", 403), ("forged", 401), ("none", 401)],
)
def test_token_refusals(case: str, status: int) -> None:
    store = trust(revoked=("urn:m:a",) if case == "revoked" else ())
    token = {
        "wrong-audience": lambda: issue_token(SENDER, "urn:m:a", "urn:m:c", NOW),
        "expired": lambda: issue_token(SENDER, "urn:m:a", "urn:m:b", NOW - timedelta(minutes=5)),
        "revoked": lambda: issue_token(SENDER, "urn:m:a", "urn:m:b", NOW),
        "unknown": lambda: issue_token(OTHER, "urn:m:z", "urn:m:b", NOW),
        "forged": lambda: issue_token(OTHER, "urn:m:a", "urn:m:b", NOW),
        "none": lambda: "",
    }[case]()
    with pytest.raises(AuthError) as refused:
        verify_token(token, "urn:m:b", store, NOW)
    assert refused.value.status == status


def test_own_member_is_kept_when_the_list_omits_it() -> None:
    own = Member(verify_credential(credential("urn:m:self", OTHER), ANCHOR, NOW), public(OTHER))
    store = build_trust_store(ANCHOR, issue_trust_list(HUB, "urn:hub:test", [], NOW), None, NOW, own=[own])
    assert store.member("urn:m:self") is own


def test_rotated_keys_both_verify_while_the_rotation_is_in_flight() -> None:
    old, new = KeyPairs.generate(), KeyPairs.generate()
    jwks = {"keys": [*old.public_jwks()["keys"][:1], *new.public_jwks()["keys"]]}
    rotated = issue_credential(HUB, "urn:hub:test", "urn:m:r", "R B.V.", "12345678", "http://r", jwks, NOW)
    store = build_trust_store(ANCHOR, issue_trust_list(HUB, "urn:hub:test", [rotated], NOW), None, NOW)
    for keys in (old, new):
        assert verify_token(issue_token(keys, "urn:m:r", "urn:m:b", NOW), "urn:m:b", store, NOW).issuer == "urn:m:r"
