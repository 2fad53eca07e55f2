"""Simulated production for a freshly imported company, so that its quality pages have data: parts made on its
busiest machine (by planned first operations), a drift injected late in the run, every measurement through the
live monitor (alarms, held parts), each part's genealogy stored for its passport."""

from collections import defaultdict

from sqlalchemy import select

from fabnet.domain import Operation, Order, Part, PartVerdict
from fabnet.domain.part import RouteStep
from fabnet.planning.process import plan_what_is_possible
from fabnet.planning.process_errors import PlanningError
from fabnet.quality.genealogy import GenealogyRecorder, PartIdentity
from fabnet.scenarios.demo.zero_defects import GRID_KG_CO2_PER_KWH
from fabnet.service.api_errors import conflict
from fabnet.service.api_quality import MONITOR, observe
from fabnet.service.api_records import company_id, profile
from fabnet.store import UnitOfWork
from fabnet.store.operations_tables import MeasurementRow
from fabnet.twin.signals import DEFAULT_MAGNITUDE, Fault, SignalSimulator

DRIFT_FROM = 0.6
"""The drift starts after this share of the simulated parts, and never while the monitor still learns (phase I)."""


def first_operations(uow: UnitOfWork, own: str) -> dict[str, list[tuple[Order, Operation]]]:
    """Per machine, the company's orders (by release) whose planned first operation runs there."""
    machines = uow.machines.list(company_id=own)
    designs = {d.id: d for d in uow.designs.list()}
    work: dict[str, list[tuple[Order, Operation]]] = defaultdict(list)
    for order in sorted(uow.orders.list(supplier_id=own), key=lambda o: (o.release, o.id)):
        try:
            plan = plan_what_is_possible(designs[order.design_id], machines, quantity=order.quantity,
                                         designs=designs).plan
        except PlanningError:
            continue
        if plan is not None:
            operation = plan.topological_order()[0]
            work[operation.modes[0].machine_id].append((order, operation))
    return work


def simulate_production(uow: UnitOfWork, count: int, seed: int = 2026) -> int:
    """Make up to `count` parts on the busiest machine; returns how many. 409 if the node has production data."""
    own = company_id(uow.session)
    if uow.session.execute(select(MeasurementRow.id).limit(1)).first() is not None or uow.parts.count():
        raise conflict("simulate_parts: this node has production data already")
    work = first_operations(uow, own)
    if not work:
        raise conflict("simulate_parts: the company can make none of its orders")
    machine_id = max(work, key=lambda m: (sum(order.quantity for order, _ in work[m]), m))
    machine = uow.machines.get(machine_id)
    slots = [(order, operation, serial) for order, operation in work[machine_id]
             for serial in range(1, order.quantity + 1)][:count]
    drift_from = max(int(len(slots) * DRIFT_FROM), MONITOR.phase1_samples)
    fault = Fault(machine_id=machine_id, kind="drift", start_part=drift_from, magnitude=DEFAULT_MAGNITUDE["drift"])
    row = profile(uow.session)
    assert row is not None  # company_id() answered
    simulator = SignalSimulator.for_machines([machine], [fault], seed=seed, origin=row.origin)
    recorder = GenealogyRecorder()
    designs = {d.id: d for d in uow.designs.list()}
    measurements = []
    for order, operation, serial in slots:
        made = simulator.next_part(machine_id)
        hours = (made.end - made.start).total_seconds() / 3600
        recorder.record_step(made.part_id, RouteStep(operation_id=operation.id, machine_id=machine_id,
                                                     start=made.start, end=made.end,
                                                     energy_kwh=round(machine.power_kw * hours, 4)))
        for sample in made.signals:
            recorder.record_signal(made.part_id, operation.id, sample.name, sample.value)
        identity = PartIdentity(
            part_id=made.part_id, order_id=order.id, design_id=order.design_id, serial=f"{order.id}-{serial:04d}",
            material_lot=f"LOT-{designs[order.design_id].material}-{order.release:%Y%m%d}",
            grid_kg_co2_per_kwh=GRID_KG_CO2_PER_KWH,
        )
        uow.parts.add(recorder.part(identity))
        measurements += made.measurements
    observe(uow, measurements)
    for part in uow.parts.list():
        if part.verdict is PartVerdict.PENDING:
            uow.parts.put(part.model_copy(update={"verdict": _settled(part)}))
    return len(slots)


def _settled(part: Part) -> PartVerdict:
    """A measured part that no alarm held: accepted when every value is in specification, else rework."""
    if not part.measurements:
        return PartVerdict.PENDING
    clean = all(m.in_specification is not False for m in part.measurements)
    return PartVerdict.ACCEPTED if clean else PartVerdict.REWORK
