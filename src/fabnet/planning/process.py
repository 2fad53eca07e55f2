"""Zero-programming process planning: a Design plus a factory's machines give a ProcessPlan, no human input.

1. **Operations from features**, in the canonical stage order print → cut → turn → mill → bend → assemble →
   weld → coat → inspect: `printed_volume_cm3` → additive (WAAM for metals, FDM for polymers),
   `cut_contour_mm` → laser or waterjet cutting, `turned_length_mm` → CNC turning, `milled_volume_cm3` (or
   holes in a part without a cut contour) → CNC milling, `bends` → press brake, a bill of materials →
   manual assembly, `weld_length_mm` → robot or manual MIG welding, `coated_area_m2` → powder coating.
2. **Inspection**: when the tightest tolerance is below 1.33 × the capability (± mm) of any of the design's
   shaping steps — a Cpk ≥ 1.33 cannot be taken for granted — a CMM inspection of every toleranced
   characteristic follows; a CMM qualifies when its accuracy is at most a quarter of that tolerance. A step's
   capability is that of its least precise eligible machine (the scheduler may choose any of them); a step
   no machine can do counts with the skill vocabulary's typical capability.
3. **Precedences** form a DAG: each design's operations follow each other in stage order; an assembly's first
   operation waits for the last operation of every component (component operations are planned too, with
   quantity × BoM quantity, when `designs` holds the component designs; otherwise components are taken as
   bought-in and available).
4. **Eligible machines** per operation: a machine skill of the operation's process whose ranges hold the
   design — material (a skill lists grades or groups such as `steel`; empty = any), thickness (cut, bend,
   weld), envelope (cutting compares the flat blank, approximated by the two largest dimensions), tolerance
   (milling and turning must hold the tightest tolerance), plus the process limits the time model checks
   (laser chart, bending force and length, weld current, turning diameter).
5. **Durations and instructions** per machine from `fabnet.planning.time_models` (its docstring documents
   every formula); setup families from `fabnet.planning.setup_families`.

A design no machine can make raises `PlanningError` naming the feature and why: no machine has the skill, or
which range excludes each machine. `plan_what_is_possible` instead returns the plan of what the machines can
do and the list of what they cannot (the marketplace subcontracts those).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from fabnet.domain.design import Design
from fabnet.domain.machine import Machine, MachineSkill
from fabnet.domain.process import Operation, OperationMode, ProcessPlan
from fabnet.domain.skills import skill_definition
from fabnet.planning.materials import Material, material
from fabnet.planning.process_errors import OutOfRange, PlanningError
from fabnet.planning.setup_families import (
    bend_family,
    cut_family,
    format_mm,
    machining_family,
    print_family,
    weld_family,
)
from fabnet.planning.time_models import (
    FORMULAS,
    TIME_MODELS,
    MachineRun,
    RunInput,
    cmm_accuracy_mm,
    cmm_sample_size,
)

__all__ = ["PartialPlan", "PlanningError", "Unmakeable", "plan_process", "plan_what_is_possible"]

CPK_MARGIN = 1.33
"""Tolerance / capability ratio below which a characteristic is measured on a CMM."""
GAUGE_RATIO = 4.0
"""A CMM qualifies when its accuracy is at most tolerance / GAUGE_RATIO."""

_EPSILON_MM = 1e-6
"""Tolerances are computed from float limits (40.01 - 40.0 != 0.01); compare with this slack."""
_THICKNESS_BOUND = frozenset({"cut", "bend", "weld"})
_PRECISION = frozenset({"mill", "turn"})


@dataclass(frozen=True)
class OperationNeed:
    """An operation the design needs before any machine is chosen."""

    key: str
    process: str
    name: str
    feature: str
    skills: tuple[str, ...]
    family: str
    attributes: dict[str, str]
    instructions: dict[str, str | float | int] = field(default_factory=dict)
    characteristics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unmakeable:
    """An operation none of the given machines can do, and why."""

    design_id: str
    operation_id: str
    feature: str
    skills: tuple[str, ...]
    reason: str

    @property
    def message(self) -> str:
        return f"design {self.design_id!r}: feature {self.feature} ({' or '.join(self.skills)}): {self.reason}"


@dataclass(frozen=True)
class PartialPlan:
    """The plan of the operations the machines can do (None if none) and the operations they cannot."""

    plan: ProcessPlan | None
    skipped: tuple[Unmakeable, ...]


def plan_process(
    design: Design,
    machines: Sequence[Machine],
    *,
    quantity: int = 1,
    designs: Mapping[str, Design] | None = None,
) -> ProcessPlan:
    """The complete process plan of `quantity` units; PlanningError if any operation has no eligible machine."""
    partial = plan_what_is_possible(design, machines, quantity=quantity, designs=designs)
    if partial.skipped:
        more = len(partial.skipped) - 1
        suffix = f" (and {more} more operation{'s' if more > 1 else ''} not makeable)" if more else ""
        raise PlanningError(partial.skipped[0].message + suffix)
    assert partial.plan is not None  # no skipped operation and at least one need imply a plan
    return partial.plan


def plan_what_is_possible(
    design: Design,
    machines: Sequence[Machine],
    *,
    quantity: int = 1,
    designs: Mapping[str, Design] | None = None,
) -> PartialPlan:
    """Plan what the machines can do; list the operations they cannot do instead of failing."""
    if quantity < 1:
        raise PlanningError(f"quantity must be at least 1, got {quantity}")
    if not machines:
        raise PlanningError("no machines given to plan on")
    companies = sorted({m.company_id for m in machines})
    planner = _Planner(machines, designs or {}, expand_components=designs is not None)
    planner.plan_design(design, quantity, prefix="", path=())
    if not planner.operations and not planner.skipped:
        raise PlanningError(f"design {design.id!r}: no manufacturing features to plan (all features are zero)")
    plan = None
    if planner.operations:
        plan = ProcessPlan(
            design_id=design.id,
            company_id=companies[0] if len(companies) == 1 else "network",
            quantity=quantity,
            operations=tuple(planner.operations),
        )
    return PartialPlan(plan, tuple(planner.skipped))


def operation_needs(design: Design, grade: Material) -> list[OperationNeed]:
    """The operations a design's features call for, in stage order, before machines are considered."""
    f, t = design.features, design.thickness_mm or 3.0
    needs: list[OperationNeed] = []
    if f.printed_volume_cm3 > 0:
        needs.append(OperationNeed(
            "print", "print", f"Print {design.name}", f"printed_volume_cm3={f.printed_volume_cm3:g}",
            ("print.metal_waam", "print.polymer_fdm"), print_family(grade), {"material": grade.name},
            {"printed_volume_cm3": f.printed_volume_cm3}))
    if f.cut_contour_mm > 0:
        needs.append(OperationNeed(
            "cut", "cut", f"Cut {design.name}", f"cut_contour_mm={f.cut_contour_mm:g}",
            ("cut.laser", "cut.waterjet"), cut_family(grade, t),
            {"material": grade.name, "thickness_mm": format_mm(t)},
            {"material": grade.name, "thickness_mm": t, "contour_mm": f.cut_contour_mm, "holes": f.holes}))
    if f.turned_length_mm > 0:
        needs.append(OperationNeed(
            "turn", "turn", f"Turn {design.name}", f"turned_length_mm={f.turned_length_mm:g}",
            ("turn.cnc",), machining_family(grade), {"tooling": machining_family(grade)},
            {"material": grade.name, "turned_length_mm": f.turned_length_mm}))
    drilling_only = f.holes > 0 and f.cut_contour_mm == 0 and f.milled_volume_cm3 == 0
    if f.milled_volume_cm3 > 0 or drilling_only:
        feature = f"holes={f.holes}" if drilling_only else f"milled_volume_cm3={f.milled_volume_cm3:g}"
        needs.append(OperationNeed(
            "mill", "mill", f"Mill {design.name}", feature, ("mill.cnc_5axis", "mill.cnc_3axis"),
            machining_family(grade), {"tooling": machining_family(grade)},
            {"material": grade.name, "milled_volume_cm3": f.milled_volume_cm3, "holes": f.holes}))
    if f.bends > 0:
        needs.append(OperationNeed(
            "bend", "bend", f"Bend {design.name}", f"bends={f.bends}", ("bend.press_brake",), bend_family(t),
            {"tooling": bend_family(t), "thickness_mm": format_mm(t)},
            {"material": grade.name, "thickness_mm": t, "bends": f.bends}))
    if design.bom:
        needs.append(OperationNeed(
            "assemble", "assemble", f"Assemble {design.name}", f"bom ({len(design.bom)} lines)",
            ("assemble.manual",), "assembly", {"station": "assembly"}, {"bom_lines": len(design.bom)}))
    if f.weld_length_mm > 0:
        needs.append(OperationNeed(
            "weld", "weld", f"Weld {design.name}", f"weld_length_mm={f.weld_length_mm:g}",
            ("weld.robot", "weld.mig"), weld_family(grade, t), {"wire": weld_family(grade, t)},
            {"material": grade.name, "weld_length_mm": f.weld_length_mm}))
    if f.coated_area_m2 > 0:
        colour = f.coating_colour or ""
        needs.append(OperationNeed(
            "coat", "coat", f"Powder-coat {design.name}", f"coated_area_m2={f.coated_area_m2:g}",
            ("coat.powder",), colour, {"colour": colour}, {"colour": colour, "area_m2": f.coated_area_m2}))
    return needs


