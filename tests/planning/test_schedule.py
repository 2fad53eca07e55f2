"""CP-SAT scheduling: features of the format, bad input, infeasibility, and optimality against brute force."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fabnet.planning.check import check
from fabnet.planning.problem import Problem, describe_error
from fabnet.planning.schedule import SolveOptions, solve
from planning.schedule_fixtures import brute_force_optimum, tiny_problem, tiny_raw

FAST = SolveOptions(time_limit=2.0, workers=2)


def test_tiny_problem_is_solved_to_optimality_and_passes_the_check() -> None:
    problem = tiny_problem()
    solution = solve(problem, FAST)
    assert solution.status == "OPTIMAL"
    assert check(problem, solution).feasible
    assert solution.objective == brute_force_optimum(problem)
    assert solution.lower_bound == solution.objective


def test_changeover_from_the_initial_family_and_downtime_are_respected() -> None:
    problem = tiny_problem(objective={"weighted_tardiness": 0, "total_setup": 0, "makespan": 1})
    solution = solve(problem, FAST)
    by_id = {a.id: a for a in solution.operations}
    for a in solution.operations:
        if a.machine == "laser-1":
            assert a.end <= 30 or a.start >= 40
    if by_id["o18/cut"].machine == "laser-1" and by_id["o18/cut"].start < by_id["o17/cut"].start:
        assert by_id["o18/cut"].start >= 7  # steel-2 -> alu-3 from the initial family
    assert check(problem, solution).feasible


def test_frozen_operation_keeps_machine_and_start() -> None:
    raw = tiny_raw()
    raw["jobs"][1]["operations"][0] |= {"fixed_machine": "brake-1", "fixed_start": 50}
    problem = Problem.model_validate(raw)
    solution = solve(problem, FAST)
    cut = next(a for a in solution.operations if a.id == "o18/cut")
    assert (cut.machine, cut.start) == ("brake-1", 50)
    assert check(problem, solution).feasible


def test_infeasible_problem_is_reported_as_infeasible() -> None:
    raw = tiny_raw()
    # the bend must follow the cut (10 min from 0), yet it is frozen at 0
    raw["jobs"][0]["operations"][1] |= {"fixed_machine": "brake-1", "fixed_start": 0}
    raw["jobs"][0]["operations"][0] |= {"fixed_machine": "laser-1", "fixed_start": 0}
    solution = solve(Problem.model_validate(raw), SolveOptions(time_limit=2.0, warm_start=False))
    assert solution.status == "INFEASIBLE"
    assert solution.operations == ()


def test_permutation_flow_shop_keeps_one_job_order() -> None:
    machines = [{"id": "m1"}, {"id": "m2"}]
    durations = [(3, 9), (8, 2), (5, 5)]
    jobs = [{"id": f"j{n}", "operations": [
        {"id": f"j{n}/m1", "family": f"j{n}", "modes": [{"machine": "m1", "duration": a}]},
        {"id": f"j{n}/m2", "family": f"j{n}", "modes": [{"machine": "m2", "duration": b}]}]}
        for n, (a, b) in enumerate(durations)]
    setups = [{"machine": "m2", "from": "j0", "to": "j1", "duration": 6}]
    problem = Problem.model_validate({"machines": machines, "jobs": jobs, "setups": setups, "permutation": True,
                                      "objective": {"weighted_tardiness": 0, "total_setup": 0, "makespan": 1}})
    solution = solve(problem, FAST)
    assert check(problem, solution).feasible
    assert solution.objective == brute_force_optimum(problem)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda raw: raw["jobs"][0]["operations"][0]["modes"].__setitem__(0, {"machine": "saw-9", "duration": 3}),
         "job 'o17', operation 'o17/cut': unknown machine 'saw-9'"),
        (lambda raw: raw["jobs"][0]["operations"][0].__setitem__("modes", []),
         "job 'o17', operation 'o17/cut', modes: an operation needs at least one mode"),
        (lambda raw: raw["jobs"][0]["operations"][0].__setitem__("after", ["o17/bend"]),
         "precedence cycle in 'after'"),
        (lambda raw: raw["jobs"][0]["operations"][0]["modes"][0].__setitem__("duration", -5),
         "job 'o17', operation 'o17/cut', modes[0].duration: Input should be greater than or equal to 0"),
    ],
)
def test_bad_input_names_job_and_operation(mutate, expected: str) -> None:
    raw = tiny_raw()
    mutate(raw)
    with pytest.raises(ValidationError) as caught:
        Problem.model_validate(raw)
    assert expected in describe_error(raw, caught.value)


def test_a_long_chain_is_checked_for_cycles_without_recursion() -> None:
    operations = [{"id": f"o{n}", "modes": [{"machine": "m", "duration": 1}]} for n in range(5000)]
    problem = Problem.model_validate({"machines": [{"id": "m"}], "jobs": [{"id": "j", "operations": operations}]})
    assert problem.predecessors()["o4999"] == ("o4998",)
    operations[0]["after"] = ["o4999"]
    with pytest.raises(ValidationError, match="precedence cycle"):
        Problem.model_validate({"machines": [{"id": "m"}], "jobs": [{"id": "j", "operations": operations}]})


@st.composite
def small_problems(draw: st.DrawFn, max_operations: int = 5) -> Problem:
    machine_count = draw(st.integers(1, 3))
    machines = []
    for k in range(machine_count):
        windows = draw(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 10)), max_size=2))
        machines.append({"id": f"m{k}", "initial_family": draw(st.sampled_from([None, "a", "b"])),
                         "unavailable": [[s, s + d] for s, d in windows]})
    jobs = []
    total = 0
    for j in range(draw(st.integers(1, 3))):
        ops = []
        for o in range(draw(st.integers(1, 2))):
            if total >= max_operations:
                break
            total += 1
            eligible = draw(st.lists(st.integers(0, machine_count - 1), min_size=1, max_size=2, unique=True))
            ops.append({"id": f"j{j}/o{o}", "family": draw(st.sampled_from([None, "a", "b"])),
                        "modes": [{"machine": f"m{k}", "duration": draw(st.integers(0, 12))} for k in eligible]})
        if ops:
            jobs.append({"id": f"j{j}", "release": draw(st.integers(0, 10)), "due": draw(st.integers(0, 40)),
                         "weight": draw(st.integers(0, 3)), "operations": ops})
    setups = [{"machine": f"m{k}", "from": x, "to": y, "duration": draw(st.integers(0, 6))}
              for k in range(machine_count) for x, y in (("a", "b"), ("b", "a"), ("a", "a"))
              if draw(st.booleans())]
    objective = {"weighted_tardiness": draw(st.integers(0, 2)), "total_setup": draw(st.integers(0, 2)),
                 "makespan": draw(st.integers(0, 2))}
    return Problem.model_validate({"machines": machines, "jobs": jobs, "setups": setups, "objective": objective,
                                   "permutation": draw(st.booleans())})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_cp_sat_optimum_equals_brute_force_and_passes_the_check(problem: Problem) -> None:
    solution = solve(problem, FAST)
    optimum = brute_force_optimum(problem)
    if optimum is None:
        assert solution.status == "INFEASIBLE"
        return
    assert solution.status == "OPTIMAL"
    report = check(problem, solution)
    assert report.feasible, [v.message for v in report.violations]
    assert solution.objective == optimum


def test_large_neighbourhood_search_keeps_the_schedule_feasible() -> None:
    from fabnet.planning.synthetic import ShopShape, random_problem

    problem = random_problem(3, ShopShape(jobs=10, operations_per_job=4, machines=4, families=3))
    solution = solve(problem, SolveOptions(time_limit=2.0, lns_share=0.75))
    report = check(problem, solution)
    assert solution.status in ("OPTIMAL", "FEASIBLE")
    assert report.feasible, [v.message for v in report.violations]
    assert report.metrics is not None and report.metrics.objective == solution.objective


def test_infeasibility_is_explained_by_operation() -> None:
    from fabnet.planning.diagnose import explain_infeasibility
    from fabnet.planning.schedule import ScheduleData

    raw = tiny_raw()
    raw["jobs"][0]["operations"][0] |= {"fixed_machine": "laser-1", "fixed_start": 35}  # inside the downtime
    raw["jobs"][1]["operations"][0] |= {"fixed_machine": "laser-1", "fixed_start": 36}
    reasons = explain_infeasibility(ScheduleData.from_problem(Problem.model_validate(raw)))
    assert any("'o17/cut'" in r and "unavailable [30, 40)" in r for r in reasons)
    assert any("'o17/cut'" in r and "'o18/cut'" in r and "overlapping" in r for r in reasons)


def _random_fjsp_text(seed: int, jobs: int, operations: int, machines: int) -> str:
    import random

    rng = random.Random(seed)
    lines = [f"{jobs} {machines} 2"]
    for _ in range(jobs):
        fields = [str(operations)]
        for _ in range(operations):
            chosen = rng.sample(range(1, machines + 1), 2)
            fields += ["2", *(f"{k} {rng.randint(1, 20)}" for k in chosen)]
        lines.append(" ".join(fields))
    return "\n".join(lines) + "\n"


def test_critical_operations_follow_the_zero_slack_links_back_from_the_makespan() -> None:
    from fabnet.planning.instances import read_fjsp
    from fabnet.planning.schedule.data import ScheduleData
    from fabnet.planning.schedule.lns import critical_operations
    from fabnet.planning.timetable import Placement

    # job 1: o1 on m1 (3), then o2 on m2 (2); job 2: o1 on m1 (1)
    data = ScheduleData.from_problem(read_fjsp("2 2 1\n2 1 1 3 1 2 2\n1 1 1 1\n"))
    ids = {op.id: i for i, op in enumerate(data.operations)}
    schedule = [
        Placement(ids["j1/o1"], 0, 0, 3),
        Placement(ids["j1/o2"], 1, 3, 5),
        Placement(ids["j2/o1"], 0, 3, 4),  # ends before the makespan: slack
    ]
    assert critical_operations(data, schedule) == {ids["j1/o1"], ids["j1/o2"]}
    # j2/o1 first on m1: the machine link makes it critical too, unless there is idle time after it
    schedule[0] = Placement(ids["j1/o1"], 0, 1, 4)
    schedule[1] = Placement(ids["j1/o2"], 1, 4, 6)
    schedule[2] = Placement(ids["j2/o1"], 0, 0, 1)
    assert critical_operations(data, schedule) == set(ids.values())
    schedule[0] = Placement(ids["j1/o1"], 0, 2, 5)
    schedule[1] = Placement(ids["j1/o2"], 1, 5, 7)
    assert critical_operations(data, schedule) == {ids["j1/o1"], ids["j1/o2"]}


def test_makespan_search_with_compaction_beats_or_equals_the_warm_start() -> None:
    from fabnet.planning.dispatch import atcs
    from fabnet.planning.instances import read_fjsp
    from fabnet.planning.schedule.data import ScheduleData

    problem = read_fjsp(_random_fjsp_text(7, jobs=10, operations=5, machines=4))
    solution = solve(problem, SolveOptions(time_limit=2.0, lns_share=0.75))
    report = check(problem, solution)
    assert report.feasible, [v.message for v in report.violations]
    warm = max(p.end for p in atcs(ScheduleData.from_problem(problem)))
    assert solution.makespan is not None and solution.makespan <= warm
    assert solution.lower_bound is not None and solution.lower_bound <= solution.makespan
