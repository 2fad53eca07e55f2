"""Seeded random scheduling problems with every feature of the format (for benchmarks and property tests)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from fabnet.planning.problem import Job, Mode, Objective, Problem, ProblemMachine, ProblemOperation, Setup


@dataclass(frozen=True)
class ShopShape:
    jobs: int = 20
    operations_per_job: int = 10
    machines: int = 8
    families: int = 4
    modes_per_operation: int = 2
    duration: tuple[int, int] = (5, 40)
    setup: tuple[int, int] = (2, 20)
    downtime_windows: int = 1  # per machine


def random_problem(seed: int, shape: ShopShape = ShopShape()) -> Problem:
    """A flexible job shop with families, setups, releases, due dates, weights and unavailability."""
    rng = random.Random(seed)
    machines = [f"m{k + 1}" for k in range(shape.machines)]
    families = [f"f{n + 1}" for n in range(shape.families)]
    mean_duration = sum(shape.duration) / 2
    load = shape.jobs * shape.operations_per_job * mean_duration / shape.machines
    problem_machines = []
    for k, machine in enumerate(machines):
        windows = []
        for _ in range(shape.downtime_windows):
            begin = rng.randint(1, max(2, int(load)))
            windows.append((begin, begin + rng.randint(5, 30)))
        windows.sort()
        merged: list[tuple[int, int]] = []
        for begin, end in windows:
            if merged and begin <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((begin, end))
        problem_machines.append(ProblemMachine(id=machine, initial_family=families[k % len(families)],
                                               unavailable=tuple(merged)))
    jobs = []
    for j in range(shape.jobs):
        operations = []
        for o in range(shape.operations_per_job):
            chosen = rng.sample(machines, min(shape.modes_per_operation, len(machines)))
            modes = tuple(Mode(machine=m, duration=rng.randint(*shape.duration)) for m in chosen)
            operations.append(ProblemOperation(id=f"j{j + 1}/o{o + 1}", family=rng.choice(families), modes=modes))
        release = rng.randint(0, int(load / 4))
        due = release + int(shape.operations_per_job * mean_duration * rng.uniform(1.5, 3.5))
        jobs.append(Job(id=f"j{j + 1}", release=release, due=due, weight=rng.randint(1, 3),
                        operations=tuple(operations)))
    setups = tuple(
        Setup(machine=m, from_family=a, to_family=b, duration=rng.randint(*shape.setup))
        for m in machines for a in families for b in families if a != b
    )
    return Problem(machines=tuple(problem_machines), jobs=tuple(jobs), setups=setups,
                   objective=Objective(weighted_tardiness=1, total_setup=1, makespan=1))
