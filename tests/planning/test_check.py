"""The independent checker: a valid schedule passes, and each kind of violation is found and named."""

from __future__ import annotations

from fabnet.planning.check import check, evaluate
from fabnet.planning.problem import Assignment, Problem, Solution
from planning.schedule_fixtures import tiny_raw

# laser-1 starts in family steel-2, so o17/cut needs no changeover; o18/cut (alu-3) needs 7 min after it;
# laser-1 is down in [30, 40)
VALID = (
    Assignment(id="o17/cut", machine="laser-1", start=0, end=10),
    Assignment(id="o18/cut", machine="laser-1", start=40, end=55),
    Assignment(id="o17/bend", machine="brake-1", start=10, end=30),
)


def _solution(*operations: Assignment, **fields: object) -> Solution:
    return Solution(status="FEASIBLE", operations=operations, **fields)


def _replace(op_id: str, **fields: object) -> tuple[Assignment, ...]:
    return tuple(a.model_copy(update=fields) if a.id == op_id else a for a in VALID)


def _kinds(problem: Problem, solution: Solution) -> set[str]:
    return {v.kind for v in check(problem, solution).violations}


def test_a_valid_schedule_passes_and_the_objective_is_recomputed() -> None:
    problem = Problem.model_validate(tiny_raw())
    report = check(problem, _solution(*VALID))
    assert report.feasible, report.violations
    metrics = report.metrics
    assert metrics is not None
    # makespan 55; setups steel-2 -> alu-3 = 7; tardiness: o17 ends 30 (due 60) 0, o18 ends 55 (due 40) 15 * 1
    assert (metrics.makespan, metrics.total_setup, metrics.total_weighted_tardiness) == (55, 7, 15)
    assert metrics.objective == 55 + 7 + 15
    assert evaluate(problem, VALID) == metrics


def test_each_violation_kind_is_detected_and_names_the_operation() -> None:
    problem = Problem.model_validate(tiny_raw())
    cases = {
        "missing": _solution(*VALID[:2]),
        "unknown": _solution(*VALID, Assignment(id="ghost", machine="laser-1", start=90, end=91)),
        "duplicate": _solution(*VALID, VALID[0]),
        "machine": _solution(*_replace("o17/cut", machine="brake-1", start=60, end=70)),
        "duration": _solution(*_replace("o17/bend", end=25)),
        "release": _solution(*_replace("o18/cut", machine="brake-1", start=0, end=30)),
        "precedence": _solution(*_replace("o17/bend", start=5, end=25)),
        "overlap": _solution(*_replace("o18/cut", start=5, end=20)),
        "setup": _solution(*_replace("o18/cut", start=12, end=27)),
        "unavailable": _solution(*_replace("o18/cut", start=20, end=35)),
        "reported": _solution(*VALID, objective=1),
        "status": Solution(status="INFEASIBLE"),
    }
    for kind, solution in cases.items():
        kinds = _kinds(problem, solution)
        assert kind in kinds, (kind, kinds)
    message = next(v for v in check(problem, cases["precedence"]).violations if v.kind == "precedence")
    assert message.operation == "o17/bend" and "o17/cut" in message.message


def test_setup_may_use_available_time_around_a_downtime() -> None:
    problem = Problem.model_validate(tiny_raw())
    # 17 - 10 = 7 free minutes after o17/cut: exactly the changeover
    assert "setup" not in _kinds(problem, _solution(*_replace("o18/cut", start=17, end=32)))
    # but the window [30, 40) eats into a gap: from 25 to 41 only 6 minutes are available
    shifted = (Assignment(id="o17/cut", machine="laser-1", start=15, end=25),
               Assignment(id="o18/cut", machine="laser-1", start=41, end=56),
               Assignment(id="o17/bend", machine="brake-1", start=25, end=45))
    assert "setup" in _kinds(problem, _solution(*shifted))


def test_frozen_and_permutation_violations() -> None:
    raw = tiny_raw()
    raw["jobs"][0]["operations"][0] |= {"fixed_machine": "laser-1", "fixed_start": 5}
    raw["jobs"][1]["operations"][0] |= {"fixed_machine": "brake-1"}
    raw["permutation"] = True
    problem = Problem.model_validate(raw)
    kinds = _kinds(problem, _solution(*VALID))
    assert {"fixed_start", "fixed_machine"} <= kinds
    flow = Problem.model_validate({
        "machines": [{"id": "a"}, {"id": "b"}], "permutation": True,
        "jobs": [{"id": f"j{n}", "operations": [{"id": f"j{n}/a", "modes": [{"machine": "a", "duration": 1}]},
                                                 {"id": f"j{n}/b", "modes": [{"machine": "b", "duration": 1}]}]}
                 for n in range(2)]})
    crossed = _solution(Assignment(id="j0/a", machine="a", start=0, end=1),
                        Assignment(id="j1/a", machine="a", start=1, end=2),
                        Assignment(id="j1/b", machine="b", start=2, end=3),
                        Assignment(id="j0/b", machine="b", start=3, end=4))
    assert "permutation" in _kinds(flow, crossed)


def test_overlapping_downtime_windows_are_counted_once() -> None:
    raw = tiny_raw()
    raw["machines"][0]["unavailable"] = [[0, 12], [5, 15]]
    raw["machines"][0]["initial_family"] = "alu-3"  # alu-3 -> steel-2 takes 4 min
    problem = Problem.model_validate(raw)
    schedule = (Assignment(id="o17/cut", machine="laser-1", start=19, end=29),
                Assignment(id="o18/cut", machine="laser-1", start=40, end=55),
                Assignment(id="o17/bend", machine="brake-1", start=29, end=49))
    kinds = _kinds(problem, _solution(*schedule))
    assert "setup" not in kinds  # 19 - 15 = 4 available minutes before o17/cut, exactly the changeover
