"""The negotiation and transfer state machines against the specification's tables, exhaustively."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fabnet.exchange.errors import IllegalTransition
from fabnet.exchange.negotiation import NegotiationState as N
from fabnet.exchange.negotiation import NegotiationStep as NS
from fabnet.exchange.negotiation import Role
from fabnet.exchange.negotiation import advance as negotiate
from fabnet.exchange.transfer import TransferState as T
from fabnet.exchange.transfer import TransferStep as TS
from fabnet.exchange.transfer import advance as transfer

P, C = Role.PROVIDER, Role.CONSUMER
# (state before, step, sender) -> state after; everything not listed is illegal (DSP 2025-1 section 4).
NEGOTIATION_TABLE = {
    (None, NS.REQUEST, C): N.REQUESTED,
    (None, NS.OFFER, P): N.OFFERED,
    (N.REQUESTED, NS.OFFER, P): N.OFFERED,
    (N.REQUESTED, NS.AGREE, P): N.AGREED,
    (N.OFFERED, NS.REQUEST, C): N.REQUESTED,
    (N.OFFERED, NS.ACCEPT, C): N.ACCEPTED,
    (N.ACCEPTED, NS.AGREE, P): N.AGREED,
    (N.AGREED, NS.VERIFY, C): N.VERIFIED,
    (N.VERIFIED, NS.FINALIZE, P): N.FINALIZED,
    **{(state, NS.TERMINATE, side): N.TERMINATED
       for state in (N.REQUESTED, N.OFFERED, N.ACCEPTED, N.AGREED, N.VERIFIED) for side in (P, C)},
}
TRANSFER_TABLE = {
    (None, TS.REQUEST, C): T.REQUESTED,
    (T.REQUESTED, TS.START, P): T.STARTED,
    (T.SUSPENDED, TS.START, P): T.STARTED,
    (T.SUSPENDED, TS.START, C): T.STARTED,
    **{(T.STARTED, TS.SUSPEND, side): T.SUSPENDED for side in (P, C)},
    **{(T.STARTED, TS.COMPLETE, side): T.COMPLETED for side in (P, C)},
    **{(state, TS.TERMINATE, side): T.TERMINATED
       for state in (T.REQUESTED, T.STARTED, T.SUSPENDED) for side in (P, C)},
}


@pytest.mark.parametrize(("state", "step", "sender"),
                         list(itertools.product([None, *N], list(NS), [P, C])))
def test_negotiation_matches_the_specification(state: N | None, step: NS, sender: Role) -> None:
    expected = NEGOTIATION_TABLE.get((state, step, sender))
    if expected is None:
        with pytest.raises(IllegalTransition) as refused:
            negotiate(state, step, sender)
        assert refused.value.status == 400
    else:
        assert negotiate(state, step, sender) is expected


@pytest.mark.parametrize(("state", "step", "sender"), list(itertools.product([None, *T], list(TS), [P, C])))
def test_transfer_matches_the_specification(state: T | None, step: TS, sender: Role) -> None:
    expected = TRANSFER_TABLE.get((state, step, sender))
    if expected is None:
        with pytest.raises(IllegalTransition):
            transfer(state, step, sender)
    else:
        assert transfer(state, step, sender) is expected


@given(st.lists(st.tuples(st.sampled_from(list(NS)), st.sampled_from([P, C])), max_size=30))
def test_random_negotiation_walks_stay_on_the_diagram(moves: list[tuple[NS, Role]]) -> None:
    state: N | None = None
    for step, sender in moves:
        try:
            after = negotiate(state, step, sender)
        except IllegalTransition:
            continue  # refused: the state is unchanged by construction
        assert (state, step, sender) in NEGOTIATION_TABLE
        state = after
    assert state is None or state in N


def test_the_flow_s_negotiation_process_has_the_table_s_columns_in_order() -> None:
    from dataclasses import fields

    from fabnet.service.negotiation_flow import NEGOTIATIONS, NegotiationProcess

    assert [field.name for field in fields(NegotiationProcess)] == [column.name for column in NEGOTIATIONS.columns]
