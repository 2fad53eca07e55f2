"""The node's OpenAPI document names, for every DSP endpoint, the message it takes and the answers it gives.

The DSP handlers read the raw request (the message is validated against the DSP 2025-1 JSON Schemas by
`dsp_io`, after the token), so FastAPI cannot see their bodies; this module adds them from those same schemas,
bundled as components, so a client (or a fuzzer such as schemathesis) sees the real contract.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from fabnet.exchange.schemas import DSP_PREFIX, SCHEMA_FILES, registry

ERROR_STATUSES = {
    "400": "malformed JSON, not the expected message, or a move the state machine does not allow",
    "401": "no valid self-issued token: missing, forged, expired, replayed or for another audience",
    "403": "the sender is revoked or not on the hub's trust list",
    "404": "no such process (or not one of the sender's)",
    "409": "the process is not in a state that allows this",
    "413": "the body is larger than the node accepts",
    "415": "the body is not JSON",
}
DATA_STATUSES = {**{code: ERROR_STATUSES[code] for code in ("401", "403", "404", "409")},
                 "410": "the asset is no longer offered"}


@dataclass(frozen=True)
class DspOperation:
    request: str | None
    success: str
    response: str | None
    error: str


def _component(uri: str) -> str:
    """`https://w3id.org/dspace/2025/1/transfer/x-schema.json#/definitions/Y` -> `transfer.x-schema.Y`."""
    document, _, pointer = uri.partition("#")
    name = document.removeprefix(DSP_PREFIX).removesuffix(".json").replace("/", ".")
    definition = pointer.lstrip("/").removeprefix("definitions/")
    return f"{name}.{definition}" if definition else name


def _rewrite(node: Any, base: str) -> Any:
    """A schema with every `$ref` pointing at the bundled components; draft-2019 keywords OpenAPI does not need
    are dropped."""
    if isinstance(node, list):
        return [_rewrite(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {}
    for key, value in node.items():
        if key in ("$schema", "$id", "definitions"):
            continue
        if key == "$ref" and isinstance(value, str):
            target = base + value if value.startswith("#") else value
            rewritten[key] = "#/components/schemas/" + _component(target.replace("#definitions/", "#/definitions/"))
        else:
            rewritten[key] = _rewrite(value, base)
    return rewritten


def bundled_schemas() -> dict[str, dict]:
    """Every shipped DSP schema and each of its definitions, as OpenAPI components."""
    components: dict[str, dict] = {}
    schemas = registry()
    for uri in schemas:
        contents = schemas.contents(uri)
        components[_component(uri)] = _rewrite(contents, uri)
        for name, definition in contents.get("definitions", {}).items():
            components[_component(f"{uri}#/definitions/{name}")] = _rewrite(definition, uri)
    return components


def _ref(message_type: str) -> dict:
    return {"$ref": "#/components/schemas/" + _component(DSP_PREFIX + SCHEMA_FILES[message_type])}


def _json(message_type: str) -> dict:
    return {"application/json": {"schema": _ref(message_type)}}


_CATALOG, _NEGOTIATION, _TRANSFER = "CatalogError", "ContractNegotiationError", "TransferError"
_PID_STEPS = {
    "request": "ContractRequestMessage", "offers": "ContractOfferMessage", "agreement": "ContractAgreementMessage",
    "agreement/verification": "ContractAgreementVerificationMessage", "events": "ContractNegotiationEventMessage",
    "termination": "ContractNegotiationTerminationMessage",
}
_TRANSFER_STEPS = {"start": "TransferStartMessage", "completion": "TransferCompletionMessage",
                   "suspension": "TransferSuspensionMessage", "termination": "TransferTerminationMessage"}
OPERATIONS: dict[tuple[str, str], DspOperation] = {
    ("post", "/catalog/request"): DspOperation("CatalogRequestMessage", "200", "Catalog", _CATALOG),
    ("get", "/catalog/datasets/{dataset_id}"): DspOperation(None, "200", "Dataset", _CATALOG),
    ("post", "/negotiations/request"): DspOperation("ContractRequestMessage", "201", "ContractNegotiation",
                                                    _NEGOTIATION),
    ("post", "/negotiations/offers"): DspOperation("ContractOfferMessage", "201", "ContractNegotiation", _NEGOTIATION),
    **{("post", f"/negotiations/{{pid}}/{step}"): DspOperation(message, "200", "ContractNegotiation", _NEGOTIATION)
       for step, message in _PID_STEPS.items()},
    ("get", "/negotiations/{pid}"): DspOperation(None, "200", "ContractNegotiation", _NEGOTIATION),
    ("post", "/transfers/request"): DspOperation("TransferRequestMessage", "201", "TransferProcess", _TRANSFER),
    **{("post", f"/transfers/{{pid}}/{step}"): DspOperation(message, "200", "TransferProcess", _TRANSFER)
       for step, message in _TRANSFER_STEPS.items()},
    ("get", "/transfers/{pid}"): DspOperation(None, "200", "TransferProcess", _TRANSFER),
    ("get", "/data/{pid}"): DspOperation(None, "200", None, _TRANSFER),
}
BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
          "description": "a self-issued token signed with the sender's Ed25519 key (iss = sub = member id)"}


def _describe(operation: dict, dsp: DspOperation) -> None:
    if dsp.request is not None:
        operation["requestBody"] = {"required": True, "content": _json(dsp.request)}
    success = ({"description": "the sealed stream (see fabnet.exchange.payload)",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
               if dsp.response is None else {"description": dsp.response, "content": _json(dsp.response)})
    statuses = DATA_STATUSES if dsp.response is None else ERROR_STATUSES
    if dsp.request is None:
        statuses = {code: text for code, text in statuses.items() if code not in ("413", "415")}
    operation["responses"] = {dsp.success: success, **{code: {"description": text, "content": _json(dsp.error)}
                                                       for code, text in statuses.items()}}
    operation["security"] = [{"dspToken": []}]


def document(openapi: dict) -> dict:
    """Add the DSP messages, answers and token scheme to a generated OpenAPI document (in place)."""
    components = openapi.setdefault("components", {})
    components.setdefault("schemas", {}).update(bundled_schemas())
    components.setdefault("securitySchemes", {})["dspToken"] = BEARER
    version = openapi.get("paths", {}).get("/.well-known/dspace-version", {}).get("get")
    if version is not None:
        version["responses"] = {"200": {"description": "the protocol versions", "content": _json("VersionResponse")}}
    for (method, path), dsp in OPERATIONS.items():
        operation = openapi.get("paths", {}).get(path, {}).get(method)
        if operation is not None:
            _describe(operation, dsp)
    return openapi


def install(app: FastAPI) -> None:
    """Make `app.openapi()` (and `/openapi.json`) return the documented form."""
    generate = app.openapi

    def documented() -> dict:
        if app.openapi_schema is None:
            document(generate())  # `generate` caches its result on the app; it is completed in place
        return app.openapi_schema or {}

    app.openapi = documented  # type: ignore[method-assign]
