"""Small hand-made problems and a brute-force optimiser shared by the scheduling tests."""

from __future__ import annotations

from itertools import permutations, product

from fabnet.planning.check import evaluate
from fabnet.planning.problem import Problem
from fabnet.planning.schedule import ScheduleData
from fabnet.planning.timetable import timetable, to_assignments


def tiny_problem(**overrides: object) -> Problem:
    return Problem.model_validate(tiny_raw(**overrides))


def tiny_raw(**overrides: object) -> dict:
    """Two machines, two jobs, families with setups, an initial family, a downtime window (as JSON data)."""
    raw: dict = {
        "format": "fabnet.problem/1",
        "machines": [{"id": "laser-1", "initial_family": "steel-2", "unavailable": [[30, 40]]}, {"id": "brake-1"}],
        "jobs": [
            {"id": "o17", "release": 0, "due": 60, "weight": 2, "operations": [
                {"id": "o17/cut", "family": "steel-2", "modes": [{"machine": "laser-1", "duration": 10}]},
                {"id": "o17/bend", "family": "tool-A", "modes": [{"machine": "brake-1", "duration": 20}]},
            ]},
            {"id": "o18", "release": 5, "due": 40, "weight": 1, "operations": [
                {"id": "o18/cut", "family": "alu-3", "modes": [{"machine": "laser-1", "duration": 15},
                                                            {"machine": "brake-1", "duration": 30}]},
            ]},
        ],
        "setups": [
            {"machine": "laser-1", "from": "steel-2", "to": "alu-3", "duration": 7},
            {"machine": "laser-1", "from": "alu-3", "to": "steel-2", "duration": 4},
        ],
        "objective": {"weighted_tardiness": 1, "total_setup": 1, "makespan": 1},
    }
    raw.update(overrides)
    return raw


def brute_force_optimum(problem: Problem) -> int | None:
    """Enumerate every machine choice and every order per machine; semi-active timetabling of each."""
    data = ScheduleData.from_problem(problem)
    best: int | None = None
    choices = [op.modes for op in data.operations]
    for modes in product(*choices):
        per_machine: dict[int, list[int]] = {k: [] for k in range(len(data.machines))}
        for i, mode in enumerate(modes):
            per_machine[mode.machine].append(i)
        machines = list(per_machine)
        for orders in product(*(permutations(per_machine[k]) for k in machines)):
            sequences = {k: list(order) for k, order in zip(machines, orders, strict=True)}
            if problem.permutation and not _same_job_order(data, sequences):
                continue
            placed = timetable(data, sequences)
            if placed is None:
                continue
            value = evaluate(problem, to_assignments(data, placed)).objective
            best = value if best is None else min(best, value)
    return best


def _same_job_order(data: ScheduleData, sequences: dict[int, list[int]]) -> bool:
    orders = [[data.operations[i].job for i in seq] for seq in sequences.values()]
    rank: dict[tuple[int, int], bool] = {}
    for order in orders:
        for x in range(len(order)):
            for y in range(x + 1, len(order)):
                a, b = order[x], order[y]
                if a == b:
                    continue
                if rank.setdefault((a, b), True) is not True or rank.setdefault((b, a), False) is not False:
                    return False
    return True
