"""The DSP 2025-1 JSON Schemas shipped with fabnet, resolved offline, and message validation against them.

Every message is checked by a compiled (Rust) validator first, which costs microseconds where the reference
`jsonschema` validator costs most of a millisecond; a message it refuses is checked again by `jsonschema`, whose
error names the field and reason. The reference validator has the last word on a refusal, so the fast one can only
make validation cheaper, never stricter (tests/exchange/test_schemas.py compares the two on generated messages).
"""

import json
from functools import cache
from importlib import resources

import jsonschema_rs
from jsonschema import Draft201909Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT201909

DSP_PREFIX = "https://w3id.org/dspace/2025/1/"
DSP_CONTEXT = "https://w3id.org/dspace/2025/1/context.jsonld"

SCHEMA_FILES: dict[str, str] = {
    "CatalogRequestMessage": "catalog/catalog-request-message-schema.json",
    "DatasetRequestMessage": "catalog/dataset-request-message-schema.json",
    "Catalog": "catalog/catalog-schema.json",
    "Dataset": "catalog/dataset-schema.json",
    "CatalogError": "catalog/catalog-error-schema.json",
    "ContractRequestMessage": "negotiation/contract-request-message-schema.json",
    "ContractOfferMessage": "negotiation/contract-offer-message-schema.json",
    "ContractAgreementMessage": "negotiation/contract-agreement-message-schema.json",
    "ContractAgreementVerificationMessage": "negotiation/contract-agreement-verification-message-schema.json",
    "ContractNegotiationEventMessage": "negotiation/contract-negotiation-event-message-schema.json",
    "ContractNegotiationTerminationMessage": "negotiation/contract-negotiation-termination-message-schema.json",
    "ContractNegotiation": "negotiation/contract-negotiation-schema.json",
    "ContractNegotiationError": "negotiation/contract-negotiation-error-schema.json",
    "TransferRequestMessage": "transfer/transfer-request-message-schema.json",
    "TransferStartMessage": "transfer/transfer-start-message-schema.json",
    "TransferSuspensionMessage": "transfer/transfer-suspension-message-schema.json",
    "TransferCompletionMessage": "transfer/transfer-completion-message-schema.json",
    "TransferTerminationMessage": "transfer/transfer-termination-message-schema.json",
    "TransferProcess": "transfer/transfer-process-schema.json",
    "TransferError": "transfer/transfer-error-schema.json",
    "VersionResponse": "common/protocol-version-schema.json",
}


class InvalidMessage(ValueError):
    """A document that is not the DSP message it claims (or is expected) to be; the text names field and reason."""


def _package_root() -> resources.abc.Traversable:
    return resources.files("fabnet.exchange").joinpath("dsp_2025_1")


def _repair_fragment_refs(text: str) -> str:
    # The published transfer schemas write `#definitions/X`, not a JSON pointer; `#/definitions/X` is meant.
    return text.replace(".json#definitions/", ".json#/definitions/").replace('"#definitions/', '"#/definitions/')


@cache
def _documents() -> dict[str, dict]:
    """Every shipped schema by its absolute `$id`."""
    root = _package_root()
    documents = {}
    for folder in ("catalog", "common", "negotiation", "transfer"):
        for entry in root.joinpath(folder).iterdir():
            if entry.name.endswith("-schema.json"):
                document = json.loads(_repair_fragment_refs(entry.read_text(encoding="utf-8")))
                documents[document["$id"]] = document
    return documents


@cache
def registry() -> Registry:
    """Every shipped schema under its absolute `$id`, so `$ref`s resolve without the network."""
    return Registry().with_resources(
        (uri, Resource.from_contents(document, default_specification=DRAFT201909))
        for uri, document in _documents().items())


@cache
def validator(message_type: str) -> Draft201909Validator:
    """The compiled validator of one DSP message or response type."""
    if message_type not in SCHEMA_FILES:
        raise InvalidMessage(f"@type: unknown DSP message type {message_type!r}")
    schema_id = DSP_PREFIX + SCHEMA_FILES[message_type]
    schema = registry().contents(schema_id)
    return Draft201909Validator(schema, registry=registry())


@cache
def fast_validator(message_type: str) -> jsonschema_rs.Draft201909Validator:
    """The compiled (Rust) validator of one DSP message type: `$ref`s resolved once, offline; formats are
    annotations only, as for the reference validator (which is given no format checker)."""
    if message_type not in SCHEMA_FILES:
        raise InvalidMessage(f"@type: unknown DSP message type {message_type!r}")
    documents = _documents()
    return jsonschema_rs.Draft201909Validator(
        documents[DSP_PREFIX + SCHEMA_FILES[message_type]], registry=jsonschema_rs.Registry(list(documents.items())),
        validate_formats=False)


@cache
def jsonld_context(name: str) -> dict:
    """A shipped JSON-LD context (`dspace` or `odrl`), for processors that must never fetch it."""
    return json.loads(_package_root().joinpath("context", f"{name}.jsonld").read_text(encoding="utf-8"))


def validate(document: object, expected_type: str | None = None) -> str:
    """Validate a compacted DSP message; return its `@type`. Raises InvalidMessage with a one-line reason."""
    if not isinstance(document, dict):
        raise InvalidMessage("body: a DSP message must be a JSON object")
    message_type = document.get("@type")
    if not isinstance(message_type, str):
        raise InvalidMessage("@type: missing or not a string")
    if expected_type is not None and message_type != expected_type:
        raise InvalidMessage(f"@type: expected {expected_type!r}, got {message_type!r}")
    if fast_validator(message_type).is_valid(document):
        return message_type
    error = best_match(validator(message_type).iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(message)"
        raise InvalidMessage(f"{where}: {error.message}")
    return message_type
