"""Contracts and design transfers over the Dataspace Protocol between the nodes, one per sub-order.

The receiving company's node offers the design (its AAS document) to the partner only, for the sub-order's purpose
and without the right to pass it on; the partner's node negotiates the contract and pulls the design over DSP, the
bytes it received are checked against the offered file, and the partner's node takes the design and the sub-order
into its own records through its API. A partner that fails here is replaced by re-allocating its work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from fabnet.domain import Design
from fabnet.network.allocation import SubOrder
from fabnet.scenarios.demo.marketplace import Allocated, replace_partner
from fabnet.scenarios.demo.results import ContractRow, ContractsResult, ReplacementRow
from fabnet.scenarios.demo_network.nodes import CompanyNode, RunningNetwork
from fabnet.standards.aas import read_document
from fabnet.store import Store

NEGOTIATION_TIMEOUT_S = 60.0
TRANSFER_TIMEOUT_S = 120.0


class ContractFailed(RuntimeError):
    """A negotiation or transfer with a partner did not complete; names the sub-order, the partner and why.
    `partner_failed` is false when the receiver's side failed (then another partner would not help)."""

    def __init__(self, message: str, partner_failed: bool = True) -> None:
        super().__init__(message)
        self.partner_failed = partner_failed


def design_asset(sub: SubOrder, partner: CompanyNode, document: Path) -> dict:
    """The receiver's offer of the design for one sub-order: visible to the partner only, used for that sub-order,
    not to be distributed further."""
    return {
        "id": f"urn:fabnet:design:{sub.order.id}", "title": f"design {sub.order.design_id} for {sub.order.id}",
        "kind": "design", "media_type": "application/json", "path": str(document.resolve()),
        "policy": {"permission": [{"action": "use", "constraint": [
                       {"leftOperand": "purpose", "operator": "eq", "rightOperand": sub.order.id}]}],
                   "prohibition": [{"action": "distribute"}]},
        "access": {"permission": [{"action": "use", "constraint": [
            {"leftOperand": "member", "operator": "eq", "rightOperand": partner.member_id}]}]},
    }


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(response: object, what: str) -> dict:
    status = getattr(response, "status_code", 0)
    if status not in (200, 201):
        raise ContractFailed(f"{what}: {status} {getattr(response, 'text', '')[:200]}")
    return response.json()  # type: ignore[attr-defined]


def contract_sub_order(network: RunningNetwork, sub: SubOrder, document: Path, received_folder: Path) -> ContractRow:
    """The sub-order's contract and design transfer; ContractFailed if it does not complete, a node that does not
    answer included."""
    receiver, partner = network.node(sub.order.customer_id), network.node(sub.order.supplier_id)
    what = f"sub-order {sub.order.id} ({receiver.company_id} → {partner.company_id})"
    asset = design_asset(sub, partner, document)
    try:
        offered = _checked(network.http.post(receiver.url + "/manage/assets", json=asset),
                           f"{what}: offering the design")
    except (ContractFailed, httpx.HTTPError) as error:
        raise ContractFailed(f"{what}: the receiver's node could not offer the design: {error}",
                             partner_failed=False) from error
    try:
        return _negotiate_and_transfer(network, sub, document, received_folder, asset, offered, what)
    except httpx.HTTPError as error:
        raise ContractFailed(f"{what}: a node did not answer: {type(error).__name__} {error}") from error


