"""The transfer process state machine of DSP 2025-1: which message may move which state, sent by whom."""

from dataclasses import dataclass
from enum import StrEnum

from fabnet.exchange.errors import IllegalTransition
from fabnet.exchange.negotiation import Role


class TransferState(StrEnum):
    REQUESTED = "REQUESTED"
    STARTED = "STARTED"
    SUSPENDED = "SUSPENDED"
    COMPLETED = "COMPLETED"
    TERMINATED = "TERMINATED"


TERMINAL = frozenset({TransferState.COMPLETED, TransferState.TERMINATED})


class TransferStep(StrEnum):
    REQUEST = "TransferRequestMessage"
    START = "TransferStartMessage"
    SUSPEND = "TransferSuspensionMessage"
    COMPLETE = "TransferCompletionMessage"
    TERMINATE = "TransferTerminationMessage"


@dataclass(frozen=True)
class TransferMove:
    senders: frozenset[Role]
    before: frozenset[TransferState | None]
    after: TransferState


_T = TransferState
_BOTH = frozenset({Role.PROVIDER, Role.CONSUMER})
MOVES: dict[TransferStep, TransferMove] = {
    TransferStep.REQUEST: TransferMove(frozenset({Role.CONSUMER}), frozenset({None}), _T.REQUESTED),
    # The provider starts a requested transfer; either side may restart a suspended one.
    TransferStep.START: TransferMove(_BOTH, frozenset({_T.REQUESTED, _T.SUSPENDED}), _T.STARTED),
    TransferStep.SUSPEND: TransferMove(_BOTH, frozenset({_T.STARTED}), _T.SUSPENDED),
    TransferStep.COMPLETE: TransferMove(_BOTH, frozenset({_T.STARTED}), _T.COMPLETED),
    TransferStep.TERMINATE: TransferMove(_BOTH, frozenset({_T.REQUESTED, _T.STARTED, _T.SUSPENDED}), _T.TERMINATED),
}


def advance(state: TransferState | None, step: TransferStep, sender: Role) -> TransferState:
    """The state after `step` sent by `sender`; IllegalTransition (HTTP 400) when the spec does not allow it."""
    move = MOVES[step]
    if sender not in move.senders:
        raise IllegalTransition(400, "illegal-transition", f"{step.value} may not be sent by the {sender}")
    if step is TransferStep.START and state is TransferState.REQUESTED and sender is not Role.PROVIDER:
        raise IllegalTransition(400, "illegal-transition", "only the provider starts a requested transfer")
    if state not in move.before:
        shown = "no transfer process" if state is None else f"state {state}"
        raise IllegalTransition(400, "illegal-transition", f"{step.value} is not allowed in {shown}")
    return move.after
