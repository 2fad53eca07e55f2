"""Members' KPI reports: validation, which reports count for a period, adding them up, and the hub's KPIs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fabnet.network.flows import FlowReport, flow_kpi_inputs
from fabnet.network.kpi_reports import (
    MIN_MEMBERS,
    DefectFigures,
    KpiReport,
    NettingFigures,
    ResourceFigures,
    add_up,
    hub_kpis,
    select_reports,
    withhold_small_counts,
)
from fabnet.network.kpis import ChangeoverComparison

T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)


def report(member: str = "a", period: str = "2026-11", at: datetime = T0, **figures: object) -> KpiReport:
    base: dict[str, object] = {"member_id": f"urn:fabnet:member:{member}", "company_id": member, "period": period,
                               "generated_at": at, "orders_completed": 3, "parts_made": 20}
    return KpiReport.model_validate(base | figures)


def changeover(member: str, scheduled: int, fcfs: int) -> ChangeoverComparison:
    return ChangeoverComparison(company_id=member, operations=12, scheduled_minutes=scheduled, fcfs_minutes=fcfs)


def test_reports_add_up_into_the_hub_kpis() -> None:
    a = report("a", changeover=changeover("a", 60, 240),
               defects=DefectFigures(parts_held=3, parts_rejected=1, alarms_raised=2),
               resources=ResourceFigures(source="parts", parts=20, energy_kwh=30.0, material_kg=10.0),
               netting=NettingFigures(invoices=4, invoiced_eur=Decimal("1000.00"), payments_after_netting=1,
                                      settled_after_netting_eur=Decimal("250.00")))
    b = report("b", parts_made=10, changeover=changeover("b", 120, 120),
               resources=ResourceFigures(source="forecast", parts=30, energy_kwh=60.0))
    totals = add_up(select_reports([a, b], "2026"))
    kpis = hub_kpis(flow_kpi_inputs([], "2026"), totals)
    assert kpis.members_reporting == 2 and kpis.parts_made == 30 and kpis.orders_completed == 6
    assert kpis.changeover_hours_fcfs == 6.0 and kpis.changeover_hours_scheduled == 3.0
    assert kpis.changeover_hours_saved == 3.0 and kpis.coverage.changeover.members_reporting == 2
    assert (kpis.defects_stopped, kpis.parts_held, kpis.parts_rejected, kpis.alarms_raised) == (4, 3, 1, 2)
    assert kpis.coverage.defects.members_reporting == 1
    # no member said how many defects escaped: no containment figure made up from nothing
    assert kpis.defects_escaped is None and kpis.defect_containment_percent is None
    assert kpis.energy_kwh_per_part == 90.0 / 50 and kpis.coverage.energy.members_reporting == 2
    assert kpis.material_kg_per_part == 0.5 and kpis.coverage.material.members_reporting == 1
    assert kpis.payments_saved_by_netting == 3 and kpis.money_movement_saved_eur == Decimal("750.00")
    assert kpis.coverage.netting.source == "reports" and kpis.members_starting_point == 600


def test_figures_nobody_reported_are_not_reported_not_zero() -> None:
    flows = [FlowReport.model_validate({"from": "urn:fabnet:member:a", "to": "urn:fabnet:member:b", "order_id": "P1",
                                        "value_eur": "100.00", "quantity": 7, "ordered_on": "2026-11-03"})]
    kpis = hub_kpis(flow_kpi_inputs(flows, "2026-11"), add_up([]))
    assert kpis.members_reporting == 0 and kpis.orders_completed is None
    for figure in ("changeover_hours_saved", "changeover_hours_fcfs", "defects_stopped", "parts_held",
                   "energy_kwh_per_part", "material_kg_per_part", "scrap_percent", "defect_containment_percent"):
        assert getattr(kpis, figure) is None, figure
    assert kpis.coverage.changeover.source == "not reported" and kpis.coverage.energy.members_reporting == 0
    # what the hub records itself still counts: flows
    assert kpis.orders_handled == 1 and kpis.parts_made == 7 and kpis.coverage.parts_made.source == "flows"
    assert kpis.coverage.netting.source == "flows"
    document = kpis.model_dump(mode="json")
    assert document["changeover_hours_saved"] is None and document["format"] == "fabnet.hub-kpis/1"


def _flow(n: int, customer: str, supplier: str) -> FlowReport:
    return FlowReport.model_validate({"from": f"urn:fabnet:member:{customer}", "to": f"urn:fabnet:member:{supplier}",
                                      "order_id": f"P{n}", "value_eur": "100.00", "quantity": 2,
                                      "ordered_on": "2026-11-03"})


def test_figures_of_fewer_than_three_members_are_withheld() -> None:
    reports = [report(m, changeover=changeover(m, 60, 120),
                      defects=DefectFigures(parts_held=1, parts_rejected=0, alarms_raised=1) if m == "a" else None)
               for m in ("a", "b", "c")]
    two_flows = [_flow(1, "a", "b"), _flow(2, "b", "a")]
    kpis = hub_kpis(flow_kpi_inputs(two_flows, "2026-11"), add_up(reports))
    shown = withhold_small_counts(kpis)
    # three members reported changeovers: the total is shown, but never a company's own row
    assert shown.changeover_hours_saved == kpis.changeover_hours_saved == 3.0
    assert shown.changeovers_by_company == () and len(kpis.changeovers_by_company) == 3
    assert shown.coverage.changeover.source == "reports"
    # one member's defects, and the netting of two members' flows: withheld, saying how many members there are
    assert (shown.defects_stopped, shown.parts_held, shown.alarms_raised) == (None, None, None)
    assert shown.coverage.defects.model_dump() == {"source": "withheld", "members_reporting": 1}
    assert kpis.coverage.netting.source == "flows" and kpis.money_movement_saved_eur == Decimal("200.00")
    assert shown.money_movement_saved_eur is None and shown.payments_saved_by_netting is None
    assert shown.coverage.netting.source == "withheld"
    assert (shown.orders_handled, shown.active_members) == (2, 2)  # counts of orders and members stay
    assert shown.coverage.energy.source == "not reported"  # nothing to withhold
    assert withhold_small_counts(kpis, min_members=1) == kpis
    with pytest.raises(ValueError, match="min_members"):
        withhold_small_counts(kpis, min_members=0)


@given(st.integers(min_value=0, max_value=5), st.integers(min_value=1, max_value=5))
def test_a_shown_figure_has_at_least_the_minimum_of_members(reporting: int, minimum: int) -> None:
    reports = [report(str(n), changeover=changeover(str(n), 10, 20),
                      netting=NettingFigures(invoices=2, invoiced_eur=Decimal("10.00"), payments_after_netting=1,
                                             settled_after_netting_eur=Decimal("5.00")))
               for n in range(reporting)]
    shown = withhold_small_counts(hub_kpis(flow_kpi_inputs([], "2026-11"), add_up(reports)), minimum)
    for name in ("changeover", "netting", "orders_completed", "parts_made"):
        cover = getattr(shown.coverage, name)
        if cover.source == "reports":
            assert cover.members_reporting >= minimum
    assert (shown.changeover_hours_saved is None) == (reporting == 0 or reporting < minimum)
    assert MIN_MEMBERS == 3


def test_a_resent_report_replaces_and_a_month_does_not_add_to_its_weeks() -> None:
    first = report("a", parts_made=10)
    again = report("a", at=T0 + timedelta(hours=1), parts_made=12)
    assert select_reports([first, again]) == [again]
    assert select_reports([again, first]) == [again]  # newest by generated_at, whatever the order received
    tie = report("a", parts_made=13)
    assert select_reports([first, tie]) == [tie]  # same moment: the later one in the list
    week = report("a", period="2026-W45", at=T0 - timedelta(days=20), parts_made=4)
    assert select_reports([week, first]) == [first]  # November holds that week: the newer month counts
    december = report("a", period="2026-12", parts_made=5)
    assert add_up(select_reports([first, december])).parts_made == 15  # disjoint periods add up
    assert add_up(select_reports([first, december], "2026-11")).parts_made == 10
    assert select_reports([first], "2026-W45") == []  # a month is not inside one of its weeks
    other = report("b", parts_made=1)
    assert add_up(select_reports([first, other])).members_reporting == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"parts_made": -1}, "parts_made"),
    ({"period": "November"}, "period"),
    ({"generated_at": "2026-12-01T08:00:00"}, "generated_at"),
    ({"surplus": 1}, "surplus"),
    ({"defects": {"parts_held": 30, "parts_rejected": 0, "alarms_raised": 1}}, "defects"),
    ({"defects": {"parts_held": -2, "parts_rejected": 0, "alarms_raised": 1}}, "parts_held"),
    ({"resources": {"source": "parts", "parts": 21, "energy_kwh": 1.0}}, "resources.parts"),
    ({"resources": {"source": "parts", "parts": 5}}, "energy_kwh or material_kg"),
    ({"resources": {"source": "parts", "parts": 5, "energy_kwh": -1.0}}, "energy_kwh"),
    ({"netting": {"invoices": 1, "invoiced_eur": "10.00", "payments_after_netting": 2,
                  "settled_after_netting_eur": "5.00"}}, "payments_after_netting"),
    ({"netting": {"invoices": 2, "invoiced_eur": "10.00", "payments_after_netting": 1,
                  "settled_after_netting_eur": "15.00"}}, "settled_after_netting_eur"),
    ({"changeover": {"company_id": "other", "operations": 1, "scheduled_minutes": 1, "fcfs_minutes": 1}},
     "changeover.company_id"),
    ({"changeover": {"company_id": "a", "operations": 1, "scheduled_minutes": -1, "fcfs_minutes": 1}},
     "scheduled_minutes"),
])
def test_bad_reports_are_refused_naming_the_field(change: dict, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        report("a", **change)


def test_a_forecast_may_cover_more_parts_than_were_made() -> None:
    planned = report("a", parts_made=0, resources=ResourceFigures(source="forecast", parts=80, energy_kwh=5.0))
    assert planned.resources is not None and planned.resources.parts == 80


reports_strategy = st.lists(st.builds(
    lambda member, month, minutes, parts, held, fcfs, saved: report(
        member, period=f"2026-{month:02d}", at=T0 + timedelta(minutes=minutes), parts_made=parts,
        defects=DefectFigures(parts_held=min(held, parts), parts_rejected=0, alarms_raised=held),
        changeover=changeover(member, fcfs - min(saved, fcfs), fcfs)),
    st.sampled_from(["a", "b", "c"]), st.integers(1, 12), st.integers(0, 10_000), st.integers(0, 500),
    st.integers(0, 50), st.integers(0, 5_000), st.integers(0, 5_000)), max_size=25)


@settings(max_examples=150, deadline=None)
@given(reports_strategy)
def test_resending_never_doubles_and_each_member_period_counts_once(reports: list[KpiReport]) -> None:
    chosen = select_reports(reports)
    assert len({(r.member_id, r.period) for r in chosen}) == len(chosen)
    assert {r.member_id for r in chosen} == {r.member_id for r in reports}
    for kept in chosen:  # the newest of its member and period
        rivals = [r for r in reports if (r.member_id, r.period) == (kept.member_id, kept.period)]
        assert kept.generated_at == max(r.generated_at for r in rivals)
    assert select_reports(reports + reports) == chosen  # sending everything again changes nothing
    totals = add_up(chosen)
    assert totals.parts_made == sum(r.parts_made for r in chosen)
    kpis = hub_kpis(flow_kpi_inputs([], "2026"), totals)
    if chosen:
        assert kpis.changeover_hours_saved is not None and kpis.changeover_hours_saved >= 0
        assert kpis.defects_stopped is not None and kpis.defects_stopped <= kpis.parts_made
    else:
        assert kpis.changeover_hours_saved is None and kpis.defects_stopped is None
