"""Order flows at the hub: KPI inputs over flows, including orders reported before they have a price."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fabnet.network.flows import MIN_PAIRS, FlowReport, flow_edges, flow_kpi_inputs, flows_of, region_flows

MEMBERS = ["urn:fabnet:member:a", "urn:fabnet:member:b", "urn:fabnet:member:c"]


def _flow(index: int, customer: int, supplier: int, cents: int) -> FlowReport:
    return FlowReport(**{"from": MEMBERS[customer], "to": MEMBERS[supplier]}, order_id=f"o{index}",
                      value_eur=Decimal(cents) / 100, ordered_on=date(2026, 11, 2))


def test_an_unpriced_order_counts_as_handled_but_is_no_payment() -> None:
    # seen in `fabnet demo --keep-running`: one zero-valued flow made the hub's /kpis answer 500
    flows = [_flow(1, 0, 1, 0), _flow(2, 1, 0, 12_345), _flow(3, 0, 1, 10_000)]
    inputs = flow_kpi_inputs(flows, "2026-11")
    assert inputs.orders_handled == 3
    assert inputs.invoices == 2
    assert inputs.invoiced_eur == Decimal("223.45")
    assert inputs.settled_after_netting_eur == Decimal("23.45")
    assert inputs.payments_after_netting == 1


def test_only_unpriced_orders_give_no_netting() -> None:
    inputs = flow_kpi_inputs([_flow(1, 0, 1, 0)], "2026-11")
    assert (inputs.orders_handled, inputs.invoices, inputs.payments_after_netting) == (1, 0, 0)


pairs = st.sampled_from([(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)])


@given(st.lists(st.tuples(pairs, st.integers(min_value=0, max_value=10_000_00)), max_size=30))
def test_netting_never_settles_more_than_was_invoiced(raw: list[tuple[tuple[int, int], int]]) -> None:
    flows = [_flow(i, a, b, cents) for i, ((a, b), cents) in enumerate(raw)]
    inputs = flow_kpi_inputs(flows, "2026-11")
    assert inputs.orders_handled == len(flows)
    assert inputs.invoices == sum(1 for _, cents in raw if cents > 0)
    assert inputs.invoiced_eur == sum((Decimal(c) / 100 for _, c in raw if c > 0), Decimal(0))
    assert 0 <= inputs.settled_after_netting_eur <= inputs.invoiced_eur
    assert inputs.payments_after_netting <= inputs.invoices


def _between(index: int, customer: str, supplier: str, cents: int = 100_00) -> FlowReport:
    return FlowReport(**{"from": customer, "to": supplier}, order_id=f"o{index}", value_eur=Decimal(cents) / 100,
                      ordered_on=date(2026, 11, 2))


def test_region_flows_show_orders_of_enough_pairs_and_never_a_value() -> None:
    south = [f"urn:fabnet:member:s{n}" for n in range(4)]
    hub_of = {m: "hub-brainport" for m in south} | {"urn:fabnet:member:r": "hub-rotterdam"}
    flows = [_between(1, south[0], south[1]), _between(2, south[0], south[1]), _between(3, south[1], south[2]),
             _between(4, south[2], south[3]), _between(5, south[0], "urn:fabnet:member:r", 999_999_00),
             _between(6, "urn:fabnet:member:unlisted", south[0])]
    public = region_flows(flows, hub_of)
    assert [(f.from_hub, f.to_hub, f.orders, f.member_pairs) for f in public.flows] == [
        ("hub-brainport", "hub-brainport", 4, 3)]
    # the single pair to Rotterdam and the one from the unlisted member stay hidden, only counted
    assert (public.withheld_orders, public.withheld_region_pairs, public.min_member_pairs) == (2, 2, MIN_PAIRS)
    assert all("value" not in f.model_dump() for f in public.flows)
    assert len(region_flows(flows, hub_of, min_pairs=1).flows) == 3


@given(st.lists(st.tuples(pairs, st.integers(min_value=0, max_value=10_000_00)), max_size=30),
       st.integers(min_value=1, max_value=4))
def test_region_flows_account_for_every_order(raw: list[tuple[tuple[int, int], int]], min_pairs: int) -> None:
    flows = [_flow(i, a, b, cents) for i, ((a, b), cents) in enumerate(raw)]
    hub_of = {MEMBERS[0]: "hub-a", MEMBERS[1]: "hub-a", MEMBERS[2]: "hub-b"}
    public = region_flows(flows, hub_of, min_pairs)
    assert sum(f.orders for f in public.flows) + public.withheld_orders == len(flows)
    assert all(f.member_pairs >= min_pairs for f in public.flows)


def test_a_member_sees_the_edges_it_is_a_party_to() -> None:
    a, b, c = MEMBERS
    edges = flow_edges([_flow(1, 0, 1, 100), _flow(2, 1, 2, 200), _flow(3, 2, 0, 300)])
    assert {(e.from_member, e.to_member) for e in flows_of(edges, a)} == {(a, b), (c, a)}
    assert flows_of(edges, "urn:fabnet:member:nobody") == ()
