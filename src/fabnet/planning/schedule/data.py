"""The immutable, index-based view of a `Problem` that the model, the heuristics and the repair all read."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from fabnet.planning.problem import Problem


@dataclass(frozen=True, slots=True)
class ModeData:
    machine: int
    duration: int


@dataclass(frozen=True, slots=True)
class OperationData:
    id: str
    job: int
    family: str | None
    modes: tuple[ModeData, ...]  # already narrowed to `fixed_machine` when the operation is frozen
    predecessors: tuple[int, ...]
    release: int  # the later of the job's release and the operation's own
    fixed_start: int | None


@dataclass(frozen=True, slots=True)
class JobData:
    id: str
    release: int
    due: int | None
    weight: int
    operations: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MachineData:
    id: str
    initial_family: str | None
    unavailable: tuple[tuple[int, int], ...]


def merge_windows(windows: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Sorted, with overlapping or touching windows joined (a no-overlap constraint rejects overlapping ones)."""
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(windows):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return tuple(merged)


@dataclass(frozen=True)
class ScheduleData:
    """Operations, jobs and machines by index, with setup lookups and a safe horizon."""

    problem: Problem
    operations: tuple[OperationData, ...]
    jobs: tuple[JobData, ...]
    machines: tuple[MachineData, ...]
    setups: tuple[dict[tuple[str, str], int], ...]  # per machine index

    @classmethod
    def from_problem(cls, problem: Problem) -> ScheduleData:
        machine_index = {m.id: k for k, m in enumerate(problem.machines)}
        op_index = {op.id: i for i, op in enumerate(op for job in problem.jobs for op in job.operations)}
        predecessors = problem.predecessors()
        operations = []
        jobs = []
        for j, job in enumerate(problem.jobs):
            for op in job.operations:
                modes = tuple(ModeData(machine_index[m.machine], m.duration) for m in op.modes)
                if op.fixed_machine is not None:
                    modes = tuple(m for m in modes if m.machine == machine_index[op.fixed_machine])
                operations.append(
                    OperationData(
                        id=op.id,
                        job=j,
                        family=op.family,
                        modes=modes,
                        predecessors=tuple(op_index[p] for p in predecessors[op.id]),
                        release=max(job.release, op.release or 0),
                        fixed_start=op.fixed_start,
                    )
                )
            jobs.append(
                JobData(job.id, job.release, job.due, job.weight, tuple(op_index[op.id] for op in job.operations))
            )
        machines = tuple(MachineData(m.id, m.initial_family, merge_windows(m.unavailable)) for m in problem.machines)
        table = problem.setup_table()
        return cls(problem, tuple(operations), tuple(jobs), machines, tuple(table[m.id] for m in problem.machines))

    def setup(self, machine: int, before: str | None, after: str | None) -> int:
        """Changeover minutes on `machine` from family `before` to family `after` (unlisted pairs take none)."""
        if before is None or after is None:
            return 0
        return self.setups[machine].get((before, after), 0)

    def initial_setup(self, machine: int, family: str | None) -> int:
        return self.setup(machine, self.machines[machine].initial_family, family)

    @cached_property
    def successors(self) -> tuple[tuple[int, ...], ...]:
        result: list[list[int]] = [[] for _ in self.operations]
        for i, op in enumerate(self.operations):
            for p in op.predecessors:
                result[p].append(i)
        return tuple(tuple(s) for s in result)

    @cached_property
    def topological_order(self) -> tuple[int, ...]:
        indegree = [len(op.predecessors) for op in self.operations]
        ready = [i for i, d in enumerate(indegree) if d == 0]
        order = []
        while ready:
            i = ready.pop()
            order.append(i)
            for s in self.successors[i]:
                indegree[s] -= 1
                if indegree[s] == 0:
                    ready.append(s)
        return tuple(order)

    @cached_property
    def ancestors(self) -> tuple[int, ...]:
        """Per operation, a bitset (int) of every operation that must finish before it starts."""
        result = [0] * len(self.operations)
        for i in self.topological_order:
            mask = 0
            for p in self.operations[i].predecessors:
                mask |= result[p] | (1 << p)
            result[i] = mask
        return tuple(result)

    @cached_property
    def tail(self) -> tuple[int, ...]:
        """Per operation, the shortest processing that must still follow it (its own included)."""
        result = [0] * len(self.operations)
        for i in reversed(self.topological_order):
            own = min(m.duration for m in self.operations[i].modes)
            result[i] = own + max((result[s] for s in self.successors[i]), default=0)
        return tuple(result)

    @cached_property
    def machine_entries(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Per machine, the (operation, mode index) pairs that may run on it."""
        result: list[list[tuple[int, int]]] = [[] for _ in self.machines]
        for i, op in enumerate(self.operations):
            for mode_index, mode in enumerate(op.modes):
                result[mode.machine].append((i, mode_index))
        return tuple(tuple(entries) for entries in result)

    @cached_property
    def machine_has_setups(self) -> tuple[bool, ...]:
        """Whether any changeover on the machine can take time (then sequencing needs a circuit)."""
        result = []
        for k, entries in enumerate(self.machine_entries):
            families = {self.operations[i].family for i, _ in entries}
            has = any(self.initial_setup(k, f) for f in families) or any(
                self.setup(k, a, b) for a in families for b in families if a != b or (a, b) in self.setups[k]
            )
            result.append(has)
        return tuple(result)

    @cached_property
    def horizon(self) -> int:
        """A time by which some schedule certainly ends: everything in a row after the last fixed point."""
        families = {op.family for op in self.operations}
        start = max(
            [op.release for op in self.operations] + [op.fixed_start or 0 for op in self.operations] + [0]
        )
        total = 0
        for op in self.operations:
            longest = max(m.duration for m in op.modes)
            worst_setup = max(
                max((self.setup(m.machine, f, op.family) for f in families), default=0) for m in op.modes
            )
            total += longest + max(worst_setup, max(self.initial_setup(m.machine, op.family) for m in op.modes))
        down = sum(end - begin for m in self.machines for begin, end in m.unavailable)
        latest_down = max((end for m in self.machines for _, end in m.unavailable), default=0)
        return max(start, latest_down) + total + down + 1

    @cached_property
    def makespan_only(self) -> bool:
        """The objective is the makespan alone (tardiness and changeover weights are zero)."""
        weights = self.problem.objective
        return bool(weights.makespan) and not weights.weighted_tardiness and not weights.total_setup

    @cached_property
    def is_flow_shop(self) -> bool:
        """Every job has exactly one single-mode operation on every machine (the classic flow-shop shape)."""
        machine_count = len(self.machines)
        for job in self.jobs:
            ops = [self.operations[i] for i in job.operations]
            machines = [op.modes[0].machine for op in ops if len(op.modes) == 1]
            if len(job.operations) != machine_count or sorted(machines) != list(range(machine_count)):
                return False
        return True

    def job_operation_on(self, job: int, machine: int) -> int:
        """For flow-shop shaped data: the operation of `job` on `machine`."""
        return self._flow_index[job][machine]

    @cached_property
    def _flow_index(self) -> tuple[dict[int, int], ...]:
        return tuple({self.operations[i].modes[0].machine: i for i in job.operations} for job in self.jobs)
