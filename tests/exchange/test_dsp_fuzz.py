"""Fuzzing the live node's DSP endpoints with hypothesis: whatever arrives, the answer is a 4xx with a DSP error
body (never a 5xx), and the node keeps serving."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.dsp_support import Network, member
from fabnet.exchange.schemas import validate

PATHS = [
    "/catalog/request",
    "/negotiations/request",
    "/negotiations/urn:uuid:fuzz/request",
    "/negotiations/urn:uuid:fuzz/events",
    "/negotiations/urn:uuid:fuzz/agreement",
    "/negotiations/urn:uuid:fuzz/agreement/verification",
    "/negotiations/urn:uuid:fuzz/termination",
    "/negotiations/urn:uuid:fuzz/offers",
    "/transfers/request",
    "/transfers/urn:uuid:fuzz/start",
    "/transfers/urn:uuid:fuzz/completion",
    "/transfers/urn:uuid:fuzz/suspension",
    "/transfers/urn:uuid:fuzz/termination",
]
TYPES = ["ContractRequestMessage", "ContractOfferMessage", "ContractAgreementMessage", "TransferRequestMessage",
         "TransferStartMessage", "CatalogRequestMessage", "ContractNegotiationEventMessage", "Nonsense"]
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=6), inner, max_size=3), max_leaves=8)
messages = st.fixed_dictionaries(
    {"@context": st.sampled_from([["https://w3id.org/dspace/2025/1/context.jsonld"], "x", []]),
     "@type": st.sampled_from(TYPES)},
    optional={"consumerPid": scalars, "providerPid": scalars, "offer": values, "agreement": values,
              "callbackAddress": scalars, "eventType": st.sampled_from(["ACCEPTED", "FINALIZED", "X"]),
              "agreementId": scalars, "format": scalars, "code": scalars, "reason": values, "dataAddress": values},
)
bodies = messages.map(lambda m: json.dumps(m).encode()) | st.binary(max_size=64)
CASES = 150


@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), body=bodies)
def test_no_input_makes_the_node_fail(network: Network, path: str, body: bytes) -> None:
    response = network.probe.post(network.provider, path, body, audience=member(network.provider))
    assert response.status_code < 500, (path, body, response.text)
    if response.status_code >= 400:
        document = response.json()
        assert validate(document).endswith("Error")