def _negotiate_and_transfer(network: RunningNetwork, sub: SubOrder, document: Path, received_folder: Path,
                            asset: dict, offered: dict, what: str) -> ContractRow:
    http = network.http
    receiver, partner = network.node(sub.order.customer_id), network.node(sub.order.supplier_id)
    started = _checked(http.post(partner.url + "/manage/negotiations",
                                 json={"peer_url": receiver.url, "offer_id": offered["offer_id"]}),
                       f"{what}: starting the negotiation")
    negotiation = _checked(http.get(partner.url + f"/manage/negotiations/{started['pid']}", params={
        "wait_for": "FINALIZED,TERMINATED", "timeout": NEGOTIATION_TIMEOUT_S}), f"{what}: negotiation")
    if negotiation["state"] != "FINALIZED":
        raise ContractFailed(f"{what}: the negotiation ended {negotiation['state']}")
    provider_side = _checked(http.get(receiver.url + f"/manage/negotiations/{negotiation['peer_pid']}", params={
        "wait_for": "FINALIZED,TERMINATED", "timeout": NEGOTIATION_TIMEOUT_S}), f"{what}: the receiver's side")
    transfer = _checked(http.post(partner.url + "/manage/transfers",
                                  json={"agreement_id": negotiation["agreement_id"]}), f"{what}: requesting the design")
    done = _checked(http.get(partner.url + f"/manage/transfers/{transfer['pid']}", params={
        "wait_for": "COMPLETED,TERMINATED", "timeout": TRANSFER_TIMEOUT_S}), f"{what}: transfer")
    if done["state"] != "COMPLETED":
        raise ContractFailed(f"{what}: the transfer ended {done['state']} ({done.get('error')})")
    content = http.get(partner.url + f"/manage/received/{transfer['pid']}/content", params={"purpose": sub.order.id})
    if content.status_code != 200:
        raise ContractFailed(f"{what}: the partner may not use the received design: {content.text[:200]}")
    offered_sha = sha256_of(document.read_bytes())
    received_sha = sha256_of(content.content)
    if received_sha != offered_sha:
        raise ContractFailed(f"{what}: received design {received_sha[:12]}… differs from the offered "
                             f"{offered_sha[:12]}…")
    received = received_folder / partner.company_id / f"{sub.order.id}.design.json"
    received.parent.mkdir(parents=True, exist_ok=True)
    received.write_bytes(content.content)
    designs = [record for record in read_document(received) if isinstance(record, Design)]
    _take_into_partner(network, partner, designs, sub, what)
    return ContractRow(
        sub_order_id=sub.order.id, receiver=receiver.company_id, partner=partner.company_id,
        asset_id=asset["id"], agreement_id=negotiation["agreement_id"], consumer_state=negotiation["state"],
        provider_state=provider_side["state"], consumer_pid=negotiation["pid"], provider_pid=negotiation["peer_pid"],
        transfer_pid=transfer["pid"], transfer_state=done["state"], offered_sha256=offered_sha,
        received_sha256=received_sha, bytes=len(content.content),
    )


def _take_into_partner(network: RunningNetwork, partner: CompanyNode, designs: list[Design], sub: SubOrder,
                       what: str) -> None:
    """The received designs (each after the components its bill of materials names) and the sub-order, added
    through the partner node's API; a design the partner holds already (e.g. from another sub-order) stays."""
    http, headers = network.http, partner.auth
    pending = {d.id: d for d in designs}
    stored: set[str] = set()
    while pending:
        ready = [d for d in pending.values() if all(line.design_id in stored or line.design_id not in pending
                                                     for line in d.bom)]
        if not ready:
            raise ContractFailed(f"{what}: the received designs' bills of materials form a cycle")
        for design in ready:
            response = http.post(partner.url + "/api/v1/designs", headers=headers, json=design.model_dump(mode="json"))
            if response.status_code != 409:  # 409: held already
                _checked(response, f"{what}: adding design {design.id}")
            stored.add(design.id)
            del pending[design.id]
    _checked(http.post(partner.url + "/api/v1/orders", headers=headers, json=sub.order.model_dump(mode="json")),
             f"{what}: adding the sub-order")


MAX_ROUNDS = 5
"""Rounds of re-allocation after failed contracts: each round leaves every partner that failed so far out."""