def inspection_need(design: Design, capabilities: Sequence[float]) -> OperationNeed | None:
    """A CMM step when the tightest tolerance is within CPK_MARGIN of the worst shaping capability."""
    tightest = design.tightest_tolerance_mm
    if tightest is None or not capabilities or tightest + _EPSILON_MM >= CPK_MARGIN * max(capabilities):
        return None
    names = tuple(t.characteristic for t in design.tolerances)
    return OperationNeed(
        "inspect", "inspect", f"Inspect {design.name}",
        f"tolerances (tightest ±{tightest:g} mm, process capability ±{max(capabilities):g} mm)",
        ("inspect.cmm",), "cmm", {"station": "cmm"},
        {"tightest_tolerance_mm": round(tightest, 6), "characteristics": len(names)}, names)


@dataclass
class _Eligible:
    machine: Machine
    skill: MachineSkill
    run: MachineRun


def _materials_match(skill: MachineSkill, grade: Material, name: str) -> bool:
    if not skill.materials:
        return True
    accepted = {m.strip().lower() for m in skill.materials}
    return bool({name.lower(), grade.name.lower(), grade.group.value} & accepted)


def _range_violation(need: OperationNeed, design: Design, grade: Material, skill: MachineSkill) -> str | None:
    if not _materials_match(skill, grade, design.material):
        return f"material {design.material} not in materials ({', '.join(skill.materials)})"
    t = design.thickness_mm
    if need.process in _THICKNESS_BOUND and t is not None:
        if skill.max_thickness_mm is not None and t > skill.max_thickness_mm:
            return f"thickness {t:g} mm above max_thickness_mm {skill.max_thickness_mm:g}"
        if t < skill.min_thickness_mm:
            return f"thickness {t:g} mm below min_thickness_mm {skill.min_thickness_mm:g}"
    size = design.bounding_box.as_tuple()
    if skill.envelope_mm is not None:
        if need.process == "cut":
            blank, bed = sorted(size)[1:], sorted(skill.envelope_mm)[1:]
            if any(p > e for p, e in zip(blank, bed, strict=True)):
                return f"blank {blank[1]:g}×{blank[0]:g} mm larger than the cutting bed {bed[1]:g}×{bed[0]:g} mm"
        elif not skill.fits_envelope(size):
            dims = "×".join(format_mm(v) for v in size)
            envelope = "×".join(format_mm(v) for v in skill.envelope_mm)
            return f"size {dims} mm outside envelope_mm {envelope}"
    tightest = design.tightest_tolerance_mm
    if tightest is not None and need.process in _PRECISION:
        capability = _capability(skill)
        if capability > tightest + _EPSILON_MM:
            return f"tolerance ±{tightest:g} mm tighter than tolerance_mm {capability:g}"
    if tightest is not None and need.process == "inspect":
        accuracy = cmm_accuracy_mm(skill)
        if accuracy > tightest / GAUGE_RATIO + _EPSILON_MM:
            return f"accuracy {accuracy:g} mm above a quarter of the tolerance ±{tightest:g} mm"
    return None


