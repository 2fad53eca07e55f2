"""Demo stage, quality (zero defects): the busiest machine's parts are simulated with an injected drift, the stream
monitor raises the alarm (part held, machine flagged), a rework operation is added and the schedule repaired with
`planning.reschedule`; a few parts get their genealogy written as AAS passports.

The parts are the machine's scheduled operations in start order, each making its order's quantity one after
another; part k of an operation ends at the k-th equal share of the operation's planned time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from fabnet.domain import Machine, Part, RegionalNetwork
from fabnet.domain.part import RouteStep
from fabnet.planning.check import check, evaluate
from fabnet.planning.gantt import build_gantt
from fabnet.planning.problem import Assignment, Mode, Problem, ProblemOperation, Solution
from fabnet.planning.reschedule import RepairOptions, ReworkAdded, repair
from fabnet.quality.genealogy import GenealogyRecorder, PartIdentity
from fabnet.quality.monitor import Alarm, FlagMachine, HoldPart, MonitorConfig, StreamMonitor
from fabnet.scenarios.demo.aas_export import write_verified
from fabnet.scenarios.demo.results import DocumentFile, QualityAlarm, QualityResult, RescheduleResult
from fabnet.scenarios.demo.schedules import ScheduledCompany
from fabnet.standards.gantt_html import render_gantt_html
from fabnet.store import Store
from fabnet.twin.signals import DEFAULT_MAGNITUDE, Fault, PartRecord, SignalSimulator

PHASE1_PARTS = 100
"""In-control parts from which the monitor learns each characteristic's centre and σ."""
DRIFT_START = 150
"""The part from which the injected drift moves the process (3 σ per 100 parts)."""
MAX_PARTS = 600
REWORK_MINUTES = 30
"""The setter re-centres the process and the held part is reworked on the same machine."""
GRID_KG_CO2_PER_KWH = 0.27
"""Emission factor of Dutch grid electricity (about 0.27 kg CO2/kWh in 2025), for the passports' CO2."""


@dataclass(frozen=True)
class PlannedPart:
    """One part on the machine: the operation and order that make it, its serial within the order, its time."""

    index: int
    operation: Assignment
    order_id: str
    serial: int
    start_min: float
    end_min: float


def busiest_machine(network: RegionalNetwork, scheduled: list[ScheduledCompany]) -> tuple[ScheduledCompany, str]:
    """The company and machine that make the most parts in their CP-SAT schedules."""
    quantity = {o.id: o.quantity for o in network.orders}
    best: tuple[int, str, ScheduledCompany | None, str] = (-1, "", None, "")
    for company in scheduled:
        operations = company.problem.operations()
        totals: dict[str, int] = {}
        for a in company.solution.operations:
            totals[a.machine] = totals.get(a.machine, 0) + quantity[operations[a.id][0].id]
        for machine_id, parts in totals.items():
            if (parts, machine_id) > (best[0], best[1]):
                best = (parts, machine_id, company, machine_id)
    if best[2] is None:
        raise ValueError("no scheduled operation to watch")
    return best[2], best[3]


def planned_parts(
    network: RegionalNetwork, company: ScheduledCompany, machine_id: str, limit: int
) -> list[PlannedPart]:
    operations = company.problem.operations()
    quantity = {o.id: o.quantity for o in network.orders}
    parts: list[PlannedPart] = []
    for a in sorted((a for a in company.solution.operations if a.machine == machine_id), key=lambda a: a.start):
        order_id = operations[a.id][0].id
        count = quantity[order_id]
        share = (a.end - a.start) / count
        for k in range(count):
            if len(parts) == limit:
                return parts
            parts.append(PlannedPart(len(parts), a, order_id, k + 1, a.start + k * share, a.start + (k + 1) * share))
    return parts


def _at(origin: datetime, minutes: float) -> datetime:
    return origin + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Plant:
    """The machine the stage watches: its company, the parts it will make and the simulator with the drift."""

    company: ScheduledCompany
    machine: Machine
    fault: Fault
    parts: list[PlannedPart]
    simulator: SignalSimulator

    @property
    def fault_text(self) -> str:
        return f"drift of {self.fault.magnitude:g} σ per 100 parts from part {DRIFT_START}"


