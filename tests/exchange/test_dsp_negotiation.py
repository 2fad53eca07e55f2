"""Compatibility-kit style negotiation cases between two real node processes over HTTP."""

import httpx
import pytest

from exchange.dsp_support import AUTO, MANUAL, Network, assert_dsp, manage, member, wait_peer_pid, wait_state
from fabnet.exchange import messages
from fabnet.service.testbed import Service

NEG = "negotiations"


def start(network: Network, asset: str, auto: bool = False) -> tuple[str, str]:
    """A negotiation from consumer to provider; returns (consumer pid, provider pid)."""
    response = manage(network.consumer, "POST", "/negotiations",
                      json={"peer_url": network.provider.url, "offer_id": f"{asset}:offer", "auto": auto})
    assert response.status_code == 201, response.text
    consumer_pid = response.json()["pid"]
    return consumer_pid, wait_peer_pid(network.consumer, NEG, consumer_pid)


def act(node: Service, pid: str, action: str, **body: object) -> httpx.Response:
    return manage(node, "POST", f"/negotiations/{pid}/{action}", json=body)


def both(network: Network, consumer_pid: str, provider_pid: str, state: str) -> None:
    assert wait_state(network.consumer, NEG, consumer_pid, state)["state"] == state
    assert wait_state(network.provider, NEG, provider_pid, state)["state"] == state


def test_happy_path_automatic_is_finalized_with_an_agreement(network: Network) -> None:
    consumer_pid, provider_pid = start(network, AUTO, auto=True)
    done = wait_state(network.consumer, NEG, consumer_pid, "FINALIZED", "TERMINATED")
    assert done["state"] == "FINALIZED"
    agreement = done["agreement"]
    assert agreement["assigner"] == member(network.provider) and agreement["assignee"] == member(network.consumer)
    assert wait_state(network.provider, NEG, provider_pid, "FINALIZED")["agreement_id"] == agreement["@id"]
    assert_dsp(messages.contract_agreement(provider_pid, consumer_pid, agreement), "ContractAgreementMessage")


def test_happy_path_step_by_step(network: Network) -> None:
    consumer_pid, provider_pid = start(network, MANUAL)
    both(network, consumer_pid, provider_pid, "REQUESTED")
    assert act(network.provider, provider_pid, "agree").status_code == 200
    both(network, consumer_pid, provider_pid, "AGREED")
    assert act(network.consumer, consumer_pid, "verify").status_code == 200
    both(network, consumer_pid, provider_pid, "VERIFIED")
    assert act(network.provider, provider_pid, "finalize").status_code == 200
    both(network, consumer_pid, provider_pid, "FINALIZED")


def test_counter_offer_then_accept(network: Network) -> None:
    consumer_pid, provider_pid = start(network, MANUAL)
    counter = {"@id": "urn:fabnet:offer:counter-1", "@type": "Offer", "permission": [
        {"action": "use", "constraint": [{"leftOperand": "purpose", "operator": "eq", "rightOperand": "order-9"}]}]}
    assert act(network.provider, provider_pid, "offer", offer=counter).status_code == 200
    both(network, consumer_pid, provider_pid, "OFFERED")
    seen = manage(network.consumer, "GET", f"/negotiations/{consumer_pid}").json()
    assert seen["offer"]["@id"] == "urn:fabnet:offer:counter-1"
    # the consumer counters the counter-offer, the provider offers again, the consumer accepts
    assert act(network.consumer, consumer_pid, "request", offer={**counter, "@id": "urn:fabnet:offer:counter-2"}
               ).status_code == 200
    both(network, consumer_pid, provider_pid, "REQUESTED")
    assert act(network.provider, provider_pid, "offer", offer=counter).status_code == 200
    both(network, consumer_pid, provider_pid, "OFFERED")
    assert act(network.consumer, consumer_pid, "accept").status_code == 200
    both(network, consumer_pid, provider_pid, "ACCEPTED")
    assert act(network.provider, provider_pid, "agree").status_code == 200
    both(network, consumer_pid, provider_pid, "AGREED")
    agreement = manage(network.consumer, "GET", f"/negotiations/{consumer_pid}").json()["agreement"]
    assert agreement["permission"] == counter["permission"], "the agreement carries the accepted offer's rules"