def _capability(skill: MachineSkill) -> float:
    if skill.tolerance_mm is not None:
        return skill.tolerance_mm
    return skill_definition(skill.skill).capability_tolerance_mm


class _Planner:
    """Walks a design and its components, collecting operations and what cannot be made."""

    def __init__(self, machines: Sequence[Machine], designs: Mapping[str, Design], *, expand_components: bool):
        self.machines = machines
        self.designs = designs
        self.expand_components = expand_components
        self.operations: list[Operation] = []
        self.skipped: list[Unmakeable] = []
        self.company = ", ".join(sorted({m.company_id for m in machines}))

    def plan_design(self, design: Design, quantity: int, prefix: str, path: tuple[str, ...]) -> tuple[str, ...]:
        """Plan `design` (and its components); return the ids its successors must wait for."""
        if design.id in path:
            raise PlanningError(f"design {design.id!r}: bill of materials is cyclic ({' -> '.join(path)} -> "
                                f"{design.id})")
        grade = material(design.material)
        frontier = self._plan_components(design, quantity, prefix, (*path, design.id))
        capabilities: list[float] = []
        for need in operation_needs(design, grade):
            frontier = self._add(need, design, grade, quantity, prefix, frontier, capabilities)
        inspection = inspection_need(design, capabilities)
        if inspection is not None:
            inspection = replace(inspection, instructions={**inspection.instructions, "batch_quantity": quantity})
            frontier = self._add(inspection, design, grade, cmm_sample_size(quantity), prefix, frontier, [])
        return frontier

    def _plan_components(self, design: Design, quantity: int, prefix: str, path: tuple[str, ...]) -> tuple[str, ...]:
        if not self.expand_components:
            return ()
        waits: list[str] = []
        counts: dict[str, int] = {}
        for line in design.bom:
            counts[line.design_id] = counts.get(line.design_id, 0) + line.quantity
        for component_id, count in counts.items():
            component = self.designs.get(component_id)
            if component is None:
                raise PlanningError(f"design {design.id!r}: bom names design {component_id!r}, which is not among "
                                    f"the designs given")
            waits.extend(self.plan_design(component, quantity * count, f"{prefix}{component_id}/", path))
        return tuple(dict.fromkeys(waits))

    def _add(self, need: OperationNeed, design: Design, grade: Material, quantity: int, prefix: str,
             frontier: tuple[str, ...], capabilities: list[float]) -> tuple[str, ...]:
        op_id = f"{prefix}{need.key}"
        eligible, reasons, skilled = self._eligible(need, design, grade)
        if need.process != "inspect":
            found = [_capability(e.skill) for e in eligible]
            # the worst eligible machine counts: the scheduler may pick any of them
            capabilities.append(max(found) if found else skill_definition(need.skills[0]).capability_tolerance_mm)
        if not eligible:
            if not skilled:
                reason = f"no machine of {self.company} has skill {' or '.join(need.skills)}"
            else:
                reason = "out of range on every machine — " + "; ".join(reasons)
            self.skipped.append(Unmakeable(design.id, op_id, need.feature, need.skills, reason))
            return frontier
        modes = []
        for e in eligible:
            modes.append(OperationMode(
                machine_id=e.machine.id, duration_min=e.run.duration(quantity), skill=e.skill.skill,
                setup_minutes_hint=math.ceil(e.run.batch_min), instructions=e.run.instructions))
        fastest = min(zip(modes, eligible, strict=True), key=lambda pair: pair[0].duration_min)
        instructions: dict[str, str | float | int] = {**need.instructions, "quantity": quantity}
        self.operations.append(Operation(
            id=op_id, skill=fastest[1].skill.skill, name=need.name, predecessors=frontier, modes=tuple(modes),
            setup_family=need.family, setup_attributes=need.attributes, instructions=instructions,
            time_model=_time_model_text(sorted({e.skill.skill for e in eligible}), quantity)))
        return (op_id,)

    def _eligible(self, need: OperationNeed, design: Design, grade: Material
                  ) -> tuple[list[_Eligible], list[str], bool]:
        eligible: list[_Eligible] = []
        reasons: list[str] = []
        skilled = False
        for machine in self.machines:
            machine_reasons: list[str] = []
            for skill in machine.skills:
                if skill.skill not in need.skills:
                    continue
                skilled = True
                violation = _range_violation(need, design, grade, skill)
                if violation is None:
                    run_input = RunInput(design, grade, machine, skill, characteristics=need.characteristics)
                    try:
                        eligible.append(_Eligible(machine, skill, TIME_MODELS[skill.skill](run_input)))
                        break
                    except OutOfRange as out:
                        violation = str(out)
                machine_reasons.append(f"{machine.id}: {violation}")
            else:
                reasons.extend(machine_reasons)
        return eligible, reasons, skilled


def _time_model_text(skills: Sequence[str], quantity: int) -> str:
    return "; ".join(f"{code}: {FORMULAS[code]}" for code in skills) + f"; quantity {quantity}"
