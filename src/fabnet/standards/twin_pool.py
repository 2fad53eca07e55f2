"""Runs twin replications in parallel worker processes (the only parallelism fabnet uses)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace

from fabnet.planning.problem import Problem, Solution
from fabnet.twin.model import FactoryTwin, Repairer
from fabnet.twin.result import ReplicationResult
from fabnet.twin.settings import TwinSettings

_worker_twin: FactoryTwin | None = None


def _start_worker(problem: Problem, solution: Solution, settings: TwinSettings) -> None:
    global _worker_twin
    _worker_twin = FactoryTwin(problem, solution, settings)


def _run_chunk(seeds: Sequence[int], repairer: Repairer | None, keep_operations: bool) -> list[ReplicationResult]:
    assert _worker_twin is not None, "worker not initialised"
    results = [_worker_twin.run(seed, repairer) for seed in seeds]
    # per-operation records cost as much to pickle as the simulation itself; the summary does not need them
    return results if keep_operations else [replace(result, operations=()) for result in results]


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity, e.g. a container's cpuset), not all the machine has."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def run_replications(
    problem: Problem,
    solution: Solution,
    settings: TwinSettings,
    seeds: Sequence[int],
    *,
    repairer: Repairer | None = None,
    workers: int | None = None,
    chunk: int = 8,
    progress: Callable[[int], None] | None = None,
    keep_operations: bool = False,
) -> list[ReplicationResult]:
    """One replication per seed, results in seed order; `progress(n)` after every finished chunk of n.

    `repairer` must be picklable (a module-level class instance) to cross into the workers. With one worker
    (or one seed) everything runs in this process. Results carry their per-operation records only when
    `keep_operations` (per-job and per-machine figures always).
    """
    if len(set(seeds)) != len(seeds):
        raise ValueError("seeds must be distinct")
    workers = workers or usable_cpus()
    if workers <= 1 or len(seeds) <= 1:
        twin = FactoryTwin(problem, solution, settings)
        results = []
        for seed in seeds:
            result = twin.run(seed, repairer)
            results.append(result if keep_operations else replace(result, operations=()))
            if progress is not None:
                progress(1)
        return results
    chunks = [list(seeds[i:i + chunk]) for i in range(0, len(seeds), chunk)]
    by_seed: dict[int, ReplicationResult] = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), initializer=_start_worker,
                             initargs=(problem, solution, settings)) as pool:
        futures = [pool.submit(_run_chunk, part, repairer, keep_operations) for part in chunks]
        for future in as_completed(futures):
            done = future.result()
            for result in done:
                by_seed[result.seed] = result
            if progress is not None:
                progress(len(done))
    return [by_seed[seed] for seed in seeds]
