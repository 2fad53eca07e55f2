"""The twin on the brainport scenario: it reproduces the dispatch and the CP-SAT schedules exactly."""

from __future__ import annotations

import pytest

from fabnet.planning.check import check
from fabnet.planning.orders import problem_from_orders
from fabnet.planning.schedule.solver import SolveOptions, solve
from fabnet.scenarios.loader import load_scenario
from fabnet.twin.model import FactoryTwin
from fabnet.twin.settings import MachineSettings, TwinSettings
from fabnet.twin.workload import dispatch_schedule, network_problem


@pytest.fixture(scope="module")
def brainport():  # type: ignore[no-untyped-def]
    return load_scenario("brainport")


def _assert_reproduced(problem, solution) -> None:  # type: ignore[no-untyped-def]
    assert check(problem, solution).feasible
    result = FactoryTwin(problem, solution).run(0)
    planned = {a.id: (a.machine, a.start, a.end) for a in solution.operations}
    assert len(result.operations) == len(planned)
    for run in result.operations:
        assert (run.machine, run.start, run.end) == planned[run.id]


def test_the_whole_network_under_dispatch(brainport) -> None:  # type: ignore[no-untyped-def]
    problem = network_problem(brainport, horizon_days=35)
    assert len(problem.machines) >= 20
    solution = dispatch_schedule(problem)
    _assert_reproduced(problem, solution)
    # the same schedule with the scenario's power figures: energy is power × processing + idle × the rest
    settings = TwinSettings.from_machines(brainport.machines, MachineSettings())
    result = FactoryTwin(problem, solution, settings).run(0)
    laser = next(m for m in result.machines if m.id == "kp-laser-12")
    machine = brainport.machine("kp-laser-12")
    expected = (machine.power_kw * laser.processing_minutes
                + machine.idle_power_kw * (laser.available_minutes - laser.processing_minutes)) / 60
    assert laser.energy_kwh == pytest.approx(expected) and laser.energy_kwh > 0


def test_a_company_under_cp_sat(brainport) -> None:  # type: ignore[no-untyped-def]
    problem, _ = problem_from_orders(brainport, "vonkwerk", horizon_days=35)
    solution = solve(problem, SolveOptions(time_limit=3.0, workers=1))
    assert solution.status in ("OPTIMAL", "FEASIBLE")
    _assert_reproduced(problem, solution)


def test_lot_splitting_reaches_the_benchmark_size(brainport) -> None:  # type: ignore[no-untyped-def]
    problem = network_problem(brainport, horizon_days=28, min_operations=500)
    operations = [op for job in problem.jobs for op in job.operations]
    assert len(operations) >= 500
    assert all(op.after is None or all(p.split("#")[-1] == op.id.split("#")[-1] for p in op.after)
               for op in operations)  # a lot's operations only wait for the same lot
