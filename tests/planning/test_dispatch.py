"""ATCS and NEH construct feasible schedules; the timetabling helper places changeovers in available time."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.planning.check import check
from fabnet.planning.dispatch import atcs, initial_schedule, neh
from fabnet.planning.instances import read_sdst_pfsp
from fabnet.planning.schedule import ScheduleData
from fabnet.planning.schedule.solver import placements_to_solution
from fabnet.planning.synthetic import ShopShape, random_problem
from fabnet.planning.timetable import earliest_fit


def test_earliest_fit_keeps_changeover_and_operation_out_of_downtime() -> None:
    windows = ((10, 20), (30, 35))
    assert earliest_fit(windows, 2, 2, 5) == 2
    assert earliest_fit(windows, 6, 2, 5) == 22  # [4, 11) would touch the first window
    assert earliest_fit(windows, 22, 2, 10) == 37  # [20, 32) hits the second; after it the setup needs 2 more
    assert earliest_fit((), 7, 3, 0) == 7


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_atcs_is_feasible_on_random_shops(seed: int) -> None:
    problem = random_problem(seed, ShopShape(jobs=6, operations_per_job=4, machines=4, families=3))
    data = ScheduleData.from_problem(problem)
    solution = placements_to_solution(data, atcs(data), "FEASIBLE", 0.0)
    report = check(problem, solution)
    assert report.feasible, [v.message for v in report.violations]


def test_neh_gives_a_feasible_permutation_better_than_atcs(shared_dir: Path) -> None:
    problem = read_sdst_pfsp((shared_dir / "benchmarks" / "sdst-pfsp" / "1.txt").read_text())
    data = ScheduleData.from_problem(problem)
    placements = neh(data)
    assert placements is not None
    by_neh = placements_to_solution(data, placements, "FEASIBLE", 0.0)
    by_atcs = placements_to_solution(data, atcs(data), "FEASIBLE", 0.0)
    assert check(problem, by_neh).feasible and check(problem, by_atcs).feasible
    assert by_neh.objective is not None and by_atcs.objective is not None
    assert by_neh.objective < by_atcs.objective
    assert initial_schedule(data) == placements


def test_accelerated_insertion_matches_full_evaluation(shared_dir: Path) -> None:
    from fabnet.planning.instances import read_tt_pfsp
    from fabnet.planning.permutation_search import FlowShop

    for problem in (read_sdst_pfsp((shared_dir / "benchmarks" / "sdst-pfsp" / "1.txt").read_text()),
                    read_tt_pfsp((shared_dir / "benchmarks" / "tt-pfsp" / "1.txt").read_text())):
        shop = FlowShop.from_data(ScheduleData.from_problem(problem))
        sequence = [7, 3, 12, 0, 5, 19, 1, 8]
        for job in (2, 4, 11):
            full = min((shop.cost([*sequence[:at], job, *sequence[at:]]), at) for at in range(len(sequence) + 1))
            value, at = shop.best_insertion(sequence, job)
            assert value == full[0]
            assert shop.cost([*sequence[:at], job, *sequence[at:]]) == value


def test_iterated_greedy_improves_neh_and_stays_feasible(shared_dir: Path) -> None:
    problem = read_sdst_pfsp((shared_dir / "benchmarks" / "sdst-pfsp" / "1.txt").read_text())
    data = ScheduleData.from_problem(problem)
    by_neh = placements_to_solution(data, initial_schedule(data), "FEASIBLE", 0.0)
    by_search = placements_to_solution(data, initial_schedule(data, search_seconds=1.0), "FEASIBLE", 0.0)
    assert check(problem, by_search).feasible
    assert by_search.objective is not None and by_neh.objective is not None
    assert by_search.objective <= by_neh.objective
