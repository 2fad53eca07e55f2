"""Monte Carlo over twin replications: seeds in, distribution statistics out (`fabnet.twin/1` JSON)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from fabnet.planning.problem import Problem, Solution
from fabnet.twin.model import FactoryTwin, Repairer
from fabnet.twin.result import ReplicationResult


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Distribution(_Frozen):
    """Summary statistics of one quantity over the replications."""

    mean: float
    p50: float
    p90: float
    p95: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution:
        data = np.asarray(values, dtype=float)
        if data.size == 0:
            return cls(mean=0, p50=0, p90=0, p95=0, min=0, max=0)
        p50, p90, p95 = np.percentile(data, [50, 90, 95])
        return cls(mean=float(data.mean()), p50=float(p50), p90=float(p90), p95=float(p95),
                   min=float(data.min()), max=float(data.max()))


class JobSummary(_Frozen):
    id: str
    due: int | None
    planned_completion: int
    completion: Distribution
    on_time_probability: float
    tardiness: Distribution
    completions: tuple[float, ...]
    """Per replication, in seed order (for plots)."""


class MachineSummary(_Frozen):
    id: str
    utilisation: Distribution
    availability: Distribution
    performance: Distribution
    quality: Distribution
    oee: Distribution
    energy_kwh: Distribution
    material_used_kg: Distribution
    material_scrapped_kg: Distribution
    breakdowns: Distribution
    utilisations: tuple[float, ...]
    oees: tuple[float, ...]


class RepairComparison(_Frozen):
    """Total weighted tardiness per replication on the same random numbers, without and with rescheduling."""

    without_repair: Distribution
    with_repair: Distribution
    repairs: Distribution
    improved_share: float
    """Share of replications where repair lowered total weighted tardiness."""


class TwinSummary(_Frozen):
    format: Literal["fabnet.twin/1"] = "fabnet.twin/1"
    replications: int
    seeds: tuple[int, ...]
    planned_makespan: int
    makespan: Distribution
    total_weighted_tardiness: Distribution
    on_time_probability: float
    """Probability that every job is on time."""
    events: int
    jobs: tuple[JobSummary, ...]
    machines: tuple[MachineSummary, ...]
    repair: RepairComparison | None = None


def replicate(
    twin: FactoryTwin, seeds: Sequence[int], repairer: Repairer | None = None,
    progress: Callable[[ReplicationResult], None] | None = None,
) -> list[ReplicationResult]:
    """Run one replication per seed, in order, in this process."""
    results = []
    for seed in seeds:
        result = twin.run(seed, repairer)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def summarise(
    problem: Problem, solution: Solution, results: Sequence[ReplicationResult],
    repaired: Sequence[ReplicationResult] | None = None,
) -> TwinSummary:
    """Distribution statistics over replications; `repaired` holds runs on the same seeds with rescheduling."""
    if not results:
        raise ValueError("summarise needs at least one replication")
    ends = {a.id: a.end for a in solution.operations}
    jobs = []
    for k, job in enumerate(problem.jobs):
        completions = [r.jobs[k].completion for r in results]
        tardiness = [r.jobs[k].tardiness for r in results]
        jobs.append(JobSummary(
            id=job.id, due=job.due, planned_completion=max(ends[op.id] for op in job.operations),
            completion=Distribution.of(completions),
            on_time_probability=float(np.mean([r.jobs[k].on_time for r in results])),
            tardiness=Distribution.of(tardiness), completions=tuple(completions),
        ))
    machines = []
    for k, machine in enumerate(problem.machines):
        runs = [r.machines[k] for r in results]
        machines.append(MachineSummary(
            id=machine.id,
            utilisation=Distribution.of([m.utilisation for m in runs]),
            availability=Distribution.of([m.availability for m in runs]),
            performance=Distribution.of([m.performance for m in runs]),
            quality=Distribution.of([m.quality for m in runs]),
            oee=Distribution.of([m.oee for m in runs]),
            energy_kwh=Distribution.of([m.energy_kwh for m in runs]),
            material_used_kg=Distribution.of([m.material_used_kg for m in runs]),
            material_scrapped_kg=Distribution.of([m.material_scrapped_kg for m in runs]),
            breakdowns=Distribution.of([m.breakdowns for m in runs]),
            utilisations=tuple(m.utilisation for m in runs), oees=tuple(m.oee for m in runs),
        ))
    comparison = None
    if repaired:
        if [r.seed for r in repaired] != [r.seed for r in results]:
            raise ValueError("repaired runs must use the same seeds as the unrepaired runs")
        without = [r.total_weighted_tardiness for r in results]
        with_repair = [r.total_weighted_tardiness for r in repaired]
        comparison = RepairComparison(
            without_repair=Distribution.of(without), with_repair=Distribution.of(with_repair),
            repairs=Distribution.of([r.repairs for r in repaired]),
            improved_share=float(np.mean([b < a for a, b in zip(without, with_repair, strict=True)])),
        )
    return TwinSummary(
        replications=len(results), seeds=tuple(r.seed for r in results),
        planned_makespan=max(ends.values(), default=0),
        makespan=Distribution.of([r.makespan for r in results]),
        total_weighted_tardiness=Distribution.of([r.total_weighted_tardiness for r in results]),
        on_time_probability=float(np.mean([all(j.on_time for j in r.jobs) for r in results])),
        events=sum(r.events for r in results) + sum(r.events for r in repaired or ()),
        jobs=tuple(jobs), machines=tuple(machines), repair=comparison,
    )