def contract_all(
    network: RunningNetwork, allocated: Allocated, clearing: Store, design_file: Callable[[str], Path],
    received_folder: Path, on_contract: Callable[[str], None] = lambda _: None, workers: int = 4,
) -> tuple[ContractsResult, Allocated]:
    """Every sub-order's contract and design transfer, `workers` at a time. A partner that fails (its node is
    down, it ends the negotiation, the transfer fails) is replaced: the customer order's work it took is
    re-allocated among the other members (`replace_partner`, recorded in the clearing database) and the new
    sub-orders are contracted in the next round; work no member takes is reported waiting, never dropped. A
    failure on the receiver's side ends the stage. Returns the contracts and the allocation as it ends up."""
    rows: dict[str, ContractRow] = {}
    replacements: list[ReplacementRow] = []
    failed_partners: set[str] = set()
    pending = allocated.sub_orders

    def one(sub: SubOrder) -> ContractRow | ContractFailed:
        try:
            row = contract_sub_order(network, sub, design_file(sub.order.design_id), received_folder)
        except ContractFailed as error:
            if not error.partner_failed:
                raise
            on_contract(f"{sub.order.id}: {sub.order.supplier_id} failed, re-allocating")
            return error
        on_contract(f"{sub.order.id}: {row.partner} has design {sub.order.design_id}")
        return row

    for _round in range(MAX_ROUNDS + 1):
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(zip(pending, pool.map(one, pending), strict=True))
        failures = [(sub, outcome) for sub, outcome in outcomes if isinstance(outcome, ContractFailed)]
        rows |= {sub.order.id: outcome for sub, outcome in outcomes if isinstance(outcome, ContractRow)}
        if not failures:
            break
        if _round == MAX_ROUNDS:
            raise ContractFailed(f"{len(failures)} sub-orders still failing after {MAX_ROUNDS} re-allocations: "
                                 f"{failures[0][1]}")
        failed_partners |= {sub.order.supplier_id for sub, _ in failures}
        pending = ()
        for sub, error in failures:
            if sub.order.id in allocated.cancelled:
                continue  # given up already with another failed sub-order of the same order and partner
            order_id = allocated.parents[sub.order.id]
            waiting_before = allocated.results[order_id].waiting_quantity
            allocated, added, dropped = replace_partner(allocated, clearing, order_id, sub.order.supplier_id,
                                                        frozenset(failed_partners))
            for gone in dropped:
                if rows.pop(gone.order.id, None) is not None:
                    _cancel_at_partner(network, gone)
            pending += added
            replacements.append(ReplacementRow(
                sub_order_id=sub.order.id, order_id=order_id, failed_partner=sub.order.supplier_id,
                reason=str(error), replaced_by=tuple(s.order.id for s in added),
                waiting_units=max(0, allocated.results[order_id].waiting_quantity - waiting_before)))
        # a sub-order added for one failure may be given up again for another failure of the same order
        pending = tuple(s for s in pending if s.order.id not in allocated.cancelled)
    ordered = tuple(rows[s.order.id] for s in allocated.sub_orders)
    return ContractsResult(
        contracts=ordered,
        finalized_both_sides=sum(1 for r in ordered if r.consumer_state == r.provider_state == "FINALIZED"),
        transfers_completed=sum(1 for r in ordered if r.transfer_state == "COMPLETED"),
        hashes_matching=sum(1 for r in ordered if r.offered_sha256 == r.received_sha256),
        bytes_transferred=sum(r.bytes for r in ordered),
        replacements=tuple(replacements),
        reallocated=sum(1 for r in replacements if not r.waiting_units),
        waiting=sum(1 for r in replacements if r.waiting_units),
    ), allocated


def _cancel_at_partner(network: RunningNetwork, sub: SubOrder) -> None:
    """A live partner's sub-order that a re-allocation changed (its package was split anew): cancelled in its
    node, whose contract for it stays on record."""
    partner = network.node(sub.order.supplier_id)
    response = network.http.post(partner.url + f"/api/v1/orders/{sub.order.id}/status", headers=partner.auth,
                                 json={"status": "cancelled", "note": "re-allocated after another partner failed"})
    _checked(response, f"sub-order {sub.order.id}: cancelling it at {partner.company_id}")
