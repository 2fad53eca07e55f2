"""The scheduling interchange format: `fabnet.problem/1` (input) and `fabnet.solution/1` (output).

Times are integer minutes. An operation without `after` follows the previous operation of its job;
`"after": []` means it has no predecessor. A setup pair that is not listed takes no time.

problem.json: `machines` [{id, initial_family?, unavailable? [[from, to], ...]}], `jobs` [{id, release=0, due?,
weight=1, operations [{id, family?, modes [{machine, duration}], after?, fixed_machine?, fixed_start?,
release?}]}], `setups` [{machine, from, to, duration}], `objective` {weighted_tardiness=1, total_setup=1,
makespan=0}, `permutation`=false (same job order on every machine). The changeover between two consecutive
operations on a machine needs `duration` minutes of available machine time between them (also from the
machine's `initial_family` to its first operation); operations are not interrupted by unavailability.
`fixed_machine`/`fixed_start` freeze an operation (started or frozen); `release` on an operation is its
earliest start (late material).

solution.json: {format, status OPTIMAL|FEASIBLE|INFEASIBLE|UNKNOWN, objective, lower_bound, makespan,
total_setup, total_weighted_tardiness, runtime_s, operations [{id, machine, start, end}]}.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Mode(_Strict):
    machine: str = Field(min_length=1)
    duration: int = Field(ge=0)


class ProblemOperation(_Strict):
    id: str = Field(min_length=1)
    family: str | None = None
    modes: tuple[Mode, ...]
    after: tuple[str, ...] | None = None
    fixed_machine: str | None = Field(default=None, description="frozen: must run on this machine")
    fixed_start: int | None = Field(default=None, ge=0, description="frozen or started: must start here")
    release: int | None = Field(default=None, ge=0, description="earliest start of this operation (e.g. late material)")

    @field_validator("modes")
    @classmethod
    def _has_mode(cls, modes: tuple[Mode, ...]) -> tuple[Mode, ...]:
        if not modes:
            raise ValueError("an operation needs at least one mode")
        return modes


class Job(_Strict):
    id: str = Field(min_length=1)
    release: int = Field(default=0, ge=0)
    due: int | None = Field(default=None, ge=0)
    weight: int = Field(default=1, ge=0)
    operations: tuple[ProblemOperation, ...] = Field(min_length=1)


class ProblemMachine(_Strict):
    id: str = Field(min_length=1)
    initial_family: str | None = None
    unavailable: tuple[tuple[int, int], ...] = ()

    @field_validator("unavailable")
    @classmethod
    def _intervals(cls, value: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        for start, end in value:
            if start < 0 or end <= start:
                raise ValueError(f"unavailable interval [{start}, {end}] must have 0 <= start < end")
        return tuple(sorted(value))


class Setup(_Strict):
    machine: str
    from_family: str = Field(alias="from")
    to_family: str = Field(alias="to")
    duration: int = Field(ge=0)


class Objective(_Strict):
    weighted_tardiness: int = Field(default=1, ge=0)
    total_setup: int = Field(default=1, ge=0)
    makespan: int = Field(default=0, ge=0)


class Problem(_Strict):
    """A flexible job shop with sequence-dependent setups, due dates, unavailability and frozen parts."""

    format: Literal["fabnet.problem/1"] = "fabnet.problem/1"
    machines: tuple[ProblemMachine, ...] = Field(min_length=1)
    jobs: tuple[Job, ...] = Field(min_length=1)
    setups: tuple[Setup, ...] = ()
    objective: Objective = Objective()
    permutation: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        machines = {m.id for m in self.machines}
        if len(machines) != len(self.machines):
            raise ValueError("machines: duplicate machine id")
        seen: set[str] = set()
        for job in self.jobs:
            for op in job.operations:
                if op.id in seen:
                    raise ValueError(f"job {job.id!r}: duplicate operation id {op.id!r}")
                seen.add(op.id)
                if op.fixed_machine is not None and op.fixed_machine not in {m.machine for m in op.modes}:
                    raise ValueError(
                        f"job {job.id!r}, operation {op.id!r}: fixed_machine {op.fixed_machine!r} not in its modes"
                    )
                for mode in op.modes:
                    if mode.machine not in machines:
                        raise ValueError(
                            f"job {job.id!r}, operation {op.id!r}: unknown machine {mode.machine!r} in modes"
                        )
        for job in self.jobs:
            for op in job.operations:
                for pred in op.after or ():
                    if pred not in seen:
                        raise ValueError(f"job {job.id!r}, operation {op.id!r}: unknown operation {pred!r} in after")
        for setup in self.setups:
            if setup.machine not in machines:
                raise ValueError(f"setups: unknown machine {setup.machine!r}")
        cycle = _find_cycle(self.predecessors())
        if cycle:
            raise ValueError(f"precedence cycle in 'after': {' -> '.join(cycle)}")
        return self

    def predecessors(self) -> dict[str, tuple[str, ...]]:
        """Every operation's predecessors, with the implicit job-order rule applied."""
        result: dict[str, tuple[str, ...]] = {}
        for job in self.jobs:
            previous: str | None = None
            for op in job.operations:
                if op.after is not None:
                    result[op.id] = op.after
                else:
                    result[op.id] = (previous,) if previous else ()
                previous = op.id
        return result

    def operations(self) -> dict[str, tuple[Job, ProblemOperation]]:
        """operation id -> (its job, the operation), in job order."""
        return {op.id: (job, op) for job in self.jobs for op in job.operations}

    def setup_table(self) -> dict[str, dict[tuple[str, str], int]]:
        """machine -> (from, to) -> minutes."""
        table: dict[str, dict[tuple[str, str], int]] = {m.id: {} for m in self.machines}
        for setup in self.setups:
            table[setup.machine][(setup.from_family, setup.to_family)] = setup.duration
        return table


