"""Nothing lost: `kill -9` a node in the middle of a negotiation and of a transfer; after a restart the process
completes with the same result and without duplicates (outbox retries, inbox dedup, resumed pulls)."""

import hashlib
import time
from pathlib import Path

import pytest

from exchange.dsp_support import AUTO, BIG, BIG_BYTES, Network, manage, wait_state

NEG, TRA = "negotiations", "transfers"
pytestmark = pytest.mark.slow


def _negotiate(network: Network, asset: str) -> str:
    response = manage(network.consumer, "POST", "/negotiations",
                      json={"peer_url": network.provider.url, "offer_id": f"{asset}:offer"})
    assert response.status_code == 201, response.text
    return response.json()["pid"]


def test_provider_killed_during_a_negotiation(network: Network) -> None:
    network.provider.stop(kill=True)
    try:
        consumer_pid = manage(network.consumer, "POST", "/negotiations", json={
            "peer_url": network.provider.url,
            "offer": {"@id": f"{AUTO}:offer", "@type": "Offer", "target": AUTO, "permission": [{"action": "use"}]},
        }).json()["pid"]
        time.sleep(0.5)  # the request is committed in the consumer's outbox and fails to go out meanwhile
        assert manage(network.consumer, "GET", f"/negotiations/{consumer_pid}").json()["state"] == "REQUESTED"
    finally:
        network.provider.start()
        network.provider.wait_ready("/.well-known/dspace-version")
    done = wait_state(network.consumer, NEG, consumer_pid, "FINALIZED", "TERMINATED", timeout=90)
    assert done["state"] == "FINALIZED"
    provider_view = wait_state(network.provider, NEG, done["peer_pid"], "FINALIZED")
    assert provider_view["agreement_id"] == done["agreement_id"]
    outbox = manage(network.consumer, "GET", "/outbox").json()
    assert outbox["failed"] == 0


def test_consumer_killed_right_after_requesting(network: Network) -> None:
    consumer_pid = _negotiate(network, AUTO)
    network.testbed.restart_node("consumer", kill=True)
    done = wait_state(network.consumer, NEG, consumer_pid, "FINALIZED", "TERMINATED", timeout=90)
    assert done["state"] == "FINALIZED"
    counts = manage(network.provider, "GET", "/counts").json()
    again = manage(network.provider, "GET", "/counts").json()
    assert counts["negotiations"] == again["negotiations"]


def test_consumer_killed_during_a_large_transfer(network: Network) -> None:
    agreement = wait_state(network.consumer, NEG, _negotiate(network, BIG), "FINALIZED", timeout=60)["agreement_id"]
    transfer_pid = manage(network.consumer, "POST", "/transfers", json={"agreement_id": agreement}).json()["pid"]
    received = Path(network.testbed.root / "consumer" / "data" / "received")
    partial = received / (transfer_pid.replace(":", "_") + ".part")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (partial.exists() and partial.stat().st_size > 0):
        time.sleep(0.005)
    interrupted = partial.exists() and partial.stat().st_size < BIG_BYTES
    network.testbed.restart_node("consumer", kill=True)
    done = wait_state(network.consumer, TRA, transfer_pid, "COMPLETED", "TERMINATED", timeout=120)
    assert done["state"] == "COMPLETED", done["error"]
    assert interrupted, "the kill landed while the stream was being written"
    expected = hashlib.sha256(network.big.read_bytes()).hexdigest()
    assert done["content_sha256"] == expected and done["size"] == BIG_BYTES
    provider_transfers = manage(network.provider, "GET", "/counts").json()["transfers"]
    assert wait_state(network.provider, TRA, done["peer_pid"], "COMPLETED")["state"] == "COMPLETED"
    assert manage(network.provider, "GET", "/counts").json()["transfers"] == provider_transfers
