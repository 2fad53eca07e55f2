"""DSP 2025-1 schemas: the specification's examples validate offline, fabnet's builders validate, bad ones do not."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.exchange import messages
from fabnet.exchange.catalog import Asset, catalog, dataset
from fabnet.exchange.schemas import InvalidMessage, validate

EXAMPLE_TYPES_WITHOUT_AT_TYPE = {"protocol-version.json": "VersionResponse"}


def examples(shared_dir: Path) -> list[Path]:
    return sorted((shared_dir / "dsp-2025-1").glob("*/example/*.json"))


def test_every_specification_example_validates(shared_dir: Path) -> None:
    checked = 0
    for path in examples(shared_dir):
        if "did-service" in path.name:
            continue  # DID service entries are not DSP messages
        document = json.loads(path.read_text())
        message_type = document.get("@type", EXAMPLE_TYPES_WITHOUT_AT_TYPE.get(path.name))
        if message_type == "VersionResponse":
            from fabnet.exchange.schemas import validator

            validator("VersionResponse").validate(document)
        else:
            assert validate(document) == message_type, path.name
        checked += 1
    assert checked >= 25


def test_the_package_copy_equals_the_shared_reference(shared_dir: Path) -> None:
    package = Path(__import__("fabnet.exchange", fromlist=["x"]).__file__).parent / "dsp_2025_1"
    for reference in (shared_dir / "dsp-2025-1").glob("*/*-schema.json"):
        copy = package / reference.parent.name / reference.name
        assert copy.read_bytes() == reference.read_bytes(), reference.name


PIDS = ("urn:uuid:p", "urn:uuid:c")
OFFER = {"@id": "urn:x:offer", "@type": "Offer", "target": "urn:x", "permission": [{"action": "use"}]}
AGREEMENT = {"@id": "urn:x:a", "@type": "Agreement", "target": "urn:x", "assigner": "a", "assignee": "b",
             "timestamp": "2026-01-01T00:00:00Z", "permission": [{"action": "use"}]}
ASSET = Asset(id="urn:x", title="x", path="/dev/null")
BUILT = {
    "CatalogRequestMessage": messages.catalog_request(),
    "DatasetRequestMessage": messages.dataset_request("urn:x"),
    "CatalogError": messages.catalog_error("1", ["r"]),
    "Catalog": catalog("urn:m", "http://x", [ASSET]),
    "Dataset": dataset(ASSET, "urn:m:dsp", with_context=True),
    "ContractRequestMessage": messages.contract_request("urn:uuid:c", OFFER, callback="http://x"),
    "ContractOfferMessage": messages.contract_offer("urn:uuid:p", OFFER, "urn:uuid:c"),
    "ContractAgreementMessage": messages.contract_agreement(*PIDS, AGREEMENT),
    "ContractAgreementVerificationMessage": messages.agreement_verification(*PIDS),
    "ContractNegotiationEventMessage": messages.negotiation_event(*PIDS, "ACCEPTED"),
    "ContractNegotiationTerminationMessage": messages.negotiation_termination(*PIDS, "1", ["r"]),
    "ContractNegotiation": messages.contract_negotiation(*PIDS, "REQUESTED"),
    "ContractNegotiationError": messages.negotiation_error(None, "urn:uuid:c", "1", ["r"]),
    "TransferRequestMessage": messages.transfer_request("urn:uuid:c", "urn:x:a", "HttpData-PULL", "http://x"),
    "TransferStartMessage": messages.transfer_start(*PIDS, messages.data_address("http://x/data", "t")),
    "TransferSuspensionMessage": messages.transfer_suspension(*PIDS, "1", ["r"]),
    "TransferCompletionMessage": messages.transfer_completion(*PIDS),
    "TransferTerminationMessage": messages.transfer_termination(*PIDS, "1", ["r"]),
    "TransferProcess": messages.transfer_process(*PIDS, "STARTED"),
    "TransferError": messages.transfer_error(*PIDS, "1", ["r"]),
}


@pytest.mark.parametrize("message_type", sorted(BUILT))
def test_every_message_fabnet_builds_validates(message_type: str) -> None:
    assert validate(BUILT[message_type]) == message_type


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({**BUILT["ContractRequestMessage"], "@type": "Nonsense"}, "@type"),
        ({k: v for k, v in BUILT["ContractRequestMessage"].items() if k != "offer"}, "offer"),
        ({**BUILT["ContractNegotiationEventMessage"], "eventType": "MAYBE"}, "eventType"),
        ({**BUILT["TransferRequestMessage"], "@context": ["https://example.com/other"]}, "@context"),
        ([], "body"),
    ],
)
def test_invalid_messages_name_the_field(document: object, field: str) -> None:
    with pytest.raises(InvalidMessage) as refused:
        validate(document)
    assert field in str(refused.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(base=st.sampled_from(sorted(BUILT)), key=st.sampled_from(["@type", "offer", "providerPid", "consumerPid",
                                                                   "state", "agreement", "reason", "x"]),
       value=json_values)
def test_mutated_messages_never_crash_the_validator(base: str, key: str, value: object) -> None:
    document = {**BUILT[base], key: value}
    try:
        validate(document)
    except InvalidMessage as refused:
        assert str(refused)


def _mutations(document: object, draw: st.DrawFn, depth: int = 0) -> object:
    """`document` with a few of its values replaced, removed or added, at any depth."""
    if isinstance(document, dict):
        changed = {}
        for key, value in document.items():
            action = draw(st.sampled_from(["keep", "keep", "keep", "drop", "replace", "descend"]))
            if action == "keep":
                changed[key] = value
            elif action == "replace":
                changed[key] = draw(json_values)
            elif action == "descend" and depth < 4:
                changed[key] = _mutations(value, draw, depth + 1)
        if draw(st.booleans()):
            changed[draw(st.text(max_size=8))] = draw(json_values)
        return changed
    if isinstance(document, list):
        items = [_mutations(item, draw, depth + 1) for item in document]
        return items + draw(st.lists(json_values, max_size=1))
    return document if draw(st.booleans()) else draw(json_values)


@st.composite
def mutated_messages(draw: st.DrawFn) -> tuple[str, object]:
    base = draw(st.sampled_from(sorted(BUILT)))
    return base, _mutations(BUILT[base], draw)


@settings(max_examples=1500, deadline=None)
@given(case=mutated_messages())
def test_the_fast_validator_accepts_only_what_the_reference_validator_accepts(case: tuple[str, object]) -> None:
    from fabnet.exchange.schemas import fast_validator, validator

    message_type, document = case
    if fast_validator(message_type).is_valid(document):
        assert validator(message_type).is_valid(document), f"fast accepts, reference refuses: {document}"
