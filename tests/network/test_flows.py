"""Order flows at the hub: KPI inputs over flows, including orders reported before they have a price."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fabnet.network.flows import FlowReport, flow_kpi_inputs

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