def plant_of(network: RegionalNetwork, scheduled: list[ScheduledCompany], seed: int) -> Plant:
    """The busiest machine, its planned parts and a seeded simulator with the drift injected at DRIFT_START."""
    company, machine_id = busiest_machine(network, scheduled)
    machine: Machine = network.machine(machine_id)
    parts = planned_parts(network, company, machine_id, MAX_PARTS)
    if len(parts) <= DRIFT_START:
        raise ValueError(f"machine {machine_id} makes only {len(parts)} parts; the drift starts at part {DRIFT_START}")
    fault = Fault(machine_id=machine_id, kind="drift", start_part=DRIFT_START, magnitude=DEFAULT_MAGNITUDE["drift"])
    simulator = SignalSimulator.for_machines([machine], [fault], seed=seed, origin=network.origin)
    return Plant(company, machine, fault, parts, simulator)


def record_made(network: RegionalNetwork, plant: Plant, planned: PlannedPart, record: PartRecord,
                recorder: GenealogyRecorder) -> None:
    """The part's route step (with its energy) and its signals into its genealogy."""
    start, end = _at(network.origin, planned.start_min), _at(network.origin, planned.end_min)
    energy = plant.machine.power_kw * (planned.end_min - planned.start_min) / 60
    recorder.record_step(record.part_id, RouteStep(operation_id=planned.operation.id, machine_id=plant.machine.id,
                                                   start=start, end=end, energy_kwh=round(energy, 4)))
    for sample in record.signals:
        recorder.record_signal(record.part_id, planned.operation.id, sample.name, sample.value)


def measured_at_end(network: RegionalNetwork, planned: PlannedPart, record: PartRecord) -> PartRecord:
    """The part with its characteristics measured when it is done (at its planned end)."""
    end = _at(network.origin, planned.end_min)
    return replace(record, characteristics=tuple(replace(s, timestamp=end) for s in record.characteristics))


def identity_of(network: RegionalNetwork, planned: PlannedPart, part_id: str) -> PartIdentity:
    order = network.order(planned.order_id)
    design = network.design(order.design_id)
    return PartIdentity(
        part_id=part_id, order_id=order.id, design_id=design.id, serial=f"{order.id}-{planned.serial:04d}",
        material_lot=f"LOT-{design.material}-{order.release:%Y%m%d}", grid_kg_co2_per_kwh=GRID_KG_CO2_PER_KWH,
    )


def run_zero_defects(
    network: RegionalNetwork, scheduled: list[ScheduledCompany], store: Store, schedules_folder: Path,
    passports_folder: Path, root: Path, *, seed: int, repair_options: RepairOptions,
    carry: Callable[[PartRecord], PartRecord] = lambda record: record,
) -> QualityResult:
    """`carry` is the way each part's telemetry reaches the monitor: as simulated (in process), or published and
    received again over MQTT (the network demo)."""
    plant = plant_of(network, scheduled, seed)
    company, machine_id, parts, simulator = plant.company, plant.machine.id, plant.parts, plant.simulator
    monitor = StreamMonitor(MonitorConfig(phase1_samples=PHASE1_PARTS))
    recorder = GenealogyRecorder()
    false_alarms = 0
    caught: tuple[PlannedPart, str, list[Alarm]] | None = None
    part_ids: dict[int, str] = {}
    for planned in parts:
        record = carry(simulator.next_part(machine_id))
        part_ids[planned.index] = record.part_id
        record_made(network, plant, planned, record, recorder)
        alarms: list[Alarm] = []
        for sample in measured_at_end(network, planned, record).characteristics:
            measurement = sample.as_measurement()
            recorder.record_measurement(measurement)
            alarms += monitor.observe(measurement)
        for alarm in alarms:
            recorder.record_alarm(alarm)
        if alarms and planned.index < DRIFT_START:
            false_alarms += 1
        elif alarms:
            caught = (planned, record.part_id, alarms)
            break  # the flagged machine stops: no more parts until the setter has been
    if caught is None:
        raise ValueError(f"the monitor raised no alarm on {machine_id} within {len(part_ids)} parts of the drift")
    planned, part_id, alarms = caught
    first = alarms[0]
    held = tuple(sorted({a.part_id for alarm in alarms for a in alarm.actions if isinstance(a, HoldPart)}))
    flagged = any(isinstance(a, FlagMachine) for alarm in alarms for a in alarm.actions)
    alarm = QualityAlarm(
        rule=first.rule, description=first.description, characteristic=first.characteristic,
        value=round(first.value, 4), part_id=part_id, part_index=planned.index,
        parts_after_drift_start=planned.index - DRIFT_START, machine_flagged=flagged, parts_held=held,
    )
    reschedule = _repair_rework(company, planned, schedules_folder, root, repair_options)
    chosen = {index: part_ids[index] for index in (0, DRIFT_START, planned.index)}
    passports, verdicts = _passports(network, recorder, parts, chosen, passports_folder, root, store)
    return QualityResult(
        machine_id=machine_id, company_id=company.result.company_id, fault=plant.fault_text,
        parts_simulated=len(part_ids),
        phase1_parts=PHASE1_PARTS, false_alarms_before_drift=false_alarms, alarm=alarm, reschedule=reschedule,
        passports=passports, passport_verdicts=verdicts,
    )


