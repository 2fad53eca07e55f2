"""Key rotation: a node publishes its new key beside the old one, switches to it while a negotiation and a transfer
are in flight (both complete), keeps opening what was sealed to the old key, and after the grace period a token
signed with the retired key is refused."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from exchange.dsp_support import AUTO, BIG, MANUAL, Network, manage, member, wait_peer_pid, wait_state
from fabnet.exchange import messages, payload
from fabnet.exchange.keys import KeyPairs, PublicKeys
from fabnet.exchange.tokens import AuthError, issue_token, verify_token
from fabnet.network.trust import HubAnchor, build_trust_store, issue_credential, issue_trust_list
from fabnet.service.node_config import load_config
from fabnet.service.node_identity import node_identity, rotate_keys

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
HUB = KeyPairs.generate().signing
ANCHOR = HubAnchor("urn:hub:test", HUB.as_dict(private=False))


def _store(jwks: dict):  # type: ignore[no-untyped-def]
    credential = issue_credential(HUB, "urn:hub:test", "urn:m:r", "R B.V.", "12345678", "http://r", jwks, NOW)
    return build_trust_store(ANCHOR, issue_trust_list(HUB, "urn:hub:test", [credential], NOW), None, NOW)


# ---- the key set itself ---------------------------------------------------------------------------------------


def test_rotated_keys_sign_anew_and_still_open_what_was_sealed_to_the_old_key() -> None:
    sender, old = KeyPairs.generate(), KeyPairs.generate()
    sealed_before = list(payload.seal([b"drawing"], PublicKeys.from_jwks(old.public_jwks()), sender, "urn:s", "t"))
    new = KeyPairs.from_jwks(old.rotated().private_jwks())  # as read back from the key file
    assert new.signing_kid != old.signing_kid and new.encryption.kid != old.encryption.kid
    sender_keys = PublicKeys.from_jwks(sender.public_jwks())
    assert b"".join(payload.open_stream(sealed_before, new, sender_keys, "t")) == b"drawing"
    published = PublicKeys.from_jwks(new.public_jwks(with_retired=True))
    assert published.encryption.kid == new.encryption.kid, "peers encrypt to the new key at once"
    sealed_after = list(payload.seal([b"drawing"], published, sender, "urn:s", "t"))
    assert b"".join(payload.open_stream(sealed_after, new, sender_keys, "t")) == b"drawing"
    with pytest.raises(payload.PayloadError, match="recipient"):
        b"".join(payload.open_stream(sealed_after, old, sender_keys, "t"))


def test_old_key_verifies_during_the_grace_period_and_not_after() -> None:
    old = KeyPairs.generate()
    new = old.rotated()
    grace, after = _store(new.public_jwks(with_retired=True)), _store(new.public_jwks())
    for keys in (old, new):
        assert verify_token(issue_token(keys, "urn:m:r", "urn:m:b", NOW), "urn:m:b", grace, NOW).issuer == "urn:m:r"
    assert verify_token(issue_token(new, "urn:m:r", "urn:m:b", NOW), "urn:m:b", after, NOW).issuer == "urn:m:r"
    with pytest.raises(AuthError) as refused:
        verify_token(issue_token(old, "urn:m:r", "urn:m:b", NOW), "urn:m:b", after, NOW)
    assert refused.value.status == 401


# ---- between real processes ---------------------------------------------------------------------------------------


def _publish(network: Network, jwks: dict) -> None:
    """What the hub operator does: re-issue the consumer's credential with `jwks`; every node refreshes its list."""
    testbed = network.testbed
    assert testbed.registry is not None
    bundle = testbed.registry.add_member(member(network.consumer), "consumer B.V.", "87654321", network.consumer.url,
                                         jwks)
    (testbed.root / "consumer" / "membership.json").write_text(json.dumps(bundle.to_json()), encoding="utf-8")
    testbed.refresh_trust()


def _catalog_status(network: Network, keys: KeyPairs) -> int:
    token = issue_token(keys, member(network.consumer), member(network.provider), datetime.now(UTC))
    return network.probe.post(network.provider, "/catalog/request", messages.catalog_request(), token=token).status_code


def _finalized(network: Network, asset: str) -> str:
    response = manage(network.consumer, "POST", "/negotiations",
                      json={"peer_url": network.provider.url, "offer_id": f"{asset}:offer"})
    assert response.status_code == 201, response.text
    done = wait_state(network.consumer, "negotiations", response.json()["pid"], "FINALIZED", "TERMINATED")
    assert done["state"] == "FINALIZED", done
    return done["agreement_id"]


