"""KPIs arithmetic, the FCFS baseline, and the programme view."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from fabnet.network.fcfs import fcfs
from fabnet.network.kpis import ChangeoverComparison, KpiInputs, compare_changeovers, compute_kpis
from fabnet.network.network_figures import kpi_inputs
from fabnet.network.programme import BASELINE, FIVE_HUBS, NetworkFigures, compare
from fabnet.planning.check import check
from fabnet.planning.orders import problem_from_orders
from fabnet.planning.problem import Job, Mode, Problem, ProblemMachine, ProblemOperation, Setup, Solution
from fabnet.scenarios import load_scenario


def test_kpis_arithmetic() -> None:
    inputs = KpiInputs(
        period="2026-W49", active_members=1_950, orders_handled=120, orders_allocated=30,
        changeovers=(ChangeoverComparison(company_id="a", operations=10, scheduled_minutes=90, fcfs_minutes=240),
                     ChangeoverComparison(company_id="b", operations=5, scheduled_minutes=30, fcfs_minutes=30)),
        parts_made=400, defects_stopped=9, defects_escaped=1, energy_kwh=1_000.0, material_kg=800.0, scrap_kg=20.0,
        invoices=50, payments_after_netting=12, invoiced_eur=Decimal("100000.00"),
        settled_after_netting_eur=Decimal("35000.00"))
    kpis = compute_kpis(inputs)
    assert kpis.progress_to_target_percent == pytest.approx(100 * (1_950 - 600) / 5_400)
    assert kpis.changeover_hours_fcfs == 4.5 and kpis.changeover_hours_scheduled == 2.0
    assert kpis.changeover_hours_saved == 2.5
    assert kpis.changeover_saving_percent == pytest.approx(100 * 150 / 270, abs=1e-3)
    assert kpis.defect_containment_percent == 90.0
    assert kpis.energy_kwh_per_part == 2.5 and kpis.material_kg_per_part == 2.0 and kpis.scrap_percent == 2.5
    assert kpis.payments_saved_by_netting == 38 and kpis.payments_saved_percent == 76.0
    assert kpis.money_movement_saved_eur == Decimal("65000.00") and kpis.money_movement_saved_percent == 65.0
    assert compute_kpis(inputs.model_copy(update={"active_members": 300})).progress_to_target_percent == 0.0


def test_kpis_without_parts_or_members() -> None:
    kpis = compute_kpis(KpiInputs(period="empty", active_members=0, orders_handled=0))
    assert kpis.energy_kwh_per_part is None and kpis.changeover_saving_percent == 0.0


@pytest.mark.parametrize("field, value, reason", [
    ("orders_allocated", 500, "orders_allocated 500 exceeds orders_handled"),
    ("payments_after_netting", 99, "payments_after_netting 99 exceeds invoices"),
    ("scrap_kg", 1e6, "scrap_kg 1000000.0 exceeds material_kg"),
])
def test_inconsistent_inputs_are_refused(field: str, value: float, reason: str) -> None:
    base = dict(period="p", active_members=1, orders_handled=10, invoices=10, material_kg=5.0)
    with pytest.raises(ValidationError, match=reason):
        KpiInputs(**{**base, field: value})


def test_fcfs_follows_arrival_and_pays_the_changeovers_a_schedule_avoids() -> None:
    # two families alternate in arrival order: FCFS changes over three times, grouping needs one changeover
    jobs = tuple(Job(id=f"j{k}", release=0, operations=(
        ProblemOperation(id=f"o{k}", family="AB"[k % 2], modes=(Mode(machine="m", duration=10),)),)) for k in range(4))
    problem = Problem(machines=(ProblemMachine(id="m"),), jobs=jobs,
                      setups=(Setup(machine="m", **{"from": "A", "to": "B"}, duration=30),
                              Setup(machine="m", **{"from": "B", "to": "A"}, duration=30)))
    baseline = fcfs(problem)
    assert check(problem, baseline).feasible
    assert [a.id for a in sorted(baseline.operations, key=lambda a: a.start)] == ["o0", "o1", "o2", "o3"]
    assert baseline.total_setup == 90
    grouped = Solution(status="FEASIBLE", total_setup=30, total_weighted_tardiness=0, operations=(
        *(a.model_copy(update={"start": s, "end": s + 10}) for a, s in zip(
            sorted(baseline.operations, key=lambda a: a.id), (0, 40, 10, 50), strict=True)),))
    comparison = compare_changeovers("m-co", problem, grouped)
    assert comparison.saved_minutes == 60 and comparison.fcfs_minutes == 90


def test_fcfs_is_feasible_on_every_brainport_company() -> None:
    network = load_scenario("brainport")
    for company in sorted({o.supplier_id for o in network.orders}):
        problem, _ = problem_from_orders(network, company)
        report = check(problem, fcfs(problem))
        assert report.feasible, (company, report.violations[:3])


def test_kpi_inputs_of_the_brainport_network() -> None:
    network = load_scenario("brainport")
    inputs = kpi_inputs(network, period="scenario")
    assert inputs.orders_handled == len(network.orders)
    assert inputs.parts_made == sum(o.quantity for o in network.orders)
    assert inputs.invoices == len(network.orders)
    assert 0 < inputs.payments_after_netting < inputs.invoices
    assert inputs.settled_after_netting_eur <= inputs.invoiced_eur  # one-way flows: fewer payments, same money
    assert inputs.energy_kwh > 0


def test_programme_baseline_and_comparison() -> None:
    assert (BASELINE.fieldlabs, BASELINE.companies_participating, BASELINE.companies_target) == (40, 600, 6000)
    assert BASELINE.public_investment_eur == Decimal("140000000") and BASELINE.jobs_total == 800
    assert BASELINE.rnd_budget_eur_per_year == Decimal("50000000")
    assert len(FIVE_HUBS) == 5
    network = load_scenario("brainport")
    assert {h.id for h in network.hubs} == {h.id for h in FIVE_HUBS}
    figures = NetworkFigures.of(network)
    view = compare(figures, fieldlabs=network.fieldlabs)
    lines = {line.measure: line for line in view.lines}
    assert lines["fieldlabs"].network == len(network.fieldlabs)
    assert lines["investment_eur"].share_percent == pytest.approx(
        100 * float(sum(f.investment_eur for f in network.fieldlabs)) / 240e6, abs=1e-3)
    assert view.progress_to_target_percent == 0.0
    assert compare(figures.model_copy(update={"active_members": 3300})).progress_to_target_percent == 50.0
