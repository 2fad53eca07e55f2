"""RFQs answered in process, the way each member's node answers them: its own planner, scheduler and price list.

For a request the member
1. plans the package's design on its own machines (`plan_what_is_possible`) and keeps the requested
   operations — it declines when it cannot do one of them;
2. prices the plan with its price list (`billing.pricing.quote_plan`) for the full quantity and for one unit,
   which gives the linear quote: fixed = price(1) − unit, unit = (price(Q) − price(1)) / (Q − 1);
3. adds the package as a job to its own backlog (its open orders as a scheduling problem) and dispatches the
   lot with ATCS, the scheduler's constructive rule; with `twin_replications` the digital twin simulates that
   schedule with its disturbances and the promise is the P90 of the job's completion (never earlier than the
   plan); the completion less the processing time is when it is ready to start the package (`ready_minute`);
   a `promise_margin` above 1 stretches the processing time per unit;
4. states its capacity: over the weeks between ready and due (at least one), the free minutes per week of the
   busiest operation's best machine divided by its minutes per unit;
5. measures the great-circle distance to the receiving site for transport CO2.
Members listed in `unavailable` raise `MemberUnavailable` (a node that is down); those in `declining` decline.
"""

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from fabnet.billing.pricing import PriceList, quote_plan
from fabnet.domain import Machine, RegionalNetwork
from fabnet.domain.process import ProcessPlan
from fabnet.network.catalog import MINUTES_PER_WEEK, weekly_shift_minutes
from fabnet.network.geo import great_circle_km
from fabnet.network.quotes import (
    MemberQuote,
    MemberUnavailable,
    QuoteStatus,
    RequestForQuotation,
    WorkPackage,
    transport_co2_kg_per_unit,
)
from fabnet.planning.dispatch import atcs
from fabnet.planning.orders import longest_window, problem_from_orders, unavailable
from fabnet.planning.problem import Job, Mode, Problem, ProblemMachine, ProblemOperation, Setup
from fabnet.planning.process import plan_what_is_possible
from fabnet.planning.process_errors import PlanningError
from fabnet.planning.schedule.data import ScheduleData

if TYPE_CHECKING:
    from fabnet.twin.settings import MachineSettings


TYPICAL_DISTURBANCES = {"processing_cv": 0.15, "mtbf_minutes": 2400.0, "mttr_minutes": 60.0}
"""Twin settings for promises when none are given: ±15 % processing time, a breakdown per 40 h of work, 1 h repair."""