def _received_before_rotation(network: Network) -> str:
    agreement_id = _finalized(network, AUTO)
    pid = manage(network.consumer, "POST", "/transfers", json={"agreement_id": agreement_id}).json()["pid"]
    assert wait_state(network.consumer, "transfers", pid, "COMPLETED", "TERMINATED", timeout=45)["state"] == "COMPLETED"
    return pid


@pytest.mark.slow
def test_rotation_while_a_negotiation_and_a_transfer_are_in_flight(network: Network) -> None:
    keys_file = network.testbed.root / "consumer" / "keys.jwks.json"
    old = KeyPairs.from_jwks(json.loads(keys_file.read_text(encoding="utf-8")))
    kept_sealed = _received_before_rotation(network)
    # in flight: a negotiation waiting for the provider's operator, and a started 64 MB transfer not yet pulled
    negotiation = manage(network.consumer, "POST", "/negotiations",
                         json={"peer_url": network.provider.url, "offer_id": f"{MANUAL}:offer"}).json()["pid"]
    provider_negotiation = wait_peer_pid(network.consumer, "negotiations", negotiation)
    transfer = manage(network.consumer, "POST", "/transfers",
                      json={"agreement_id": _finalized(network, BIG), "auto": False}).json()["pid"]
    assert wait_state(network.consumer, "transfers", transfer, "STARTED")["state"] == "STARTED"

    new = rotate_keys(keys_file)  # 1. the new pair joins the key file; the running node still signs with the old
    _publish(network, new.public_jwks(with_retired=True))  # 2. the hub lists old and new; peers accept both
    assert _catalog_status(network, old) == 200, "the old key still verifies during the grace period"
    network.consumer.stop()  # 3. the node switches to the new key
    network.consumer.start()
    network.consumer.wait_ready("/.well-known/dspace-version", 240.0)
    network.testbed.keys["consumer"] = new

    on_provider = f"/negotiations/{provider_negotiation}"
    assert manage(network.provider, "POST", on_provider + "/agree", json={}).status_code == 200
    verified = wait_state(network.provider, "negotiations", provider_negotiation, "VERIFIED", "TERMINATED", timeout=45)
    assert verified["state"] == "VERIFIED", "the consumer's verification, signed with the new key, was accepted"
    assert manage(network.provider, "POST", on_provider + "/finalize", json={}).status_code == 200
    assert wait_state(network.consumer, "negotiations", negotiation, "FINALIZED")["state"] == "FINALIZED"
    assert manage(network.consumer, "POST", f"/transfers/{transfer}/pull").status_code == 200
    pulled = wait_state(network.consumer, "transfers", transfer, "COMPLETED", "TERMINATED", timeout=45)
    assert pulled["state"] == "COMPLETED", pulled["error"]
    assert pulled["content_sha256"] == hashlib.sha256(network.big.read_bytes()).hexdigest()
    kept = manage(network.consumer, "GET", f"/received/{kept_sealed}/content")
    assert kept.status_code == 200 and kept.content == network.design.read_bytes(), "sealed to the old key, still opens"
    assert manage(network.consumer, "GET", "/audit").json()["ok"], "entries signed with the old key still verify"

    _publish(network, new.public_jwks())  # 4. the grace period is over: the hub drops the old key
    assert _catalog_status(network, old) == 401, "a token signed with the retired key is refused"
    assert _catalog_status(network, new) == 200
    config = load_config(network.testbed.root / "consumer" / "node.json")
    own = node_identity(config).own.keys
    assert own.signing_key(old.signing_kid) is not None, "the node still verifies its own audit entries"
    assert own.encryption.kid == new.encryption.kid


def test_rotation_keeps_the_key_file_private(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.jwks.json"
    keys_file.write_text(json.dumps(KeyPairs.generate().private_jwks()), encoding="utf-8")
    keys_file.chmod(0o600)
    rotated = rotate_keys(keys_file)
    assert keys_file.stat().st_mode & 0o077 == 0
    assert len(json.loads(keys_file.read_text(encoding="utf-8"))["keys"]) == 4
    assert KeyPairs.from_jwks(json.loads(keys_file.read_text(encoding="utf-8"))).signing_kid == rotated.signing_kid