def _find_cycle(preds: dict[str, tuple[str, ...]]) -> list[str] | None:
    """A cycle in the predecessor graph as a list of operation ids (first == last), or None.

    Iterative depth-first search, so a long chain of operations cannot exhaust Python's recursion limit.
    """
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(preds, white)
    for root in preds:
        if colour[root] != white:
            continue
        path: list[str] = [root]
        pending = [iter(preds.get(root, ()))]
        colour[root] = grey
        while pending:
            advanced = False
            for pred in pending[-1]:
                state = colour.get(pred, black)
                if state == grey:
                    return [*path[path.index(pred):], pred]
                if state == white:
                    colour[pred] = grey
                    path.append(pred)
                    pending.append(iter(preds.get(pred, ())))
                    advanced = True
                    break
            if not advanced:
                colour[path.pop()] = black
                pending.pop()
    return None


class Assignment(_Strict):
    id: str
    machine: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


Status = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN"]


class Solution(_Strict):
    format: Literal["fabnet.solution/1"] = "fabnet.solution/1"
    status: Status
    objective: int | None = None
    lower_bound: int | None = None
    makespan: int | None = None
    total_setup: int | None = None
    total_weighted_tardiness: int | None = None
    runtime_s: float = 0.0
    operations: tuple[Assignment, ...] = ()


def describe_error(raw: object, error: ValidationError, source: str = "") -> str:
    """One line naming the job and operation (by id, not by list index) and the reason of the first error."""
    first = error.errors()[0]
    location = list(first["loc"])
    reason = first["msg"].removeprefix("Value error, ")
    named: list[str] = []
    node = raw
    rest: list[str] = []
    while location:
        part = location.pop(0)
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
            if part not in ("jobs", "operations"):
                rest.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            identifier = node.get("id") if isinstance(node, dict) else None
            if identifier is not None and rest == [] and len(named) < 2:
                named.append(f"{'job' if not named else 'operation'} {identifier!r}")
            else:
                rest[-1:] = [f"{rest[-1]}[{part}]" if rest else f"[{part}]"]
        else:
            rest.append(str(part))
    where = ", ".join(named + ([".".join(rest)] if rest else []))
    more = len(error.errors()) - 1
    suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return ": ".join(part for part in (source, where, reason + suffix) if part)
