"""Choosing and splitting a package: CP-SAT against brute force on tiny instances."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.network.quotes import MemberQuote, QuoteStatus
from fabnet.network.split import AllocationWeights, choose_split, split_objective


def _quote(member: str, **figures: float) -> MemberQuote:
    return MemberQuote(member_id=member, package_id="p", status=QuoteStatus.OFFERED, **figures)


def _brute_force(quotes: list[MemberQuote], quantity: int, due: int, weights: AllocationWeights) -> int | None:
    target = min(quantity, sum(q.max_quantity for q in quotes))
    best = None
    for split in itertools.product(*(range(q.max_quantity + 1) for q in quotes)):
        if sum(split) != target:
            continue
        if weights.max_members is not None and sum(1 for s in split if s) > weights.max_members:
            continue
        value = split_objective(quotes, split, weights, due)
        best = value if best is None else min(best, value)
    return best


quote_strategy = st.builds(
    lambda fixed, unit, cap, ready, mpu, co2: dict(fixed_eur=fixed, unit_eur=unit, max_quantity=cap,
                                                   ready_minute=ready, minutes_per_unit=mpu, co2_kg_per_unit=co2),
    fixed=st.floats(0, 300).map(lambda v: round(v, 2)), unit=st.floats(0, 80).map(lambda v: round(v, 2)),
    cap=st.integers(0, 6), ready=st.integers(0, 3000), mpu=st.floats(0, 400).map(lambda v: round(v, 2)),
    co2=st.floats(0, 5).map(lambda v: round(v, 3)))


@settings(max_examples=60, deadline=None)
@given(figures=st.lists(quote_strategy, min_size=1, max_size=3), quantity=st.integers(1, 7),
       due=st.integers(0, 4000), lateness=st.sampled_from([0.0, 10.0, 120.0]),
       co2=st.sampled_from([0.0, 0.2, 5.0]), max_members=st.sampled_from([None, 1, 2]))
def test_split_is_optimal_against_brute_force(figures, quantity, due, lateness, co2, max_members) -> None:
    quotes = [_quote(f"m{k}", **f) for k, f in enumerate(figures)]
    weights = AllocationWeights(lateness_eur_per_hour=lateness, co2_eur_per_kg=co2, max_members=max_members)
    result = choose_split(quotes, quantity, due, weights)
    best = _brute_force(quotes, quantity, due, weights)
    if sum(q.max_quantity for q in quotes) == 0:
        assert result.status == "NONE" and result.quantity_waiting == quantity
        return
    if best is None:  # max_members leaves too little capacity
        assert result.status == "NONE"
        return
    assert result.status == "OPTIMAL"
    assert result.objective_cents == best
    assert sum(line.quantity for line in result.lines) == result.quantity_allocated
    assert result.quantity_allocated + result.quantity_waiting == quantity
    by_member = {q.member_id: q for q in quotes}
    assert all(line.quantity <= by_member[line.member_id].max_quantity for line in result.lines)


def test_capacity_forces_a_split_and_the_cheaper_member_is_filled_first() -> None:
    cheap = _quote("cheap", fixed_eur=50, unit_eur=10, max_quantity=6, minutes_per_unit=10)
    dear = _quote("dear", fixed_eur=50, unit_eur=14, max_quantity=6, minutes_per_unit=10)
    result = choose_split([dear, cheap], 10, due=10_000)
    assert {line.member_id: line.quantity for line in result.lines} == {"cheap": 6, "dear": 4}
    assert result.objective_cents == 5000 + 6000 + 5000 + 5600


def test_lateness_weight_moves_work_to_the_faster_member() -> None:
    slow = _quote("slow", unit_eur=10, max_quantity=10, ready_minute=0, minutes_per_unit=600)
    fast = _quote("fast", unit_eur=12, max_quantity=10, ready_minute=0, minutes_per_unit=60)
    cheap_first = choose_split([slow, fast], 10, due=600, weights=AllocationWeights(lateness_eur_per_hour=0))
    assert [(line.member_id, line.quantity) for line in cheap_first.lines] == [("slow", 10)]
    on_time = choose_split([slow, fast], 10, due=600, weights=AllocationWeights(lateness_eur_per_hour=100))
    assert dict((line.member_id, line.quantity) for line in on_time.lines)["fast"] >= 9
    assert sum(line.lateness_minutes for line in on_time.lines) < 10 * 600 - 600


def test_co2_weight_prefers_the_nearby_member() -> None:
    far = _quote("far", unit_eur=10, max_quantity=5, co2_kg_per_unit=4.0)
    near = _quote("near", unit_eur=10.5, max_quantity=5, co2_kg_per_unit=0.1)
    assert choose_split([far, near], 5, 1000, AllocationWeights(co2_eur_per_kg=0)).lines[0].member_id == "far"
    assert choose_split([far, near], 5, 1000, AllocationWeights(co2_eur_per_kg=0.2)).lines[0].member_id == "near"


def test_declined_and_unavailable_quotes_are_never_chosen() -> None:
    declined = MemberQuote(member_id="d", package_id="p", status=QuoteStatus.DECLINED, reason="full")
    result = choose_split([declined], 3, 100)
    assert result.status == "NONE" and result.quantity_waiting == 3 and not result.lines
