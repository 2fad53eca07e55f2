"""Contract negotiations on the node: received messages and local decisions, each one unit of work.

The pure state machine (`fabnet.exchange.negotiation`) decides every move; this module loads and stores the
process, queues the message the move sends, and runs the provider's and consumer's automatic steps.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from fabnet.exchange import messages
from fabnet.exchange.catalog import visible
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.negotiation import NegotiationState, NegotiationStep, Role, advance, step_of
from fabnet.service.dsp_io import Inbound
from fabnet.service.node_runtime import NodeRuntime, Work, now_utc
from fabnet.store.exchange_tables import NegotiationRow
from fabnet.store.fast_statements import FastStatement

RULE_KEYS = ("permission", "prohibition", "obligation")
NEGOTIATIONS = NegotiationRow.__table__
CHANGING = ("state", "peer_pid", "offer", "agreement_id", "agreement", "updated_at")
SELECT_BY_PID = FastStatement(select(NEGOTIATIONS).where(NEGOTIATIONS.c.pid == bindparam("key")))
SELECT_BY_PEER = FastStatement(select(NEGOTIATIONS).where(NEGOTIATIONS.c.peer_member == bindparam("member"),
                                                          NEGOTIATIONS.c.peer_pid == bindparam("peer")))
INSERT = FastStatement(insert(NEGOTIATIONS), [column.name for column in NEGOTIATIONS.columns])
UPDATE = FastStatement(update(NEGOTIATIONS).where(NEGOTIATIONS.c.pid == bindparam("key")), CHANGING)
"""The columns a step may change; a process is read and written with Core statements and written once per unit
of work, however many steps (a received message and the automatic answer) changed it."""


@dataclass(slots=True)
class NegotiationProcess:
    """One contract negotiation as stored: the columns of `exchange_negotiations`, in order (a test checks it).
    A plain object: the flow reads and writes rows with Core statements, and an ORM instance costs more to build
    than the SQL that reads it."""

    pid: str
    role: str
    peer_pid: str | None
    peer_member: str
    peer_address: str
    state: str
    dataset_id: str
    offer: dict[str, Any]
    agreement_id: str | None
    agreement: dict[str, Any] | None
    auto: bool
    created_at: datetime
    updated_at: datetime


def _other(role: Role) -> Role:
    return Role.CONSUMER if role is Role.PROVIDER else Role.PROVIDER


def view(row: NegotiationProcess) -> dict:
    """The DSP `ContractNegotiation` of a process, pids as the provider and consumer know them."""
    provider, consumer = (row.pid, row.peer_pid) if row.role == Role.PROVIDER else (row.peer_pid, row.pid)
    return messages.contract_negotiation(provider or "", consumer or "", row.state)


def summary(row: NegotiationProcess) -> dict:
    return {
        "pid": row.pid, "role": row.role, "peer_pid": row.peer_pid, "peer": row.peer_member, "state": row.state,
        "dataset": row.dataset_id, "offer": row.offer, "agreement_id": row.agreement_id, "agreement": row.agreement,
    }


def _columns(row: NegotiationProcess) -> dict:
    return {column.name: getattr(row, column.name) for column in NEGOTIATIONS.columns}


def _track(work: Work, row: NegotiationProcess, new: bool) -> None:
    """Write `row` when the unit of work ends: insert it if new, else update the columns that changed."""
    before = None if new else tuple(getattr(row, name) for name in CHANGING)

    def write(current: Work) -> None:
        if before is None:
            INSERT.execute(current.connection, _columns(row))
        else:
            after = {name: getattr(row, name) for name in CHANGING}
            if tuple(after.values()) == before:
                return
            UPDATE.execute(current.connection, {"key": row.pid, **after})
        pid, state = row.pid, row.state
        current.after.append(lambda: current.runtime.remember_state(pid, state))

    work.before_commit.append(write)


def _from_db(work: Work, statement: FastStatement, parameters: dict) -> NegotiationProcess | None:
    found = statement.first(work.connection, parameters)
    if found is None:
        return None
    row = NegotiationProcess(**found)
    _track(work, row, new=False)
    return row


def load(work: Work, pid: str, sender: str | None = None) -> NegotiationProcess:
    row = _from_db(work, SELECT_BY_PID, {"key": pid})
    if row is None or (sender is not None and row.peer_member != sender):
        # A process of another member is reported as unknown, so pids cannot be probed.
        raise ProtocolError(404, "not-found", f"no contract negotiation {pid}")
    return row


def _check_pids(row: NegotiationProcess, message: dict) -> None:
    role = Role(row.role)
    mine = message.get("providerPid" if role is Role.PROVIDER else "consumerPid")
    theirs = message.get("consumerPid" if role is Role.PROVIDER else "providerPid")
    if mine is not None and mine != row.pid:
        raise ProtocolError(400, "pid-mismatch", "the message's pid does not name this negotiation")
    if row.peer_pid is None and isinstance(theirs, str):
        row.peer_pid = theirs
    elif theirs is not None and theirs != row.peer_pid:
        raise ProtocolError(400, "pid-mismatch", "the message's counterparty pid does not match this negotiation")


def _move(row: NegotiationProcess, step: NegotiationStep, sender: Role) -> None:
    try:
        row.state = advance(NegotiationState(row.state), step, sender)
    except ProtocolError as error:
        pids = (row.pid, row.peer_pid) if row.role == Role.PROVIDER else (row.peer_pid, row.pid)
        raise type(error)(error.status, error.code, error.reason, *pids) from None
    row.updated_at = now_utc()


def _peer_url(row: NegotiationProcess, suffix: str) -> str:
    if row.peer_pid is None:
        raise ProtocolError(409, "pid-unknown", "the counterparty has not acknowledged the negotiation yet")
    return f"{row.peer_address.rstrip('/')}/negotiations/{row.peer_pid}/{suffix}"


def _pids(row: NegotiationProcess) -> tuple[str, str]:
    """(providerPid, consumerPid)."""
    if row.role == Role.PROVIDER:
        return row.pid, row.peer_pid or ""
    return row.peer_pid or "", row.pid


def _rules(offer: dict) -> dict:
    return {key: offer[key] for key in RULE_KEYS if key in offer}


# ---- provider side -----------------------------------------------------------------------------------------


def receive_initial_request(runtime: NodeRuntime, work: Work, inbound: Inbound) -> tuple[int, dict, str]:
    message = inbound.message
    if "providerPid" in message:
        raise ProtocolError(400, "invalid-message", "an initial request must not carry a providerPid",
                            message["providerPid"], message["consumerPid"])
    existing = _from_db(work, SELECT_BY_PEER, {"member": inbound.sender, "peer": message["consumerPid"]})
    if existing is not None:
        return 201, view(existing), existing.pid
    offer = message["offer"]
    asset = runtime.asset(work.connection, offer.get("target", ""))
    now = now_utc()
    if asset is None or not visible(asset, inbound.sender, inbound.claims.member.credential.hub_id, now):
        raise ProtocolError(400, "unknown-dataset", f"offer target {offer.get('target')!r} is not offered",
                            None, message["consumerPid"])
    row = NegotiationProcess(
        pid=runtime.new_pid(), role=Role.PROVIDER, peer_pid=message["consumerPid"], peer_member=inbound.sender,
        peer_address=message["callbackAddress"], state=advance(None, NegotiationStep.REQUEST, Role.CONSUMER),
        dataset_id=asset.id, offer=offer, agreement_id=None, agreement=None, auto=asset.auto_agree,
        created_at=now, updated_at=now,
    )
    _track(work, row, new=True)
    work.touched.add(row.pid)
    response = view(row)
    if asset.auto_agree and offer.get("@id") == asset.offer_id and _rules(offer) == _rules(asset.offer()):
        work.followups.append(lambda w: agree(runtime, w, row))
    return 201, response, row.pid


def agree(runtime: NodeRuntime, work: Work, row: NegotiationProcess) -> None:
    _require_role(row, Role.PROVIDER)
    _move(row, NegotiationStep.AGREE, Role.PROVIDER)
    agreement = {
        "@id": f"urn:uuid:{runtime.new_pid().rsplit(':', 1)[-1]}",
        "@type": "Agreement",
        "target": row.dataset_id,
        "assigner": runtime.member_id,
        "assignee": row.peer_member,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **_rules(row.offer),
    }
    row.agreement, row.agreement_id = agreement, agreement["@id"]
    provider, consumer = _pids(row)
    work.send(row.peer_member, _peer_url(row, "agreement"), messages.contract_agreement(provider, consumer, agreement),
              row.pid)


def offer(runtime: NodeRuntime, work: Work, row: NegotiationProcess, new_offer: dict) -> None:
    _require_role(row, Role.PROVIDER)
    _move(row, NegotiationStep.OFFER, Role.PROVIDER)
    row.offer = {**new_offer, "target": row.dataset_id}
    provider, consumer = _pids(row)
    work.send(row.peer_member, _peer_url(row, "offers"), messages.contract_offer(provider, row.offer, consumer),
              row.pid)


def finalize(runtime: NodeRuntime, work: Work, row: NegotiationProcess) -> None:
    _require_role(row, Role.PROVIDER)
    _move(row, NegotiationStep.FINALIZE, Role.PROVIDER)
    provider, consumer = _pids(row)
    work.send(row.peer_member, _peer_url(row, "events"), messages.negotiation_event(provider, consumer, "FINALIZED"),
              row.pid)


# ---- consumer side -----------------------------------------------------------------------------------------


def start(
    runtime: NodeRuntime, work: Work, peer: str, peer_url: str, message_offer: dict, auto: bool
) -> NegotiationProcess:
    """The consumer's initial ContractRequestMessage for `message_offer` (which names its dataset as `target`)."""
    now = now_utc()
    row = NegotiationProcess(
        pid=runtime.new_pid(), role=Role.CONSUMER, peer_pid=None, peer_member=peer, peer_address=peer_url.rstrip("/"),
        state=advance(None, NegotiationStep.REQUEST, Role.CONSUMER), dataset_id=message_offer.get("target", ""),
        offer=message_offer, agreement_id=None, agreement=None, auto=auto, created_at=now, updated_at=now,
    )
    _track(work, row, new=True)
    work.send(peer, f"{row.peer_address}/negotiations/request",
              messages.contract_request(row.pid, message_offer, callback=runtime.config.base_url), row.pid)
    return row


