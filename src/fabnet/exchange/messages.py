"""Builders of the DSP 2025-1 messages fabnet sends, in compacted JSON-LD form (validated in tests and at send)."""

from fabnet.exchange.schemas import DSP_CONTEXT

CONTEXT = [DSP_CONTEXT]


def _with_pids(message_type: str, provider_pid: str | None, consumer_pid: str | None, **fields: object) -> dict:
    message: dict = {"@context": CONTEXT, "@type": message_type}
    if provider_pid is not None:
        message["providerPid"] = provider_pid
    if consumer_pid is not None:
        message["consumerPid"] = consumer_pid
    message.update({key: value for key, value in fields.items() if value is not None})
    return message


def version_response(path: str = "/") -> dict:
    return {"protocolVersions": [{"version": "2025-1", "path": path, "binding": "HTTPS"}]}


def catalog_request(filters: list | None = None) -> dict:
    return {"@context": CONTEXT, "@type": "CatalogRequestMessage", "filter": filters or []}


def dataset_request(dataset_id: str) -> dict:
    return {"@context": CONTEXT, "@type": "DatasetRequestMessage", "dataset": dataset_id}


def catalog_error(code: str, reasons: list[str]) -> dict:
    return {"@context": CONTEXT, "@type": "CatalogError", "code": code, "reason": reasons}


def contract_request(
    consumer_pid: str, offer: dict, callback: str | None = None, provider_pid: str | None = None
) -> dict:
    """The initial request (with `callbackAddress`) or a counter-request on an existing negotiation."""
    return _with_pids(
        "ContractRequestMessage", provider_pid, consumer_pid, offer=offer,
        callbackAddress=callback if provider_pid is None else None,
    )


def contract_offer(
    provider_pid: str, offer: dict, consumer_pid: str | None = None, callback: str | None = None
) -> dict:
    return _with_pids("ContractOfferMessage", provider_pid, consumer_pid, offer=offer, callbackAddress=callback)


def contract_agreement(provider_pid: str, consumer_pid: str, agreement: dict) -> dict:
    return _with_pids("ContractAgreementMessage", provider_pid, consumer_pid, agreement=agreement)


def agreement_verification(provider_pid: str, consumer_pid: str) -> dict:
    return _with_pids("ContractAgreementVerificationMessage", provider_pid, consumer_pid)


def negotiation_event(provider_pid: str, consumer_pid: str, event_type: str) -> dict:
    return _with_pids("ContractNegotiationEventMessage", provider_pid, consumer_pid, eventType=event_type)


def negotiation_termination(provider_pid: str, consumer_pid: str, code: str, reasons: list[str]) -> dict:
    return _with_pids("ContractNegotiationTerminationMessage", provider_pid, consumer_pid, code=code, reason=reasons)


def contract_negotiation(provider_pid: str, consumer_pid: str, state: str) -> dict:
    return _with_pids("ContractNegotiation", provider_pid, consumer_pid, state=state)


def negotiation_error(provider_pid: str | None, consumer_pid: str | None, code: str, reasons: list[str]) -> dict:
    # The schema requires both pids; an unknown one is sent as the empty string rather than invented.
    return _with_pids("ContractNegotiationError", provider_pid or "", consumer_pid or "", code=code, reason=reasons)


def transfer_request(consumer_pid: str, agreement_id: str, fmt: str, callback: str) -> dict:
    return _with_pids(
        "TransferRequestMessage", None, consumer_pid, agreementId=agreement_id, format=fmt, callbackAddress=callback
    )


def data_address(endpoint: str, token: str) -> dict:
    return {
        "@type": "DataAddress",
        "endpointType": "https://w3id.org/idsa/v4.1/HTTP",
        "endpoint": endpoint,
        "endpointProperties": [
            {"@type": "EndpointProperty", "name": "authorization", "value": token},
            {"@type": "EndpointProperty", "name": "authType", "value": "bearer"},
        ],
    }


def transfer_start(provider_pid: str, consumer_pid: str, address: dict | None = None) -> dict:
    return _with_pids("TransferStartMessage", provider_pid, consumer_pid, dataAddress=address)


def transfer_suspension(provider_pid: str, consumer_pid: str, code: str, reasons: list[str]) -> dict:
    return _with_pids("TransferSuspensionMessage", provider_pid, consumer_pid, code=code, reason=reasons)


def transfer_completion(provider_pid: str, consumer_pid: str) -> dict:
    return _with_pids("TransferCompletionMessage", provider_pid, consumer_pid)


def transfer_termination(provider_pid: str, consumer_pid: str, code: str, reasons: list[str]) -> dict:
    return _with_pids("TransferTerminationMessage", provider_pid, consumer_pid, code=code, reason=reasons)


def transfer_process(provider_pid: str, consumer_pid: str, state: str) -> dict:
    return _with_pids("TransferProcess", provider_pid, consumer_pid, state=state)


def transfer_error(provider_pid: str | None, consumer_pid: str | None, code: str, reasons: list[str]) -> dict:
    return _with_pids("TransferError", provider_pid or "", consumer_pid or "", code=code, reason=reasons)
