"""The SimPy model of a factory executing a schedule: sequences, changeovers, calendars, disturbances, repair.

Each machine is a SimPy process that works through its planned sequence. For each operation it first does the
changeover from the previous family (as soon as the machine is free, in available staffed time, pausing over
unavailable periods), then waits
for the predecessors, the release and — under the `planned` start policy — the planned start, then starts when
the operation's planned duration fits before the next unavailable period (an operation is never interrupted by
unavailability; a breakdown interrupts it and it resumes after the repair). With all variability off this
reproduces a feasible schedule's starts and ends exactly.

When a `Repairer` is given, breakdowns and reworks are raised to it with a snapshot of the plan as it stands;
operations not yet begun move to the repaired machines and starts.
"""

from __future__ import annotations

import math
import zlib
from bisect import bisect_right
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import simpy

from fabnet.domain.machine import merge_intervals
from fabnet.planning.problem import Assignment, Problem, Solution
from fabnet.twin.result import Disruption, JobRun, MachineRun, OperationRun, ReplicationResult
from fabnet.twin.settings import MachineSettings, TwinSettings


class Repairer(Protocol):
    """Repairs the plan after a disruption; `current` holds actual times for operations already begun."""

    def __call__(self, problem: Problem, current: Solution, disruption: Disruption) -> Solution: ...