def accept(runtime: NodeRuntime, work: Work, row: NegotiationProcess) -> None:
    _require_role(row, Role.CONSUMER)
    _move(row, NegotiationStep.ACCEPT, Role.CONSUMER)
    provider, consumer = _pids(row)
    work.send(row.peer_member, _peer_url(row, "events"), messages.negotiation_event(provider, consumer, "ACCEPTED"),
              row.pid)


def counter_request(runtime: NodeRuntime, work: Work, row: NegotiationProcess, new_offer: dict) -> None:
    _require_role(row, Role.CONSUMER)
    _move(row, NegotiationStep.REQUEST, Role.CONSUMER)
    row.offer = {**new_offer, "target": row.dataset_id}
    provider, consumer = _pids(row)
    work.send(row.peer_member, _peer_url(row, "request"),
              messages.contract_request(consumer, row.offer, provider_pid=provider), row.pid)


def verify(runtime: NodeRuntime, work: Work, row: NegotiationProcess) -> None:
    _require_role(row, Role.CONSUMER)
    _move(row, NegotiationStep.VERIFY, Role.CONSUMER)
    provider, consumer = _pids(row)
    work.send(row.peer_member, _peer_url(row, "agreement/verification"),
              messages.agreement_verification(provider, consumer), row.pid)


