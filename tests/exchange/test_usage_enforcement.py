"""Consumer-side enforcement between real nodes: purpose, count, logged uses, expiry sweep, onward sharing."""

from exchange.dsp_support import GUARDED, SHAREABLE, Network, manage, wait_state

NEG, TRA = "negotiations", "transfers"


def receive(network: Network, asset: str) -> str:
    started = manage(network.consumer, "POST", "/negotiations",
                     json={"peer_url": network.provider.url, "offer_id": f"{asset}:offer"})
    assert started.status_code == 201, started.text
    done = wait_state(network.consumer, NEG, started.json()["pid"], "FINALIZED", "TERMINATED")
    assert done["state"] == "FINALIZED", done
    transfer = manage(network.consumer, "POST", "/transfers", json={"agreement_id": done["agreement_id"]})
    pid = transfer.json()["pid"]
    assert wait_state(network.consumer, TRA, pid, "COMPLETED", "TERMINATED", timeout=60)["state"] == "COMPLETED"
    return pid


def use(network: Network, asset_id: str, purpose: str | None = None, now: str | None = None) -> int:
    params = {key: value for key, value in (("purpose", purpose), ("now", now)) if value}
    return manage(network.consumer, "GET", f"/received/{asset_id}/content", params=params).status_code


def test_purpose_and_count_are_enforced_and_every_use_is_logged(network: Network) -> None:
    asset_id = receive(network, GUARDED)
    assert use(network, asset_id, purpose="order-0001") == 403, "wrong purpose"
    assert use(network, asset_id, purpose="order-4711") == 200
    assert use(network, asset_id, purpose="order-4711") == 200
    assert use(network, asset_id, purpose="order-4711") == 403, "count lteq 2: the third use is refused"
    log = manage(network.consumer, "GET", f"/received/{asset_id}/log").json()
    assert [entry["allowed"] for entry in log] == [False, True, True, False]
    assert "compensate 12.50" in log[1]["reason"], "the compensate duty is recorded for billing"


def test_onward_transfer_of_a_prohibited_asset_is_refused(network: Network) -> None:
    asset_id = receive(network, GUARDED)
    refused = manage(network.consumer, "POST", f"/received/{asset_id}/share")
    assert refused.status_code == 403
    shareable = receive(network, SHAREABLE)
    assert manage(network.consumer, "POST", f"/received/{shareable}/share").status_code == 200


def test_expiry_sweep_deletes_with_a_fake_clock(network: Network) -> None:
    asset_id = receive(network, GUARDED)
    early = manage(network.consumer, "POST", "/sweep", params={"now": "2029-12-31T23:59:00Z"}).json()
    assert asset_id not in early["deleted"]
    assert use(network, asset_id, purpose="order-4711") == 200
    late = manage(network.consumer, "POST", "/sweep", params={"now": "2030-01-01T00:00:01Z"}).json()
    assert asset_id in late["deleted"]
    assert use(network, asset_id, purpose="order-4711") == 410, "deleted after its delete duty fell due"