class _CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (the benchmark's events/s)."""

    def __init__(self) -> None:
        super().__init__()
        self.processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


@dataclass(frozen=True, slots=True)
class _Op:
    index: int
    id: str
    job: str
    family: str | None
    release: int
    predecessors: tuple[int, ...]
    durations: dict[str, int]


def _fit(intervals: list[tuple[float, float]], starts: list[float], t: float, duration: float) -> float:
    """The earliest time >= t at which [time, time + duration) overlaps none of the sorted, merged intervals."""
    if not intervals:
        return t
    i = max(bisect_right(starts, t) - 1, 0)
    if duration <= 0:  # an instant may not fall strictly inside an unavailable period
        while i < len(intervals) and intervals[i][0] <= t:
            start, end = intervals[i]
            if start < t < end:
                t = end
            i += 1
        return t
    while i < len(intervals):
        start, end = intervals[i]
        if end <= t:
            i += 1
            continue
        if start >= t + duration:
            break
        t = end
        i += 1
    return t


def _advance(intervals: list[tuple[float, float]], t: float, minutes: float) -> tuple[float, float]:
    """(start, end) of `minutes` of work from t that pauses during the sorted, merged blocked intervals."""
    start: float | None = None
    remaining = minutes
    for blocked_start, blocked_end in intervals:
        if blocked_end <= t:
            continue
        if blocked_start > t:
            if start is None:
                start = t
            if blocked_start - t >= remaining:
                return start, t + remaining
            remaining -= blocked_start - t
        t = max(t, blocked_end)
    return (t if start is None else start), t + remaining


def _covered(intervals: list[tuple[float, float]], until: float) -> float:
    return sum(max(0.0, min(end, until) - start) for start, end in intervals if start < until)


class FactoryTwin:
    """A factory's problem and its schedule, ready to be simulated any number of times."""

    def __init__(self, problem: Problem, solution: Solution, settings: TwinSettings | None = None) -> None:
        self.problem = problem
        self.solution = solution
        self.settings = settings or TwinSettings()
        operations = problem.operations()
        index = {op_id: i for i, op_id in enumerate(operations)}
        predecessors = problem.predecessors()
        self.ops: list[_Op] = []
        for op_id, (job, op) in operations.items():
            self.ops.append(_Op(
                index=index[op_id], id=op_id, job=job.id, family=op.family,
                release=max(job.release, op.release or 0),
                predecessors=tuple(index[p] for p in predecessors[op_id]),
                durations={mode.machine: mode.duration for mode in op.modes},
            ))
        planned = {a.id: a for a in solution.operations}
        for op in self.ops:
            assignment = planned.get(op.id)
            if assignment is None:
                raise ValueError(f"solution: operation {op.id!r} of the problem has no assignment")
            if assignment.machine not in op.durations:
                raise ValueError(f"solution: operation {op.id!r} is assigned to {assignment.machine!r}, "
                                 f"which is not one of its modes ({', '.join(op.durations)})")
        unknown = sorted(set(planned) - set(index))
        if unknown:
            raise ValueError(f"solution: operation {unknown[0]!r} is not in the problem")
        self.plan: list[Assignment] = [planned[op.id] for op in self.ops]
        self.machines = [m.id for m in problem.machines]
        self.initial_family = {m.id: m.initial_family for m in problem.machines}
        self.calendar = {
            m.id: merge_intervals((float(s), float(e)) for s, e in m.unavailable) for m in problem.machines
        }
        self.calendar_starts = {m: [s for s, _ in intervals] for m, intervals in self.calendar.items()}
        self.setups = problem.setup_table()
        self.jobs = {job.id: job for job in problem.jobs}

    def run(self, seed: int = 0, repairer: Repairer | None = None) -> ReplicationResult:
        """One replication; the same seed gives the same result, with or without a repairer."""
        return _Replication(self, seed, repairer).run()


class _Replication:
    """The mutable state of one simulation run."""

    def __init__(self, twin: FactoryTwin, seed: int, repairer: Repairer | None) -> None:
        self.twin = twin
        self.seed = seed
        self.repairer = repairer
        self.env = _CountingEnvironment()
        settings = twin.settings
        n, attempts = len(twin.ops), settings.max_attempts
        machine_settings = [settings.for_machine(m) for m in twin.machines]
        rng = np.random.default_rng(seed)
        # draw per operation and attempt, so a repaired run meets the same luck as an unrepaired one
        self.normals = rng.standard_normal((n, attempts)) if any(s.processing_cv for s in machine_settings) else None
        self.uniforms = (
            rng.random((n, attempts))
            if any(s.scrap_probability or s.rework_probability for s in machine_settings) else None
        )
        self.machine_rng = {m: np.random.default_rng([seed, zlib.crc32(m.encode())]) for m in twin.machines}
        self.machine_of = [a.machine for a in twin.plan]
        self.planned_start = [a.start for a in twin.plan]
        self.planned_end = [a.end for a in twin.plan]
        self.done = [self.env.event() for _ in twin.ops]
        self.committed = [False] * n
        self.begun: list[float | None] = [None] * n
        self.finished: list[float | None] = [None] * n
        self.records: list[OperationRun | None] = [None] * n
        self.queues: dict[str, deque[int]] = {}
        self._build_queues()
        self.replanned = self.env.event()
        self.disruptions: list[Disruption] = []
        self.repairs = 0
        self.absent: dict[str, list[tuple[float, float]]] = {m: [] for m in twin.machines}
        self.absent_until: dict[str, int] = dict.fromkeys(twin.machines, 0)
        self.stats: dict[str, dict[str, float]] = {}

    def _build_queues(self) -> None:
        pending = [i for i in range(len(self.twin.ops)) if not self.committed[i]]
        pending.sort(key=lambda i: (self.planned_start[i], self.planned_end[i], i))
        self.queues = {m: deque() for m in self.twin.machines}
        for i in pending:
            self.queues[self.machine_of[i]].append(i)

    # --- calendar and operators -----------------------------------------------------------------------------

    def _operator_absences(self, machine: str, settings: MachineSettings, until: float) -> list[tuple[float, float]]:
        """Shifts without an operator, drawn lazily in shift order (so the draws do not depend on query order)."""
        availability = settings.operator_availability
        if all(p >= 1.0 for p in availability):
            return []
        length = self.twin.settings.shift_minutes
        rng = self.machine_rng[machine]
        absent = self.absent[machine]
        while self.absent_until[machine] * length <= until:
            slot = self.absent_until[machine]
            if rng.random() >= availability[slot % len(availability)]:
                start = float(slot * length)
                if absent and absent[-1][1] == start:
                    absent[-1] = (absent[-1][0], start + length)
                else:
                    absent.append((start, start + length))
            self.absent_until[machine] = slot + 1
        return absent

    def _fit(self, machine: str, settings: MachineSettings, t: float, duration: float) -> float:
        calendar, calendar_starts = self.twin.calendar[machine], self.twin.calendar_starts[machine]
        while True:
            t = _fit(calendar, calendar_starts, t, duration)
            absent = self._operator_absences(machine, settings, t + duration + self.twin.settings.shift_minutes)
            moved = _fit(absent, [s for s, _ in absent], t, duration) if absent else t
            if moved == t:
                return t
            t = moved

    def _work(self, machine: str, settings: MachineSettings, t: float, minutes: float) -> tuple[float, float]:
        """(start, end) of a changeover from t: it needs `minutes` of available, staffed time, not in one block."""
        length = self.twin.settings.shift_minutes
        until = t + minutes + length
        while True:
            absent = self._operator_absences(machine, settings, until)
            calendar = self.twin.calendar[machine]
            blocked = merge_intervals([*calendar, *absent]) if absent else calendar
            start, end = _advance(blocked, t, minutes)
            if end <= until or not absent:
                return start, end
            until = end + length

    # --- the machine process --------------------------------------------------------------------------------

    def _lognormal(self, i: int, attempt: int, cv: float) -> float:
        if not cv or self.normals is None:
            return 1.0
        sigma2 = math.log1p(cv * cv)
        return math.exp(-sigma2 / 2 + math.sqrt(sigma2) * float(self.normals[i, attempt]))

    def _time_to_failure(self, machine: str, settings: MachineSettings) -> float:
        if settings.mtbf_minutes is None:
            return math.inf
        return float(self.machine_rng[machine].exponential(settings.mtbf_minutes))

    def _machine(self, machine: str) -> Generator[simpy.Event, Any, None]:
        env, twin = self.env, self.twin
        settings = twin.settings.for_machine(machine)
        policy_planned = twin.settings.start_policy == "planned"
        setups = twin.setups[machine]
        family = twin.initial_family[machine]
        state = 0.0
        ttf = self._time_to_failure(machine, settings)
        totals = {"processing": 0.0, "planned": 0.0, "setup": 0.0, "down": 0.0, "ops": 0, "attempts": 0,
                  "good": 0, "material": 0.0, "scrap_material": 0.0, "breakdowns": 0}
        self.stats[machine] = totals
        while True:
            queue = self.queues[machine]
            if not queue:
                if self.repairer is None or all(e.triggered for e in self.done):
                    return
                yield self.replanned
                continue
            i = queue.popleft()
            self.committed[i] = True
            op = twin.ops[i]
            duration = op.durations[machine]
            setup = setups.get((family, op.family), 0) if family is not None and op.family is not None else 0
            setup_start = env.now
            if setup > 0:
                setup_start, setup_end = self._work(machine, settings, env.now, setup)
                yield env.timeout(setup_end - env.now)
                totals["setup"] += setup
                state = 0.0  # a changeover re-adjusts the process
            family = op.family
            waiting = [self.done[p] for p in op.predecessors if not self.done[p].triggered]
            if waiting:
                yield env.all_of(waiting)
            earliest = max(env.now, float(op.release))
            if policy_planned:
                earliest = max(earliest, float(self.planned_start[i]))
            start = self._fit(machine, settings, earliest, duration)
            if start > env.now:
                yield env.timeout(start - env.now)
            self.begun[i] = env.now
            attempt, scrapped, reworked, breakdowns = 0, 0, 0, 0
            planned_pass = float(duration)
            totals["material"] += settings.material_kg_per_operation
            while True:
                actual = planned_pass * self._lognormal(i, attempt, settings.processing_cv)
                remaining = actual
                while remaining > 0:
                    if ttf < remaining:
                        yield env.timeout(ttf)
                        remaining -= ttf
                        repair = float(self.machine_rng[machine].exponential(settings.mttr_minutes)) \
                            if settings.mttr_minutes else 0.0
                        breakdowns += 1
                        self._disrupt(Disruption("breakdown", env.now, machine, op.id, repair))
                        if repair > 0:
                            yield env.timeout(repair)
                        totals["down"] += repair
                        ttf = self._time_to_failure(machine, settings)
                        state = 0.0  # a repaired machine is re-adjusted
                    else:
                        yield env.timeout(remaining)
                        ttf -= remaining
                        remaining = 0.0
                totals["processing"] += actual
                totals["planned"] += planned_pass
                totals["attempts"] += 1
                outcome = self._outcome(i, attempt, settings, state)
                state += settings.drift_per_operation
                if outcome == "good" or attempt + 1 >= twin.settings.max_attempts:
                    break
                attempt += 1
                if outcome == "scrap":
                    scrapped += 1
                    totals["scrap_material"] += settings.material_kg_per_operation
                    totals["material"] += settings.material_kg_per_operation
                    planned_pass = float(duration)
                else:
                    reworked += 1
                    planned_pass = duration * settings.rework_fraction
                self._disrupt(Disruption("rework", env.now, machine, op.id, planned_pass))
            totals["ops"] += 1
            totals["good"] += 1
            totals["breakdowns"] += breakdowns
            self.finished[i] = env.now
            self.records[i] = OperationRun(
                id=op.id, job=op.job, machine=machine, planned_start=self.planned_start[i],
                planned_end=self.planned_end[i], start=self.begun[i] or 0.0, end=env.now, setup_start=setup_start,
                setup_minutes=float(setup), attempts=attempt + 1, scrapped=scrapped, reworked=reworked,
                breakdowns=breakdowns,
            )
            self.done[i].succeed()

    def _outcome(self, i: int, attempt: int, settings: MachineSettings, state: float) -> str:
        if self.uniforms is None or not (settings.scrap_probability or settings.rework_probability):
            return "good"
        u = float(self.uniforms[i, attempt])
        # a drifting process state makes bad parts more likely
        scrap = min(1.0, settings.scrap_probability * (1.0 + state))
        rework = min(1.0 - scrap, settings.rework_probability * (1.0 + state))
        if u < scrap:
            return "scrap"
        if u < scrap + rework:
            return "rework"
        return "good"

    # --- rescheduling -----------------------------------------------------------------------------------------

    def _snapshot(self) -> Solution:
        assignments = []
        for i, op in enumerate(self.twin.ops):
            machine = self.machine_of[i]
            begun, finished = self.begun[i], self.finished[i]
            if finished is not None and begun is not None:
                start, end = math.floor(begun), math.ceil(finished)
            elif begun is not None:
                start = math.floor(begun)
                end = max(math.ceil(self.env.now), start + op.durations[machine])
            else:  # not begun: it cannot start before now, whatever the plan said
                start = max(self.planned_start[i], math.ceil(self.env.now))
                end = start + op.durations[machine]
            assignments.append(Assignment(id=op.id, machine=machine, start=start, end=end))
        return Solution(status="FEASIBLE", operations=tuple(assignments))

    def _disrupt(self, disruption: Disruption) -> None:
        self.disruptions.append(disruption)
        if self.repairer is None:
            return
        snapshot = self._snapshot()
        repaired = self.repairer(self.twin.problem, snapshot, disruption)
        self.repairs += 1
        by_id = {a.id: a for a in repaired.operations}
        unchanged = {a.id: a for a in snapshot.operations}
        for i, op in enumerate(self.twin.ops):
            if self.committed[i] or op.id not in by_id or by_id[op.id] == unchanged[op.id]:
                continue  # begun, not in the repair, or left as it stood: the floor keeps its plan
            assignment = by_id[op.id]
            if assignment.machine not in op.durations:
                raise ValueError(f"repaired solution puts operation {op.id!r} on {assignment.machine!r}, "
                                 "which is not one of its modes")
            self.machine_of[i] = assignment.machine
            self.planned_start[i], self.planned_end[i] = assignment.start, assignment.end
        self._build_queues()
        event, self.replanned = self.replanned, self.env.event()
        event.succeed()

    # --- the run ----------------------------------------------------------------------------------------------

    def run(self) -> ReplicationResult:
        for machine in self.twin.machines:
            self.env.process(self._machine(machine))
        self.env.run()
        stuck = [op.id for op, event in zip(self.twin.ops, self.done, strict=True) if not event.triggered]
        if stuck:
            raise RuntimeError(f"the schedule cannot be executed: operations {', '.join(stuck[:5])} never started "
                               "(a machine sequence contradicts the precedences)")
        records = [r for r in self.records if r is not None]
        makespan = max((r.end for r in records), default=0.0)
        jobs = []
        by_job: dict[str, float] = {}
        for record in records:
            by_job[record.job] = max(by_job.get(record.job, 0.0), record.end)
        for job_id, job in self.twin.jobs.items():
            jobs.append(JobRun(job_id, by_job.get(job_id, 0.0), job.due, job.weight))
        machines = []
        for machine in self.twin.machines:
            totals = self.stats[machine]
            settings = self.twin.settings.for_machine(machine)
            available = makespan - _covered(self.twin.calendar[machine], makespan)
            idle = max(0.0, available - totals["processing"])
            machines.append(MachineRun(
                id=machine, available_minutes=available, processing_minutes=totals["processing"],
                planned_processing_minutes=totals["planned"], setup_minutes=totals["setup"],
                down_minutes=totals["down"], operations=int(totals["ops"]), attempts=int(totals["attempts"]),
                good=int(totals["good"]),
                energy_kwh=(settings.power_kw * totals["processing"] + settings.idle_power_kw * idle) / 60.0,
                material_used_kg=totals["material"], material_scrapped_kg=totals["scrap_material"],
                breakdowns=int(totals["breakdowns"]),
            ))
        return ReplicationResult(
            seed=self.seed, repaired=self.repairer is not None, operations=tuple(records), jobs=tuple(jobs),
            machines=tuple(machines), disruptions=tuple(self.disruptions), events=self.env.processed,
            makespan=makespan, repairs=self.repairs,
        )