# ---- either side -------------------------------------------------------------------------------------------


def terminate(runtime: NodeRuntime, work: Work, row: NegotiationProcess, reason: str) -> None:
    _move(row, NegotiationStep.TERMINATE, Role(row.role))
    provider, consumer = _pids(row)
    work.send(row.peer_member, _peer_url(row, "termination"),
              messages.negotiation_termination(provider, consumer, "terminated", [reason]), row.pid)


def _require_role(row: NegotiationProcess, role: Role) -> None:
    if row.role != role:
        raise ProtocolError(400, "illegal-transition", f"only the {role} may do this; this node is the {row.role}")


def receive(runtime: NodeRuntime, work: Work, inbound: Inbound, pid: str) -> tuple[int, dict, str]:
    """A message on an existing negotiation (`pid` is this node's process id)."""
    row = load(work, pid, inbound.sender)
    _check_pids(row, inbound.message)
    step = step_of(inbound.message)
    sender = _other(Role(row.role))
    _move(row, step, sender)
    work.touched.add(row.pid)
    if step in (NegotiationStep.REQUEST, NegotiationStep.OFFER):
        row.offer = inbound.message["offer"]
    if step is NegotiationStep.AGREE:
        agreement = inbound.message["agreement"]
        if agreement.get("assignee") != runtime.member_id or agreement.get("assigner") != inbound.sender:
            raise ProtocolError(400, "invalid-agreement", "agreement assigner/assignee do not name the two parties",
                                *_pids(row))
        row.agreement, row.agreement_id = agreement, agreement["@id"]
        if row.auto:
            work.followups.append(lambda w: verify(runtime, w, row))
    if step is NegotiationStep.VERIFY and row.auto:
        work.followups.append(lambda w: finalize(runtime, w, row))
    return 200, view(row), row.pid
