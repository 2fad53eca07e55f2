"""The contract negotiation state machine of DSP 2025-1: which message may move which state, sent by whom."""

from dataclasses import dataclass
from enum import StrEnum

from fabnet.exchange.errors import IllegalTransition


class Role(StrEnum):
    PROVIDER = "provider"
    CONSUMER = "consumer"


class NegotiationState(StrEnum):
    REQUESTED = "REQUESTED"
    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"
    AGREED = "AGREED"
    VERIFIED = "VERIFIED"
    FINALIZED = "FINALIZED"
    TERMINATED = "TERMINATED"


TERMINAL = frozenset({NegotiationState.FINALIZED, NegotiationState.TERMINATED})


class NegotiationStep(StrEnum):
    """A message that moves a negotiation: the DSP message type, or the event message by its eventType."""

    REQUEST = "ContractRequestMessage"
    OFFER = "ContractOfferMessage"
    ACCEPT = "ContractNegotiationEventMessage:ACCEPTED"
    AGREE = "ContractAgreementMessage"
    VERIFY = "ContractAgreementVerificationMessage"
    FINALIZE = "ContractNegotiationEventMessage:FINALIZED"
    TERMINATE = "ContractNegotiationTerminationMessage"


@dataclass(frozen=True)
class Move:
    sender: Role
    before: frozenset[NegotiationState | None]
    after: NegotiationState


_S = NegotiationState
# The spec's state diagram; `None` is "no process yet" (the initial request or initial offer creates it).
MOVES: dict[NegotiationStep, Move] = {
    NegotiationStep.REQUEST: Move(Role.CONSUMER, frozenset({None, _S.OFFERED}), _S.REQUESTED),
    NegotiationStep.OFFER: Move(Role.PROVIDER, frozenset({None, _S.REQUESTED}), _S.OFFERED),
    NegotiationStep.ACCEPT: Move(Role.CONSUMER, frozenset({_S.OFFERED}), _S.ACCEPTED),
    NegotiationStep.AGREE: Move(Role.PROVIDER, frozenset({_S.REQUESTED, _S.ACCEPTED}), _S.AGREED),
    NegotiationStep.VERIFY: Move(Role.CONSUMER, frozenset({_S.AGREED}), _S.VERIFIED),
    NegotiationStep.FINALIZE: Move(Role.PROVIDER, frozenset({_S.VERIFIED}), _S.FINALIZED),
}


def step_of(message: dict) -> NegotiationStep:
    """The step a (validated) negotiation message stands for."""
    message_type = message["@type"]
    if message_type == "ContractNegotiationEventMessage":
        return NegotiationStep(f"{message_type}:{message['eventType']}")
    return NegotiationStep(message_type)


def advance(state: NegotiationState | None, step: NegotiationStep, sender: Role) -> NegotiationState:
    """The state after `step` sent by `sender`; IllegalTransition (HTTP 400) when the spec does not allow it."""
    if step is NegotiationStep.TERMINATE:
        if state is None or state in TERMINAL:
            raise IllegalTransition(400, "illegal-transition", f"cannot terminate a negotiation in state {state}")
        return NegotiationState.TERMINATED
    move = MOVES[step]
    if sender is not move.sender:
        raise IllegalTransition(400, "illegal-transition", f"{step.value} may only be sent by the {move.sender}")
    if state not in move.before:
        shown = "no negotiation" if state is None else f"state {state}"
        raise IllegalTransition(400, "illegal-transition", f"{step.value} is not allowed in {shown}")
    return move.after
