"""Identity and bad input against a real node: every refusal is a 4xx with the DSP error body and stores nothing."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from exchange.dsp_support import MANUAL, Network, assert_dsp, manage, member
from fabnet.exchange import messages
from fabnet.exchange.keys import KeyPairs
from fabnet.exchange.tokens import issue_token


def request_message(consumer_pid: str) -> dict:
    return messages.contract_request(
        consumer_pid, {"@id": f"{MANUAL}:offer", "@type": "Offer", "target": MANUAL, "permission": [{"action": "use"}]},
        callback="http://127.0.0.1:9")


@pytest.fixture
def counts(network: Network):  # type: ignore[no-untyped-def]
    before = manage(network.provider, "GET", "/counts").json()
    yield before
    after = manage(network.provider, "GET", "/counts").json()
    assert after == before, "a refused request stored nothing"


def _refused(response, status: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert_dsp(response.json(), "ContractNegotiationError")


def test_missing_token_is_401(network: Network, counts: dict) -> None:
    _refused(network.probe.post(network.provider, "/negotiations/request", request_message("urn:uuid:s1"), token=""),
             401)


def test_wrong_audience_is_401(network: Network, counts: dict) -> None:
    token = network.probe.token(member(network.consumer))
    _refused(network.probe.post(network.provider, "/negotiations/request", request_message("urn:uuid:s2"),
                                token=token), 401)


def test_expired_token_is_401(network: Network, counts: dict) -> None:
    token = network.probe.token(member(network.provider), now=datetime.now(UTC) - timedelta(minutes=10))
    _refused(network.probe.post(network.provider, "/negotiations/request", request_message("urn:uuid:s3"),
                                token=token), 401)


def test_unsigned_token_is_401(network: Network, counts: dict) -> None:
    def b64(data: dict) -> str:
        import base64

        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"iss": network.probe.member_id, "sub": network.probe.member_id, "aud": member(network.provider),
              "exp": int(time.time()) + 60, "jti": "unsigned-1"}
    token = f"{b64({'alg': 'none'})}.{b64(claims)}."
    _refused(network.probe.post(network.provider, "/negotiations/request", request_message("urn:uuid:s4"),
                                token=token), 401)


def test_stranger_signed_with_own_key_is_403(network: Network, counts: dict) -> None:
    token = issue_token(KeyPairs.generate(), "urn:fabnet:member:stranger", member(network.provider),
                        datetime.now(UTC))
    _refused(network.probe.post(network.provider, "/negotiations/request", request_message("urn:uuid:s5"),
                                token=token), 403)


def test_impostor_with_a_members_name_but_other_key_is_401(network: Network, counts: dict) -> None:
    token = issue_token(KeyPairs.generate(), network.probe.member_id, member(network.provider), datetime.now(UTC))
    _refused(network.probe.post(network.provider, "/negotiations/request", request_message("urn:uuid:s6"),
                                token=token), 401)


def test_replayed_token_is_401(network: Network) -> None:
    token = network.probe.token(member(network.provider))
    first = network.probe.get(network.provider, "/catalog/datasets/" + MANUAL)
    assert first.status_code == 200
    once = network.probe.post(network.provider, "/catalog/request", messages.catalog_request(), token=token)
    assert once.status_code == 200
    again = network.probe.post(network.provider, "/catalog/request", messages.catalog_request(), token=token)
    assert again.status_code == 401
    assert "replay" in again.json()["reason"][0]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (json.dumps({**request_message("urn:uuid:b1"), "@type": "ContractOfferMessage"}).encode(), "application/json",
         400),
        (json.dumps({k: v for k, v in request_message("urn:uuid:b2").items() if k != "offer"}).encode(),
         "application/json", 400),
        (json.dumps(request_message("urn:uuid:b3")).encode(), "text/plain", 415),
        (json.dumps({**request_message("urn:uuid:b4"), "pad": "x" * (2 << 20)}).encode(), "application/json", 413),
        (b"[1, 2, 3]", "application/json", 400),
    ],
    ids=["malformed-json", "wrong-type", "missing-offer", "wrong-content-type", "oversize", "not-an-object"],
)
def test_bad_input_is_refused_with_the_error_body(network: Network, counts: dict, body: bytes, content_type: str,
                                                  status: int) -> None:
    response = network.probe.post(network.provider, "/negotiations/request", body, content_type=content_type)
    _refused(response, status)
    assert network.provider.process is not None and network.provider.process.poll() is None, "node keeps serving"


def test_revoked_member_is_refused(network: Network) -> None:
    testbed = network.testbed
    assert testbed.registry is not None
    keys, _ = testbed.onboard("revokee", "55667788", "http://127.0.0.1:9")
    testbed.refresh_trust()
    token = issue_token(keys, "urn:fabnet:member:revokee", member(network.provider), datetime.now(UTC))
    ok = network.probe.post(network.provider, "/catalog/request", messages.catalog_request(), token=token)
    assert ok.status_code == 200
    assert testbed.registry.revoke("urn:fabnet:member:revokee")
    testbed.refresh_trust()
    token = issue_token(keys, "urn:fabnet:member:revokee", member(network.provider), datetime.now(UTC))
    refused = network.probe.post(network.provider, "/catalog/request", messages.catalog_request(), token=token)
    assert refused.status_code == 403
    assert_dsp(refused.json(), "CatalogError")