class InProcessQuoteProvider:
    """A `QuoteProvider` for the members of one regional network, all answered in this process."""

    def __init__(
        self,
        network: RegionalNetwork,
        *,
        price_lists: Mapping[str, PriceList] | None = None,
        free_minutes: Mapping[str, float] | None = None,
        unavailable: Iterable[str] = (),
        declining: Iterable[str] = (),
        promise_margin: float = 1.0,
        twin_replications: int = 0,
        disturbances: "MachineSettings | None" = None,
        horizon_days: int = 35,
    ) -> None:
        if promise_margin < 1.0:
            raise ValueError(f"promise_margin must be at least 1, got {promise_margin}")
        self.network = network
        self.price_lists = dict(price_lists or {})
        self.free_minutes = dict(free_minutes or {})
        self.unavailable = set(unavailable)
        self.declining = set(declining)
        self.promise_margin = promise_margin
        if twin_replications < 0:
            raise ValueError(f"twin_replications must be at least 0, got {twin_replications}")
        self.twin_replications = twin_replications
        self.disturbances = disturbances
        self.horizon_days = horizon_days
        self._backlogs: dict[str, Problem | None] = {}

    def quote(self, request: RequestForQuotation) -> MemberQuote:
        member = request.member_id
        if member in self.unavailable:
            raise MemberUnavailable(f"the node of {member} does not answer")
        if member in self.declining:
            return MemberQuote.declined(request, f"{member} declines: no room in its plan")
        machines = self.network.machines_of(member)
        if not machines:
            return MemberQuote.declined(request, f"{member} has no machines")
        package = request.package
        try:
            full = _package_plan(package, machines, member, package.quantity)
            single = _package_plan(package, machines, member, 1)
        except PlanningError as error:
            return MemberQuote.declined(request, str(error))
        prices = self.price_lists.get(member) or PriceList.for_machines(member, machines)
        mass = Decimal(str(package.design.mass_kg))
        total_q = float(quote_plan(full, prices, order_id=package.order_id, material=package.design.material,
                                   mass_kg_per_unit=mass).total)
        total_1 = float(quote_plan(single, prices, order_id=package.order_id, material=package.design.material,
                                   mass_kg_per_unit=mass).total)
        q = package.quantity
        unit = max(0.0, (total_q - total_1) / (q - 1)) if q > 1 else total_q
        fixed = max(0.0, total_q - unit * q)
        processing_q, processing_1 = _processing(full), _processing(single)
        per_unit = (processing_q - processing_1) / (q - 1) if q > 1 else processing_1
        per_unit = max(per_unit, processing_q / q if q > 1 else 0.0) * self.promise_margin
        completion = self._completion(member, machines, full, package)
        ready = max(package.release_minute, completion - math.ceil(processing_q))
        weeks = max(1.0, (package.due_minute - ready) / MINUTES_PER_WEEK)
        capacity = self._capacity(full, weeks)
        member_site = self.network.company(member).address
        distance = great_circle_km(member_site.latitude, member_site.longitude, request.deliver_to.latitude,
                                   request.deliver_to.longitude)
        return MemberQuote(
            member_id=member, package_id=package.id, status=QuoteStatus.OFFERED,
            fixed_eur=round(fixed, 2), unit_eur=round(unit, 4), max_quantity=min(q, capacity),
            ready_minute=ready, minutes_per_unit=round(per_unit, 2), distance_km=round(distance, 3),
            co2_kg_per_unit=round(transport_co2_kg_per_unit(distance, package.design.mass_kg, request), 6),
        )

    def _capacity(self, plan: ProcessPlan, weeks: float) -> int:
        units = []
        for op in plan.operations:
            best = min(op.modes, key=lambda m: m.duration_min)
            per_unit = best.duration_min / max(1, plan.quantity)
            machine = self.network.machine(best.machine_id)
            free = self.free_minutes.get(machine.id, weekly_shift_minutes(machine))
            units.append(math.floor(weeks * free / per_unit) if per_unit > 0 else plan.quantity)
        return max(0, min(units))

    def _backlog(self, member: str) -> Problem | None:
        if member not in self._backlogs:
            try:
                self._backlogs[member] = problem_from_orders(self.network, member, horizon_days=self.horizon_days)[0]
            except ValueError:
                self._backlogs[member] = None  # no open orders: an empty plant
        return self._backlogs[member]

    def _completion(self, member: str, machines: list[Machine], plan: ProcessPlan, package: WorkPackage) -> int:
        """The package's completion when dispatched with ATCS into the member's backlog."""
        backlog = self._backlog(member)
        horizon = self.horizon_days * 1440
        weekday = self.network.origin.weekday()
        closed = {m.id: unavailable(m, horizon, weekday) for m in machines}
        if backlog is None:
            backlog_machines = tuple(ProblemMachine(id=m.id, initial_family=m.initial_family,
                                                    unavailable=tuple(closed[m.id])) for m in machines)
            jobs: tuple[Job, ...] = ()
            setups: tuple[Setup, ...] = ()
        else:
            backlog_machines, jobs, setups = backlog.machines, backlog.jobs, backlog.setups
        tag = f"rfq:{package.id}"
        operations = []
        families: dict[str, set[str]] = {}
        for op in plan.operations:
            modes = [Mode(machine=m.machine_id, duration=m.duration_min) for m in op.modes]
            fitting = [m for m in modes if m.duration <= longest_window(closed[m.machine], horizon)]
            for mode in fitting or [min(modes, key=lambda m: m.duration)]:
                families.setdefault(mode.machine, set()).add(op.setup_family)
            operations.append(ProblemOperation(id=f"{tag}/{op.id}", family=op.setup_family,
                                               modes=tuple(fitting or [min(modes, key=lambda m: m.duration)]),
                                               after=tuple(f"{tag}/{p}" for p in op.predecessors)))
        job = Job(id=tag, release=package.release_minute, due=package.due_minute, weight=1,
                  operations=tuple(operations))
        extra = _setups_for(machines, families, (*jobs, job))
        problem = Problem(machines=backlog_machines, jobs=(*jobs, job), setups=tuple(_unique([*setups, *extra])))
        data = ScheduleData.from_problem(problem)
        placements = atcs(data)
        ids = {f"{tag}/{op.id}" for op in plan.operations}
        planned = max(p.end for p in placements if data.operations[p.operation].id in ids)
        if not self.twin_replications:
            return planned
        # imported here: the twin (SimPy) is only needed when promises come with a confidence
        from fabnet.planning.schedule.solver import placements_to_solution
        from fabnet.twin.model import FactoryTwin
        from fabnet.twin.settings import MachineSettings, TwinSettings

        base = self.disturbances or MachineSettings(**TYPICAL_DISTURBANCES)
        twin = FactoryTwin(problem, placements_to_solution(data, placements, "FEASIBLE", 0.0),
                           TwinSettings.from_machines(machines, base, start_policy="asap"))
        k = len(problem.jobs) - 1
        completions = sorted(twin.run(seed).jobs[k].completion for seed in range(self.twin_replications))
        p90 = completions[min(len(completions) - 1, math.ceil(0.9 * len(completions)) - 1)]
        return max(planned, math.ceil(p90))