def _repair_rework(
    company: ScheduledCompany, planned: PlannedPart, folder: Path, root: Path, options: RepairOptions
) -> RescheduleResult:
    """Add the rework operation after the operation that made the held part and repair the schedule from the
    alarm's minute on (operations already started stay where they are)."""
    reworked = planned.operation
    family = company.problem.operations()[reworked.id][1].family
    rework = ProblemOperation(id=f"{reworked.id}/rework", family=family,
                              modes=(Mode(machine=reworked.machine, duration=REWORK_MINUTES),))
    event = ReworkAdded(at=int(planned.end_min), after=reworked.id, operation=rework)
    repaired = repair(company.problem, company.solution, event, options)
    if not repaired.solution.operations:
        raise ValueError(f"repair of {company.result.company_id}'s schedule found no solution "
                         f"({repaired.solution.status})")
    report = check(repaired.problem, repaired.solution)
    before = evaluate(company.problem, company.solution.operations)
    after = evaluate(repaired.problem, repaired.solution.operations)
    return rework_result(company, repaired.problem, repaired.solution, folder, root, RescheduleResult.model_construct(
        reworked_operation=reworked.id, rework_operation=rework.id, rework_minutes=REWORK_MINUTES,
        event_minute=event.at, frozen=repaired.frozen, moved=repaired.moved, feasible=report.feasible,
        weighted_tardiness_before=before.total_weighted_tardiness,
        weighted_tardiness_after=after.total_weighted_tardiness, makespan_before_min=before.makespan,
        makespan_after_min=after.makespan))


def rework_result(company: ScheduledCompany, problem: Problem, solution: Solution, folder: Path, root: Path,
                  figures: RescheduleResult) -> RescheduleResult:
    """`figures` of the repair completed with the company and the files of the repaired schedule written."""
    company_id = company.result.company_id
    solution_file = folder / f"{company_id}.repaired.solution.json"
    gantt_file = folder / f"{company_id}.repaired.gantt.html"
    solution_file.write_text(solution.model_dump_json(indent=1) + "\n", encoding="utf-8")
    chart = build_gantt(problem, solution, f"{company.result.company_name}: repaired after rework")
    gantt_file.write_text(render_gantt_html(chart), encoding="utf-8")
    return RescheduleResult.model_validate({
        **{name: getattr(figures, name) for name in figures.model_fields_set}, "company_id": company_id,
        "solution_file": solution_file.relative_to(root).as_posix(),
        "gantt_file": gantt_file.relative_to(root).as_posix()})


def _passports(
    network: RegionalNetwork, recorder: GenealogyRecorder, parts: list[PlannedPart], chosen: dict[int, str],
    folder: Path, root: Path, store: Store,
) -> tuple[tuple[DocumentFile, ...], dict[str, str]]:
    """Passports of the chosen parts (by index: the first, the first drifted, the held one): built, stored and
    exported as AAS."""
    built = [recorder.part(identity_of(network, parts[index], part_id)) for index, part_id in sorted(chosen.items())]
    with store.transaction() as uow:
        for part in built:
            uow.parts.put(part)
    return export_passports(built, folder, root)


def export_passports(built: list[Part], folder: Path, root: Path) -> tuple[tuple[DocumentFile, ...], dict[str, str]]:
    """Each part's passport as a verified AAS package, and the parts' verdicts."""
    files = tuple(write_verified([part], folder / f"{part.id}.aasx", root, "passport", part.id) for part in built)
    return files, {part.id: part.verdict.value for part in built}
