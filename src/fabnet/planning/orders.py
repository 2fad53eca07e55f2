"""A company's open orders as a scheduling Problem: process planning per order, calendars, changeovers.

- one job per open order (status not completed, invoiced or cancelled), release and due in minutes from the
  network's origin (a release before the origin counts as 0), the order's weight;
- the operations of the order's process plan on THIS company's machines, one mode per eligible machine
  (except machines whose longest working window is shorter than the operation: operations are not
  interrupted by unavailability, so such a mode could never run), with the plan's DAG as `after`;
- an operation the company cannot do is left out, its predecessors pass to its successors, and a warning
  lists it: the marketplace subcontracts it later;
- setup families from the plan, setups from each machine's changeover matrix for every pair of families
  that occur on it (and from its initial family);
- machine unavailability = the shift calendar's off-shift time plus maintenance windows over the horizon.
"""

from fabnet.domain import Machine, OrderStatus, RegionalNetwork
from fabnet.domain.machine import merge_intervals
from fabnet.planning.problem import Job, Mode, Problem, ProblemMachine, ProblemOperation, Setup
from fabnet.planning.process import plan_what_is_possible

CLOSED = frozenset({OrderStatus.COMPLETED, OrderStatus.INVOICED, OrderStatus.CANCELLED})


def problem_from_orders(
    network: RegionalNetwork, company_id: str, *, horizon_days: int = 35
) -> tuple[Problem, list[str]]:
    """The scheduling problem of `company_id`'s open orders, and warnings about what was left out."""
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    if company_id not in {c.id for c in network.companies}:
        raise ValueError(f"unknown company {company_id!r}; companies: {', '.join(c.id for c in network.companies)}")
    machines = network.machines_of(company_id)
    if not machines:
        raise ValueError(f"company {company_id!r} has no machines to schedule")
    designs = {d.id: d for d in network.designs}
    jobs: list[Job] = []
    warnings: list[str] = []
    families: dict[str, set[str]] = {m.id: set() for m in machines}
    open_orders = sorted((o for o in network.orders_for(company_id) if o.status not in CLOSED),
                         key=lambda o: (o.release, o.id))
    horizon = horizon_days * 1440
    weekday = network.origin.weekday()
    closed = {m.id: unavailable(m, horizon, weekday) for m in machines}
    longest = {m.id: longest_window(closed[m.id], horizon) for m in machines}
    for order in open_orders:
        partial = plan_what_is_possible(designs[order.design_id], machines, quantity=order.quantity, designs=designs)
        if partial.skipped:
            listed = "; ".join(f"{s.operation_id} ({s.feature}: {s.reason})" for s in partial.skipped)
            warnings.append(f"order {order.id}: {len(partial.skipped)} operation(s) left for subcontracting: {listed}")
        if partial.plan is None:
            warnings.append(f"order {order.id}: {company_id} can do none of design {order.design_id}; order skipped")
            continue
        operations = []
        for op in partial.plan.operations:
            modes = [Mode(machine=m.machine_id, duration=m.duration_min) for m in op.modes]
            fitting = [m for m in modes if m.duration <= longest[m.machine]]
            if not fitting:
                fitting = [min(modes, key=lambda m: m.duration)]
                warnings.append(f"order {order.id}: operation {op.id} takes {fitting[0].duration} min, longer than "
                                f"any working window of its machines; split the order into smaller lots")
            operations.append(ProblemOperation(
                id=f"{order.id}/{op.id}", family=op.setup_family, modes=tuple(fitting),
                after=tuple(f"{order.id}/{p}" for p in op.predecessors)))
            for mode in fitting:
                families[mode.machine].add(op.setup_family)
        release, due = order.minutes_from(network.origin)
        jobs.append(Job(id=order.id, release=max(0, release), due=max(0, due), weight=order.weight,
                        operations=tuple(operations)))
    if not jobs:
        raise ValueError(f"company {company_id!r} has no open orders it can work on")
    problem_machines = tuple(
        ProblemMachine(id=m.id, initial_family=m.initial_family, unavailable=tuple(closed[m.id])) for m in machines
    )
    return Problem(machines=problem_machines, jobs=tuple(jobs), setups=tuple(_setups(machines, families))), warnings


def unavailable(machine: Machine, horizon_minutes: int, start_weekday: int = 0) -> list[tuple[int, int]]:
    """Off-shift time and maintenance windows within [0, horizon), merged and sorted."""
    intervals = list(machine.calendar.unavailable(horizon_minutes, start_weekday))
    intervals += [(w.start, min(w.end, horizon_minutes)) for w in machine.maintenance if w.start < horizon_minutes]
    return merge_intervals(intervals)


def longest_window(closed: list[tuple[int, int]], horizon_minutes: int) -> int:
    """The longest stretch of working time between unavailable intervals within the horizon."""
    longest, cursor = 0, 0
    for start, end in closed:
        longest = max(longest, start - cursor)
        cursor = max(cursor, end)
    return max(longest, horizon_minutes - cursor)


def _setups(machines: list[Machine], families: dict[str, set[str]]) -> list[Setup]:
    setups: list[Setup] = []
    for machine in machines:
        used = sorted(families[machine.id])
        sources = sorted(set(used) | ({machine.initial_family} if machine.initial_family else set()))
        for a in sources:
            for b in used:
                minutes = machine.changeovers.minutes(a, b)
                if a != b and minutes > 0:
                    setups.append(Setup(machine=machine.id, from_family=a, to_family=b, duration=minutes))
    return setups