def _drive_to(network: Network, state: str) -> tuple[str, str]:
    consumer_pid, provider_pid = start(network, MANUAL)
    path = {
        "REQUESTED": [],
        "OFFERED": [("provider", "offer")],
        "ACCEPTED": [("provider", "offer"), ("consumer", "accept")],
        "AGREED": [("provider", "agree")],
        "VERIFIED": [("provider", "agree"), ("consumer", "verify")],
    }[state]
    for side, action in path:
        node, pid = (network.provider, provider_pid) if side == "provider" else (network.consumer, consumer_pid)
        other, other_pid = (network.consumer, consumer_pid) if side == "provider" else (network.provider, provider_pid)
        before = manage(other, "GET", f"/negotiations/{other_pid}").json()["state"]
        assert act(node, pid, action).status_code == 200
        wait_state(other, NEG, other_pid, *({"offer": ["OFFERED"], "accept": ["ACCEPTED"], "agree": ["AGREED"],
                                              "verify": ["VERIFIED"]}[action]))
        assert before != manage(other, "GET", f"/negotiations/{other_pid}").json()["state"]
    both(network, consumer_pid, provider_pid, state)
    return consumer_pid, provider_pid


@pytest.mark.parametrize("state", ["REQUESTED", "OFFERED", "ACCEPTED", "AGREED", "VERIFIED"])
@pytest.mark.parametrize("side", ["consumer", "provider"])
def test_termination_by_either_side_in_each_state(network: Network, state: str, side: str) -> None:
    consumer_pid, provider_pid = _drive_to(network, state)
    node, pid = (network.consumer, consumer_pid) if side == "consumer" else (network.provider, provider_pid)
    assert act(node, pid, "terminate", reason="changed plans").status_code == 200
    both(network, consumer_pid, provider_pid, "TERMINATED")
    again = act(node, pid, "terminate")
    assert again.status_code == 400, "a terminated negotiation cannot be terminated again"


def test_illegal_transitions_are_refused_and_change_nothing(network: Network) -> None:
    consumer_pid, provider_pid = start(network, MANUAL)
    both(network, consumer_pid, provider_pid, "REQUESTED")
    # local: the consumer cannot verify what was never agreed, the provider cannot finalize
    assert act(network.consumer, consumer_pid, "verify").status_code == 400
    assert act(network.provider, provider_pid, "finalize").status_code == 400
    assert act(network.consumer, consumer_pid, "agree").status_code == 400, "only a provider agrees"


def test_illegal_message_from_the_wire_gets_the_error_body(network: Network) -> None:
    probe = network.probe
    response = probe.post(network.provider, "/negotiations/request", messages.contract_request(
        "urn:uuid:probe-illegal-1", {"@id": f"{MANUAL}:offer", "@type": "Offer", "target": MANUAL,
                                     "permission": [{"action": "use"}]}, callback="http://127.0.0.1:9"))
    assert response.status_code == 201, response.text
    assert_dsp(response.json(), "ContractNegotiation")
    provider_pid = response.json()["providerPid"]
    before = manage(network.provider, "GET", "/counts").json()
    # a consumer may not send an agreement, nor verify in REQUESTED, nor finalize
    for path, message in [
        ("agreement/verification", messages.agreement_verification(provider_pid, "urn:uuid:probe-illegal-1")),
        ("events", messages.negotiation_event(provider_pid, "urn:uuid:probe-illegal-1", "FINALIZED")),
        ("agreement", messages.contract_agreement(provider_pid, "urn:uuid:probe-illegal-1", {
            "@id": "urn:uuid:x", "@type": "Agreement", "target": MANUAL, "assigner": "a", "assignee": "b",
            "permission": [{"action": "use"}]})),
    ]:
        refused = probe.post(network.provider, f"/negotiations/{provider_pid}/{path}", message)
        assert refused.status_code == 400, (path, refused.text)
        assert_dsp(refused.json(), "ContractNegotiationError")
    after = manage(network.provider, "GET", "/counts").json()
    assert after["audit"] == before["audit"] and after["inbox"] == before["inbox"]
    state = probe.get(network.provider, f"/negotiations/{provider_pid}")
    assert state.status_code == 200
    assert_dsp(state.json(), "ContractNegotiation")
    assert state.json()["state"] == "REQUESTED"


def test_unknown_process_is_404_with_error_body(network: Network) -> None:
    response = network.probe.post(network.provider, "/negotiations/urn:uuid:nope/termination",
                                  messages.negotiation_termination("urn:uuid:nope", "urn:uuid:c", "x", ["y"]))
    assert response.status_code == 404
    assert_dsp(response.json(), "ContractNegotiationError")
