"""Compatibility-kit style transfer cases between two real node processes: start, suspend, resume, complete,
terminate and illegal moves; the payload arrives signed, encrypted, verified and encrypted at rest."""

from pathlib import Path

from exchange.dsp_support import AUTO, Network, assert_dsp, manage, wait_peer_pid, wait_state
from fabnet.exchange import messages

NEG, TRA = "negotiations", "transfers"


def agreement(network: Network, asset: str = AUTO) -> str:
    response = manage(network.consumer, "POST", "/negotiations",
                      json={"peer_url": network.provider.url, "offer_id": f"{asset}:offer"})
    assert response.status_code == 201, response.text
    done = wait_state(network.consumer, NEG, response.json()["pid"], "FINALIZED", "TERMINATED")
    assert done["state"] == "FINALIZED", done
    return done["agreement_id"]


def transfer(network: Network, agreement_id: str, auto: bool) -> tuple[str, str]:
    response = manage(network.consumer, "POST", "/transfers", json={"agreement_id": agreement_id, "auto": auto})
    assert response.status_code == 201, response.text
    pid = response.json()["pid"]
    return pid, wait_peer_pid(network.consumer, TRA, pid)


def act(network: Network, side: str, pid: str, action: str) -> int:
    node = network.consumer if side == "consumer" else network.provider
    return manage(node, "POST", f"/transfers/{pid}/{action}").status_code


def both(network: Network, consumer_pid: str, provider_pid: str, state: str) -> None:
    assert wait_state(network.consumer, TRA, consumer_pid, state)["state"] == state
    assert wait_state(network.provider, TRA, provider_pid, state)["state"] == state


def test_transfer_completes_and_payload_is_verified_and_sealed_at_rest(network: Network) -> None:
    consumer_pid, provider_pid = transfer(network, agreement(network), auto=True)
    done = wait_state(network.consumer, TRA, consumer_pid, "COMPLETED", "TERMINATED", timeout=60)
    assert done["state"] == "COMPLETED", done
    assert wait_state(network.provider, TRA, provider_pid, "COMPLETED")["state"] == "COMPLETED"
    content = manage(network.consumer, "GET", f"/received/{consumer_pid}/content")
    assert content.status_code == 200
    assert content.content == network.design.read_bytes()
    sealed = next(Path(network.testbed.root / "consumer" / "data" / "received").glob("*.sealed"))
    assert network.design.read_bytes()[:4096] not in sealed.read_bytes(), "stored encrypted, not in plain"


def test_start_suspend_resume_complete(network: Network) -> None:
    consumer_pid, provider_pid = transfer(network, agreement(network), auto=False)
    both(network, consumer_pid, provider_pid, "STARTED")
    assert act(network, "consumer", consumer_pid, "suspend") == 200
    both(network, consumer_pid, provider_pid, "SUSPENDED")
    assert act(network, "consumer", consumer_pid, "start") == 200, "the consumer may resume a suspended transfer"
    both(network, consumer_pid, provider_pid, "STARTED")
    assert act(network, "provider", provider_pid, "suspend") == 200
    both(network, consumer_pid, provider_pid, "SUSPENDED")
    assert act(network, "provider", provider_pid, "start") == 200
    both(network, consumer_pid, provider_pid, "STARTED")
    assert act(network, "provider", provider_pid, "complete") == 200
    both(network, consumer_pid, provider_pid, "COMPLETED")


def test_terminate_from_started_and_suspended(network: Network) -> None:
    agreement_id = agreement(network)
    for side in ("consumer", "provider"):
        consumer_pid, provider_pid = transfer(network, agreement_id, auto=False)
        both(network, consumer_pid, provider_pid, "STARTED")
        pid = consumer_pid if side == "consumer" else provider_pid
        assert act(network, side, pid, "terminate") == 200
        both(network, consumer_pid, provider_pid, "TERMINATED")
    consumer_pid, provider_pid = transfer(network, agreement_id, auto=False)
    both(network, consumer_pid, provider_pid, "STARTED")
    assert act(network, "consumer", consumer_pid, "suspend") == 200
    both(network, consumer_pid, provider_pid, "SUSPENDED")
    assert act(network, "provider", provider_pid, "terminate") == 200
    both(network, consumer_pid, provider_pid, "TERMINATED")


def test_illegal_transfer_moves_are_refused(network: Network) -> None:
    consumer_pid, provider_pid = transfer(network, agreement(network), auto=False)
    both(network, consumer_pid, provider_pid, "STARTED")
    assert act(network, "consumer", consumer_pid, "start") == 400, "cannot start a started transfer"
    assert act(network, "provider", provider_pid, "complete") == 200
    both(network, consumer_pid, provider_pid, "COMPLETED")
    for action in ("suspend", "start", "terminate", "complete"):
        assert act(network, "consumer", consumer_pid, action) == 400, action
    # from the wire: a suspension of a completed transfer
    refused = network.probe.post(network.provider, f"/transfers/{provider_pid}/suspension",
                                 messages.transfer_suspension(provider_pid, consumer_pid, "x", ["y"]))
    assert refused.status_code == 404, "the probe is not this transfer's consumer"
    assert_dsp(refused.json(), "TransferError")


def test_transfer_without_an_agreement_is_refused(network: Network) -> None:
    response = network.probe.post(network.provider, "/transfers/request", messages.transfer_request(
        "urn:uuid:probe-t1", "urn:uuid:no-such-agreement", "HttpData-PULL", "http://127.0.0.1:9"))
    assert response.status_code == 400
    assert_dsp(response.json(), "TransferError")
    assert response.json()["consumerPid"] == "urn:uuid:probe-t1"


def test_data_endpoint_refuses_without_the_data_token(network: Network) -> None:
    consumer_pid, provider_pid = transfer(network, agreement(network), auto=False)
    both(network, consumer_pid, provider_pid, "STARTED")
    response = network.probe.get(network.provider, f"/data/{provider_pid}")
    assert response.status_code in (403, 404)
