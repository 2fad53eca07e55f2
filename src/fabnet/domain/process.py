"""Process plans: the operations that make a design, their precedences, machines and instructions."""

from typing import Self

from pydantic import Field, model_validator

from fabnet.domain.base import DomainModel, Identifier, NonNegativeInt
from fabnet.domain.machine import SkillCode


class OperationMode(DomainModel):
    """One way to perform an operation: on this machine, taking this many minutes."""

    machine_id: Identifier
    duration_min: NonNegativeInt
    setup_minutes_hint: NonNegativeInt = 0
    skill: SkillCode | None = Field(default=None, description="the machine skill this mode uses")
    instructions: dict[str, str | float | int] = Field(
        default_factory=dict, description="machine-specific parameters, e.g. laser power and speed"
    )


class Operation(DomainModel):
    """A step of a process plan."""

    id: Identifier
    skill: SkillCode
    name: str = Field(min_length=1)
    predecessors: tuple[Identifier, ...] = ()
    modes: tuple[OperationMode, ...] = Field(min_length=1)
    setup_family: str = Field(min_length=1, description="drives changeovers, e.g. 'S235-3' or 'RAL9005'")
    setup_attributes: dict[str, str] = Field(default_factory=dict)
    instructions: dict[str, str | float | int] = Field(default_factory=dict)
    time_model: str = Field(default="", description="how the durations were computed, for the engineer")

    @model_validator(mode="after")
    def _machines_unique(self) -> Self:
        machines = [m.machine_id for m in self.modes]
        if len(machines) != len(set(machines)):
            raise ValueError(f"operation {self.id!r}: a machine appears twice in its modes")
        return self


class ProcessPlan(DomainModel):
    """The operations that make one unit (or batch) of a design in one company, as a DAG."""

    design_id: Identifier
    company_id: Identifier
    quantity: int = Field(default=1, gt=0)
    operations: tuple[Operation, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _acyclic(self) -> Self:
        ids = [op.id for op in self.operations]
        if len(ids) != len(set(ids)):
            raise ValueError("operations: operation ids must be unique")
        known = set(ids)
        for op in self.operations:
            for pred in op.predecessors:
                if pred not in known:
                    raise ValueError(f"operation {op.id!r}: unknown predecessor {pred!r}")
        self.topological_order()
        return self

    def topological_order(self) -> list[Operation]:
        """Operations ordered so that each follows its predecessors; ValueError naming a cycle otherwise."""
        by_id = {op.id: op for op in self.operations}
        indegree = {op.id: len(op.predecessors) for op in self.operations}
        successors: dict[str, list[str]] = {op.id: [] for op in self.operations}
        for op in self.operations:
            for pred in op.predecessors:
                successors[pred].append(op.id)
        ready = [i for i, d in indegree.items() if d == 0]
        order: list[Operation] = []
        while ready:
            current = ready.pop(0)
            order.append(by_id[current])
            for nxt in successors[current]:
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    ready.append(nxt)
        if len(order) != len(self.operations):
            stuck = sorted(i for i, d in indegree.items() if d > 0)
            raise ValueError(f"operations: precedence cycle among {', '.join(stuck)}")
        return order
