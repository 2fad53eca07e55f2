"""The digital twin: exact reproduction without variability, seeded randomness, disturbances, KPIs, repair."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.planning.problem import Assignment, Job, Mode, Problem, ProblemMachine, ProblemOperation, Solution
from fabnet.standards.twin_pool import run_replications
from fabnet.twin.model import FactoryTwin
from fabnet.twin.repair import KeepPlan, MoveOffBrokenMachine
from fabnet.twin.settings import MachineSettings, TwinSettings
from fabnet.twin.summary import summarise
from twin.schedules import greedy_schedule, random_problem


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_without_variability_the_twin_reproduces_the_schedule_exactly(seed: int) -> None:
    problem = random_problem(seed)
    solution = greedy_schedule(problem)
    result = FactoryTwin(problem, solution).run(seed)
    plan = {a.id: a for a in solution.operations}
    for run in result.operations:
        assert (run.start, run.end, run.machine) == (plan[run.id].start, plan[run.id].end, plan[run.id].machine)
    assert result.makespan == solution.makespan
    assert all(m.performance == 1.0 and m.quality == 1.0 for m in result.machines)
    # as soon as possible, a changeover may also pause over maintenance, so nothing is later than planned
    early = FactoryTwin(problem, solution, TwinSettings(start_policy="asap")).run(seed)
    assert all(run.end <= plan[run.id].end for run in early.operations)


def _two_machine_problem() -> tuple[Problem, Solution]:
    problem = Problem(
        machines=(ProblemMachine(id="laser", initial_family="S235-3", unavailable=((30, 40),)),
                  ProblemMachine(id="press")),
        jobs=(
            Job(id="a", due=35, operations=(
                ProblemOperation(id="a1", family="S235-3", modes=(Mode(machine="laser", duration=10),)),
                ProblemOperation(id="a2", modes=(Mode(machine="press", duration=5),)),
            )),
            Job(id="b", due=60, operations=(
                ProblemOperation(id="b1", family="S355-5", modes=(Mode(machine="laser", duration=15),)),
            )),
        ),
        setups=({"machine": "laser", "from": "S235-3", "to": "S355-5", "duration": 4},),
    )
    solution = Solution(status="FEASIBLE", operations=(
        Assignment(id="a1", machine="laser", start=0, end=10),
        Assignment(id="a2", machine="press", start=12, end=17),
        Assignment(id="b1", machine="laser", start=40, end=55),
    ))
    return problem, solution


def test_kpis_of_a_hand_checked_run() -> None:
    problem, solution = _two_machine_problem()
    laser = MachineSettings(power_kw=6.0, idle_power_kw=1.2, material_kg_per_operation=2.0)
    result = FactoryTwin(problem, solution, TwinSettings(machines={"laser": laser})).run(1)
    runs = {r.id: r for r in result.operations}
    assert (runs["b1"].setup_start, runs["b1"].setup_minutes, runs["b1"].start) == (10.0, 4.0, 40.0)
    machine = result.machines[0]
    assert machine.available_minutes == 45  # makespan 55 minus the 10-minute maintenance window
    assert machine.utilisation == pytest.approx(25 / 45)
    assert machine.energy_kwh == pytest.approx((6.0 * 25 + 1.2 * 20) / 60)
    assert machine.availability == pytest.approx(25 / 29)  # the changeover is an availability loss
    assert machine.material_used_kg == 4.0 and machine.material_scrapped_kg == 0.0
    assert [j.completion for j in result.jobs] == [17.0, 55.0]
    assert all(j.on_time for j in result.jobs)


def test_a_delay_propagates_along_precedences_and_the_sequence() -> None:
    problem, solution = _two_machine_problem()
    slow = TwinSettings(machines={"laser": MachineSettings(processing_cv=0.5)})
    results = [FactoryTwin(problem, solution, slow).run(seed) for seed in range(30)]
    for result in results:
        runs = {r.id: r for r in result.operations}
        assert runs["a2"].start >= max(runs["a1"].end, 12)
        assert runs["b1"].start >= max(runs["a1"].end + 4, 40)
        assert not 30 < runs["b1"].start < 40  # never starts during maintenance
    assert len({r.operations[0].end for r in results}) > 20  # durations do vary


def test_same_seed_same_run_different_seed_different_run() -> None:
    problem = random_problem(5, jobs=8)
    solution = greedy_schedule(problem)
    noisy = TwinSettings(default=MachineSettings(processing_cv=0.3, mtbf_minutes=40, mttr_minutes=10,
                                                 scrap_probability=0.1, rework_probability=0.1))
    twin = FactoryTwin(problem, solution, noisy)
    assert twin.run(3) == twin.run(3)
    assert twin.run(3).operations != twin.run(4).operations


def test_breakdowns_stop_the_machine_and_push_work_right() -> None:
    problem = random_problem(11, jobs=8)
    solution = greedy_schedule(problem)
    fragile = TwinSettings(default=MachineSettings(mtbf_minutes=15, mttr_minutes=10))
    result = FactoryTwin(problem, solution, fragile).run(2)
    assert sum(m.breakdowns for m in result.machines) > 0
    assert sum(m.down_minutes for m in result.machines) > 0
    assert all(d.kind == "breakdown" for d in result.disruptions)
    plan = {a.id: a for a in solution.operations}
    assert all(r.start >= plan[r.id].start for r in result.operations)
    broken = [r for r in result.operations if r.breakdowns]
    assert any(r.end - r.start > plan[r.id].end - plan[r.id].start for r in broken)
    assert max(m.availability for m in result.machines if m.breakdowns) < 1.0


def test_scrap_rework_and_a_drifting_process() -> None:
    problem = random_problem(2, jobs=10)
    solution = greedy_schedule(problem)
    always_scrap = TwinSettings(max_attempts=3, default=MachineSettings(scrap_probability=1.0,
                                                                         material_kg_per_operation=1.0))
    result = FactoryTwin(problem, solution, always_scrap).run(0)
    assert all(r.attempts == 3 and r.scrapped == 2 for r in result.operations)
    assert sum(m.material_scrapped_kg for m in result.machines) == 2 * len(result.operations)
    assert all(m.quality == pytest.approx(1 / 3) for m in result.machines if m.operations)

    # one machine, one family: no changeover re-adjusts the process, so its state keeps drifting
    line = Problem(machines=(ProblemMachine(id="m"),), jobs=(Job(id="j", operations=tuple(
        ProblemOperation(id=f"o{k}", family="A", modes=(Mode(machine="m", duration=5),)) for k in range(30))),))

    def bad_parts(drift: float) -> int:
        noisy = TwinSettings(default=MachineSettings(scrap_probability=0.03, rework_probability=0.03,
                                                     drift_per_operation=drift))
        twin = FactoryTwin(line, greedy_schedule(line), noisy)
        return sum(r.attempts - 1 for seed in range(20) for r in twin.run(seed).operations)

    assert bad_parts(drift=0.3) > 2 * bad_parts(drift=0.0)


def test_no_operator_no_work() -> None:
    problem = random_problem(4, jobs=6, unavailable=False)
    solution = greedy_schedule(problem)
    # operators never staff every second 20-minute shift: nothing may start or run into those shifts
    staffed = TwinSettings(shift_minutes=20, default=MachineSettings(operator_availability=(1.0, 0.0)))
    result = FactoryTwin(problem, solution, staffed).run(0)
    for run in result.operations:
        if run.end > run.start:
            first_shift, last_shift = int(run.start // 20), int((run.end - 1e-9) // 20)
            assert first_shift == last_shift and first_shift % 2 == 0, run


def test_repair_loop_moves_work_off_a_broken_machine() -> None:
    problem = Problem(
        machines=(ProblemMachine(id="m1"), ProblemMachine(id="m2")),
        jobs=tuple(Job(id=f"j{k}", due=10 * (k + 1), operations=(
            ProblemOperation(id=f"o{k}", modes=(Mode(machine="m1", duration=10), Mode(machine="m2", duration=10))),
        )) for k in range(6)),
    )
    solution = Solution(status="FEASIBLE", operations=tuple(
        Assignment(id=f"o{k}", machine="m1" if k % 2 == 0 else "m2", start=10 * (k // 2) * 2 + (10 if k % 2 else 0),
                   end=10 * (k // 2) * 2 + (20 if k % 2 else 10))
        for k in range(6)))
    fragile = TwinSettings(machines={"m1": MachineSettings(mtbf_minutes=5, mttr_minutes=60)})
    twin = FactoryTwin(problem, solution, fragile)
    improved = 0
    for seed in range(10):
        plain, kept, repaired = twin.run(seed), twin.run(seed, KeepPlan()), twin.run(seed, MoveOffBrokenMachine())
        assert kept.operations == plain.operations  # a repair that keeps the plan changes nothing
        assert repaired.repairs == len(repaired.disruptions) > 0
        assert repaired.total_weighted_tardiness <= plain.total_weighted_tardiness
        improved += repaired.total_weighted_tardiness < plain.total_weighted_tardiness
        assert any(r.machine == "m2" and r.id in {"o2", "o4"} for r in repaired.operations) or not improved
    assert improved >= 5


def test_monte_carlo_in_worker_processes_matches_one_process_and_serialises() -> None:
    problem = random_problem(8, jobs=6)
    solution = greedy_schedule(problem)
    noisy = TwinSettings(default=MachineSettings(processing_cv=0.2, mtbf_minutes=60, mttr_minutes=5,
                                                 power_kw=5, idle_power_kw=1))
    seeds = list(range(100, 112))
    parallel = run_replications(problem, solution, noisy, seeds, workers=2, chunk=3, keep_operations=True)
    serial = [FactoryTwin(problem, solution, noisy).run(seed) for seed in seeds]
    assert parallel == serial
    light = run_replications(problem, solution, noisy, seeds, workers=2, chunk=5)
    assert light == [replace(result, operations=()) for result in serial]
    repaired = run_replications(problem, solution, noisy, seeds, workers=1, repairer=MoveOffBrokenMachine())
    summary = summarise(problem, solution, parallel, repaired)
    job = summary.jobs[0]
    assert job.completion.p50 <= job.completion.p90 <= job.completion.p95 <= job.completion.max
    assert 0.0 <= job.on_time_probability <= 1.0
    assert summary.repair is not None and summary.repair.with_repair.mean <= summary.repair.without_repair.mean + 1e-9
    data = json.loads(summary.model_dump_json())
    assert data["format"] == "fabnet.twin/1" and len(data["jobs"][0]["completions"]) == 12
    assert json.dumps(parallel[0].to_json_dict())


def test_a_solution_that_does_not_match_the_problem_is_refused() -> None:
    problem, solution = _two_machine_problem()
    with pytest.raises(ValueError, match="'a2' of the problem has no assignment"):
        FactoryTwin(problem, solution.model_copy(update={"operations": solution.operations[:1]}))
    wrong = (*solution.operations[:2], Assignment(id="b1", machine="press", start=40, end=55))
    with pytest.raises(ValueError, match="'b1' is assigned to 'press'"):
        FactoryTwin(problem, solution.model_copy(update={"operations": wrong}))


def test_repair_loop_with_the_cp_sat_rescheduler() -> None:
    from fabnet.twin.planning_repair import PlanningRepair

    problem = random_problem(3, jobs=5, machines=3)
    solution = greedy_schedule(problem)
    fragile = TwinSettings(default=MachineSettings(mtbf_minutes=25, mttr_minutes=30))
    twin = FactoryTwin(problem, solution, fragile)
    plain = twin.run(1)
    repaired = twin.run(1, PlanningRepair(time_limit=0.2))
    assert repaired.disruptions and repaired.repairs == len(repaired.disruptions)
    assert {r.id for r in repaired.operations} == {a.id for a in solution.operations}
    summary = summarise(problem, solution, [plain], [repaired])
    assert summary.repair is not None
    assert summary.repair.with_repair.mean == repaired.total_weighted_tardiness