def _package_plan(package: WorkPackage, machines: list[Machine], member: str, quantity: int) -> ProcessPlan:
    partial = plan_what_is_possible(package.design, machines, quantity=quantity)
    operations = {op.id: op for op in partial.plan.operations} if partial.plan is not None else {}
    missing = [key for key in package.operation_keys if key not in operations]
    if missing:
        reasons = {s.operation_id: s.reason for s in partial.skipped}
        first = missing[0]
        raise PlanningError(f"{member} cannot do operation {first!r} of design {package.design.id!r}: "
                            f"{reasons.get(first, 'not in its plan of the design')}")
    kept = [operations[key] for key in package.operation_keys]
    keys = set(package.operation_keys)
    kept = [op.model_copy(update={"predecessors": tuple(p for p in op.predecessors if p in keys)}) for op in kept]
    return ProcessPlan(design_id=package.design.id, company_id=member, quantity=quantity, operations=tuple(kept))


def _processing(plan: ProcessPlan) -> float:
    """Minutes of work on the fastest machine of each operation, one after the other."""
    return float(sum(min(m.duration_min for m in op.modes) for op in plan.operations))


def _setups_for(machines: list[Machine], new: dict[str, set[str]], jobs: tuple[Job, ...]) -> list[Setup]:
    """Changeovers between the package's setup families and every family already planned on its machines."""
    by_id = {m.id: m for m in machines}
    present: dict[str, set[str]] = {}
    for job in jobs:
        for op in job.operations:
            for mode in op.modes:
                if op.family is not None:
                    present.setdefault(mode.machine, set()).add(op.family)
    setups: list[Setup] = []
    for machine_id, families in new.items():
        machine = by_id[machine_id]
        others = present.get(machine_id, set()) | ({machine.initial_family} if machine.initial_family else set())
        for family in families:
            for other in sorted(others - {family}):
                for a, b in ((other, family), (family, other)):
                    minutes = machine.changeovers.minutes(a, b)
                    if minutes > 0:
                        setups.append(Setup(machine=machine_id, **{"from": a, "to": b}, duration=minutes))
    return _unique(setups)


def _unique(setups: list[Setup]) -> list[Setup]:
    seen: dict[tuple[str, str, str], Setup] = {}
    for setup in setups:
        seen.setdefault((setup.machine, setup.from_family, setup.to_family), setup)
    return list(seen.values())
