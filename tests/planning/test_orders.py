"""A company's open orders as a scheduling Problem (fabnet.problem/1)."""

import json

import pytest
from typer.testing import CliRunner

from fabnet.cli import app
from fabnet.domain import OrderStatus
from fabnet.planning.orders import longest_window, problem_from_orders, unavailable
from fabnet.planning.problem import Problem
from fabnet.scenarios import load_scenario

MANUFACTURERS = ("kempenplaat", "dommeldraai", "maaslas", "rijnmond-coat", "vonkwerk")


@pytest.fixture(scope="module")
def network():
    return load_scenario("brainport")


@pytest.mark.parametrize("company", MANUFACTURERS)
def test_problem_has_a_job_per_open_order_and_a_mode_for_every_operation(network, company):
    problem, _ = problem_from_orders(network, company)
    again = Problem.model_validate_json(problem.model_dump_json(by_alias=True))  # round trip through the format
    assert again == problem
    orders = {o.id: o for o in network.orders_for(company)}
    assert {job.id for job in problem.jobs} == set(orders)
    own = {m.id for m in network.machines_of(company)}
    assert {m.id for m in problem.machines} == own
    for job in problem.jobs:
        release, due = orders[job.id].minutes_from(network.origin)
        assert (job.release, job.due, job.weight) == (max(0, release), due, orders[job.id].weight)
        for op in job.operations:
            assert op.id.startswith(f"{job.id}/")
            assert op.modes and all(mode.machine in own and mode.duration > 0 for mode in op.modes)
            assert op.family
            assert op.after is not None and all(p.startswith(f"{job.id}/") for p in op.after)
    families = {m.id: {op.family for job in problem.jobs for op in job.operations
                       for mode in op.modes if mode.machine == m.id} for m in problem.machines}
    for setup in problem.setups:
        assert setup.to_family in families[setup.machine] and setup.duration > 0


def test_operations_the_company_cannot_do_are_left_out_with_a_warning(network):
    problem, warnings = problem_from_orders(network, "maaslas")
    ops = {op.id for job in problem.jobs for op in job.operations}
    frames = [o for o in network.orders_for("maaslas") if o.design_id == "fr-200"]
    assert frames
    order = frames[0].id
    assert {f"{order}/assemble", f"{order}/weld", f"{order}/inspect"} <= ops
    assert f"{order}/fr-210/cut" not in ops and f"{order}/coat" not in ops
    warning = next(w for w in warnings if w.startswith(f"order {order}:"))
    assert "fr-210/cut" in warning and "coat (coated_area_m2=3.2" in warning
    assemble = next(op for job in problem.jobs for op in job.operations if op.id == f"{order}/assemble")
    assert assemble.after == ()  # the subcontracted components' operations are bridged, not waited for here


def test_unavailability_comes_from_shifts_and_maintenance(network):
    problem, _ = problem_from_orders(network, "kempenplaat", horizon_days=14)
    laser = next(m for m in problem.machines if m.id == "kp-laser-6")
    # two shifts 06:00–22:00 Mon–Fri: Monday 00:00–06:00 is off, and the service on day 9 06:00–14:00 too
    assert laser.unavailable[0] == (0, 360)
    assert any(start <= 9 * 1440 + 360 and end >= 9 * 1440 + 840 for start, end in laser.unavailable)
    assert all(0 <= start < end <= 14 * 1440 for start, end in laser.unavailable)
    waam = network.machine("vw-waam-2")  # 24/7 but for its torch rebuild
    assert unavailable(waam, 35 * 1440) == [(16 * 1440, 16 * 1440 + 720)]


def test_closed_orders_are_not_scheduled(network):
    first = network.orders_for("vonkwerk")[0]
    cancelled = first.model_copy(update={"status": OrderStatus.CANCELLED})
    changed = network.model_copy(update={"orders": tuple(cancelled if o.id == first.id else o for o in network.orders)})
    problem, _ = problem_from_orders(changed, "vonkwerk")
    assert first.id not in {job.id for job in problem.jobs}


def test_bad_company_is_a_clear_error(network):
    with pytest.raises(ValueError, match="unknown company 'nobody'"):
        problem_from_orders(network, "nobody")
    with pytest.raises(ValueError, match="'havenkraan' has no machines"):
        problem_from_orders(network, "havenkraan")


def test_cli_writes_a_valid_problem(tmp_path):
    target = tmp_path / "problem.json"
    result = CliRunner().invoke(app, ["plan", "orders", "--scenario", "brainport", "--company", "dommeldraai",
                                      "-o", str(target)])
    assert result.exit_code == 0, result.output
    problem = Problem.model_validate(json.loads(target.read_text()))
    assert problem.jobs and all(op.modes for job in problem.jobs for op in job.operations)
    assert "left for subcontracting" in result.output  # the coating of the gearbox covers


def test_cli_unknown_company_exits_2(tmp_path):
    target = tmp_path / "problem.json"
    result = CliRunner().invoke(app, ["plan", "orders", "--company", "nobody", "-o", str(target)])
    assert result.exit_code == 2 and "unknown company 'nobody'" in result.output
    assert not target.exists()


def test_modes_that_cannot_run_uninterrupted_are_dropped(network):
    problem, _ = problem_from_orders(network, "kempenplaat")
    longest = {m.id: longest_window(list(m.unavailable), 35 * 1440) for m in problem.machines}
    assert longest["kp-waterjet"] == 510  # one shift, 07:30–16:00
    modes = [mode for job in problem.jobs for op in job.operations for mode in op.modes]
    assert all(mode.duration <= longest[mode.machine] for mode in modes)
    assert any(mode.machine == "kp-waterjet" for mode in modes)  # short cuts keep their waterjet mode


def test_longest_window():
    assert longest_window([(0, 360), (1320, 1800)], 2000) == 960
    assert longest_window([], 100) == 100
