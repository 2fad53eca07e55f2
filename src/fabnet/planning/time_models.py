"""Processing-time models per skill: minutes per part, minutes per batch, and the machine's instructions.

Every model returns a `MachineRun`; the operation on that machine takes
`ceil(batch_min + quantity × unit_min)` minutes (inspection: `quantity` is the sample size). `batch_min` is
the order-dependent run setup (program, fixture, first-article); sequence-dependent changeovers between
setup families are NOT included — they come from the machine's changeover matrix in scheduling.

Symbols: L contour/weld/turned length (mm), t thickness (mm), V volume (cm³), A area (m²), P power (kW).

| skill | minutes per part | per batch |
|---|---|---|
| cut.laser | L / (1000·v(material, t, P)) + pierces · pierce_s / 60 + 0.25 handling | 6 |
| cut.waterjet | L / v_wj(material, t, p) + pierces · 0.8·t / 60 + 0.5 | 10 |
| bend.press_brake | bends · cycle / 60 + 0.3; cycle 10 s (≤1 m and ≤10 kg) else 20 s | 15 tool change |
| weld.mig | L / (1000 · 0.30 m/min · 0.35 arc-on) + 5 fit/tack | 15 |
| weld.robot | L / (1000 · 0.60 m/min · 0.80 arc-on) + 3 load | 30 |
| mill.cnc_3axis / 5axis | V / MRR + holes · 0.3 + clamping 4 / 3; MRR = 0.2·P_spindle·60 / u | 30 / 40 |
| turn.cnc | 2·L/(0.25·n) + L/(0.1·n) + 1.5; n = min(1000·vc/(π·D), rpm max) | 25 |
| print.metal_waam | 1.25·V·ρ / 1000 / (kg/h) · 60 / 0.7 + 20 plate | 30 |
| print.polymer_fdm | V / (cm³/h) · 60 + 8 | 5 |
| coat.powder | max(A / (v · 1 m²/m), (longest/1000 + 0.3) / v) + 0.5 hang | 20 oven dwell |
| assemble.manual | 5 + Σ over BoM lines (3 + 1 · quantity) | 10 kitting |
| inspect.cmm | 5 load/align + 1.5 · characteristics; sample ⌈√q⌉ + 1 (max q) | 10 |

Cutting speeds: `fabnet.planning.cutting_tables`. MRR from specific cutting energy u (J/mm³) in
`fabnet.planning.materials` with 20 % of spindle power on average over roughing and finishing. Turning: two
roughing passes at f = 0.25 mm/rev, one finishing pass at 0.1 mm/rev, D = middle bounding-box dimension.
WAAM: 25 % machining allowance on the printed volume, 70 % arc-on for interpass cooling. Press-brake force
(t) = 1.42 · (Rm / 9.81) · t² / V · bend length (m), the classic air-bending formula, checked against the
brake's tonnage. Weld current I = 40 + 35·t A (max 320), voltage U = 14 + 0.05·I V (EN 60974-1).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from fabnet.domain.design import Design
from fabnet.domain.machine import Machine, MachineSkill
from fabnet.domain.skills import skill_definition
from fabnet.planning.cutting_tables import laser_setting, waterjet_pierce_s, waterjet_speed_mm_min
from fabnet.planning.materials import Material, MaterialGroup
from fabnet.planning.process_errors import OutOfRange
from fabnet.planning.setup_families import press_brake_die_mm, weld_wire_mm

Instructions = dict[str, str | float | int]


@dataclass(frozen=True)
class MachineRun:
    """How long one operation takes on one machine, and the parameters that machine needs."""

    unit_min: float
    batch_min: float
    instructions: Instructions = field(default_factory=dict)

    def duration(self, quantity: int) -> int:
        return max(1, math.ceil(self.batch_min + quantity * self.unit_min - 1e-9))


@dataclass(frozen=True)
class RunInput:
    """What a time model looks at: the design, its material, and one machine with its matching skill."""

    design: Design
    material: Material
    machine: Machine
    skill: MachineSkill
    characteristics: tuple[str, ...] = ()

    def parameter(self, name: str, default: float) -> float:
        return self.skill.parameters.get(name, default)

    @property
    def thickness_mm(self) -> float:
        return self.design.thickness_mm or 3.0


def _pierces(design: Design) -> int:
    return design.features.pierces or (1 + design.features.holes)


def laser_cutting(run: RunInput) -> MachineRun:
    features, t = run.design.features, run.thickness_mm
    power = run.parameter("power_kw", 4.0)
    setting = laser_setting(run.material.group, t, power)
    pierces = _pierces(run.design)
    unit = features.cut_contour_mm / (1000 * setting.speed_m_min) + pierces * setting.pierce_s / 60 + 0.25
    return MachineRun(unit, 6.0, {
        "power_kw": power, "speed_m_min": round(setting.speed_m_min, 2), "gas": setting.gas,
        "gas_pressure_bar": setting.gas_pressure_bar, "nozzle_mm": setting.nozzle_mm,
        "pierce_s": round(setting.pierce_s, 2), "pierces": pierces,
    })


def waterjet_cutting(run: RunInput) -> MachineRun:
    t = run.thickness_mm
    pressure = run.parameter("pressure_bar", 3800.0)
    speed = waterjet_speed_mm_min(run.material.group, t, pressure)
    pierces = _pierces(run.design)
    unit = run.design.features.cut_contour_mm / speed + pierces * waterjet_pierce_s(t) / 60 + 0.5
    return MachineRun(unit, 10.0, {
        "pressure_bar": pressure, "speed_mm_min": round(speed, 1), "abrasive": "garnet 80 mesh",
        "abrasive_g_min": 350, "quality": "Q3", "pierces": pierces,
    })


def bend_length_mm(design: Design) -> float:
    return max(design.bounding_box.x_mm, design.bounding_box.y_mm)


def bending(run: RunInput) -> MachineRun:
    design, t = run.design, run.thickness_mm
    length = bend_length_mm(design)
    max_length = run.parameter("bend_length_mm", math.inf)
    if length > max_length:
        raise OutOfRange(f"bend length {length:g} mm exceeds bend_length_mm {max_length:g}")
    die = press_brake_die_mm(t)
    force_t = 1.42 * (run.material.tensile_mpa / 9.81) * t**2 / die * length / 1000
    max_force = run.parameter("force_t", math.inf)
    if force_t > max_force:
        raise OutOfRange(f"bending force {force_t:.0f} t exceeds force_t {max_force:g}")
    small = length <= 1000 and design.mass_kg <= 10
    cycle_s = 10 if small else 20
    bends = design.features.bends
    unit = bends * cycle_s / 60 + 0.3
    sequence = "-".join(f"B{i}" for i in range(1, bends + 1))
    return MachineRun(unit, 15.0, {
        "die_v_mm": die, "punch": "88° R0.8" if t <= 3 else "85° R3", "inside_radius_mm": round(die / 6, 1),
        "force_t": round(force_t, 1), "bend_sequence": f"{sequence} (inner flanges first)",
        "backgauge": "automatic from flat pattern",
    })


def _weld(run: RunInput, travel_m_min: float, arc_on: float, handling_min: float, batch_min: float,
          program: str) -> MachineRun:
    t = run.thickness_mm
    current = min(320.0, 40 + 35 * t)
    max_current = run.parameter("current_a", math.inf)
    if current > max_current:
        raise OutOfRange(f"weld current {current:.0f} A for {t:g} mm exceeds current_a {max_current:g}")
    if run.material.filler_wire is None:
        raise OutOfRange(f"{run.material.name} is not weldable")
    wire = weld_wire_mm(t)
    gas = {MaterialGroup.STAINLESS: "M12 (Ar + 2% CO2)", MaterialGroup.ALUMINIUM: "I1 (Ar)",
           MaterialGroup.TITANIUM: "I1 (Ar), trailing shield"}.get(run.material.group, "M21 (Ar + 18% CO2)")
    unit = run.design.features.weld_length_mm / (1000 * travel_m_min * arc_on) + handling_min
    return MachineRun(unit, batch_min, {
        "wire": run.material.filler_wire, "wire_mm": wire, "gas": gas, "current_a": round(current),
        "voltage_v": round(14 + 0.05 * current, 1), "travel_m_min": travel_m_min, "program": program,
    })


def weld_manual(run: RunInput) -> MachineRun:
    return _weld(run, 0.30, 0.35, 5.0, 15.0, "weld plan from CAD seams")


def weld_robot(run: RunInput) -> MachineRun:
    return _weld(run, 0.60, 0.80, 3.0, 30.0, "offline-generated from CAD seams")


def removal_rate_cm3_min(material: Material, spindle_kw: float) -> float:
    return 0.2 * spindle_kw * 1000 / material.specific_cutting_energy_j_mm3 * 60 / 1000


def _mill(run: RunInput, clamping_min: float, batch_min: float) -> MachineRun:
    spindle_kw = run.parameter("spindle_kw", 15.0)
    rate = removal_rate_cm3_min(run.material, spindle_kw)
    features = run.design.features
    unit = features.milled_volume_cm3 / rate + features.holes * 0.3 + clamping_min
    rpm = min(run.parameter("spindle_rpm", 12000.0), 1000 * run.material.turning_speed_m_min / (math.pi * 16))
    return MachineRun(unit, batch_min, {
        "spindle_kw": spindle_kw, "removal_rate_cm3_min": round(rate, 1), "tool": "Ø16 carbide end mill",
        "spindle_rpm": round(rpm), "feed_per_tooth_mm": 0.08, "strategy": "adaptive roughing + finishing",
        "drill_cycles": features.holes,
    })


def mill_3axis(run: RunInput) -> MachineRun:
    return _mill(run, 4.0, 30.0)


def mill_5axis(run: RunInput) -> MachineRun:
    return _mill(run, 3.0, 40.0)


def turning_diameter_mm(design: Design) -> float:
    return sorted(design.bounding_box.as_tuple())[1]


def turning(run: RunInput) -> MachineRun:
    diameter = turning_diameter_mm(run.design)
    max_diameter = run.parameter("max_diameter_mm", math.inf)
    if diameter > max_diameter:
        raise OutOfRange(f"turning diameter {diameter:g} mm exceeds max_diameter_mm {max_diameter:g}")
    rpm = min(run.parameter("spindle_rpm", 4000.0), 1000 * run.material.turning_speed_m_min / (math.pi * diameter))
    length = run.design.features.turned_length_mm
    unit = 2 * length / (0.25 * rpm) + length / (0.1 * rpm) + 1.5
    return MachineRun(unit, 25.0, {
        "cutting_speed_m_min": run.material.turning_speed_m_min, "spindle_rpm": round(rpm),
        "roughing_feed_mm_rev": 0.25, "finishing_feed_mm_rev": 0.1, "passes": 3,
    })


def waam_printing(run: RunInput) -> MachineRun:
    if run.material.filler_wire is None:
        raise OutOfRange(f"no WAAM wire for {run.material.name}")
    rate = run.parameter("deposition_kg_h", 3.0)
    mass_kg = 1.25 * run.design.features.printed_volume_cm3 * run.material.density_g_cm3 / 1000
    unit = mass_kg / rate * 60 / 0.7 + 20
    interpass = 100 if run.material.group is MaterialGroup.ALUMINIUM else 150
    return MachineRun(unit, 30.0, {
        "wire": run.material.filler_wire, "wire_mm": 1.2, "deposition_kg_h": rate, "layer_height_mm": 1.8,
        "interpass_temperature_c": interpass, "deposited_mass_kg": round(mass_kg, 2),
        "machining_allowance": "25 % on printed volume",
    })


def fdm_printing(run: RunInput) -> MachineRun:
    if run.material.print_temperature_c is None:
        raise OutOfRange(f"{run.material.name} is not an FDM filament")
    rate = run.parameter("deposition_cm3_h", 30.0)
    unit = run.design.features.printed_volume_cm3 / rate * 60 + 8
    return MachineRun(unit, 5.0, {
        "filament": run.material.name, "nozzle_mm": 0.6, "layer_height_mm": 0.2,
        "nozzle_temperature_c": run.material.print_temperature_c,
        "bed_temperature_c": run.material.bed_temperature_c or 60, "deposition_cm3_h": rate,
    })


def powder_coating(run: RunInput) -> MachineRun:
    speed = run.parameter("line_speed_m_min", 1.5)
    design = run.design
    longest_m = max(design.bounding_box.as_tuple()) / 1000
    unit = max(design.features.coated_area_m2 / (speed * 1.0), (longest_m + 0.3) / speed) + 0.5
    heavy = design.mass_kg > 25
    pretreatment = {MaterialGroup.ALUMINIUM: "chrome-free conversion", MaterialGroup.STAINLESS:
                    "sweep blast + conversion"}.get(run.material.group, "iron phosphate")
    return MachineRun(unit, 20.0, {
        "colour": design.features.coating_colour or "", "powder": "polyester, outdoor (Qualicoat class 1)",
        "film_um": "60-80", "cure_temperature_c": 180, "cure_minutes": 20 if heavy else 10,
        "pretreatment": pretreatment, "line_speed_m_min": speed,
    })


def assembly(run: RunInput) -> MachineRun:
    lines = run.design.bom
    unit = 5 + sum(3 + 1 * line.quantity for line in lines)
    return MachineRun(unit, 10.0, {
        "bom_lines": len(lines), "components": sum(line.quantity for line in lines),
        "work_instruction": "generated from BoM: " + ", ".join(f"{ln.quantity}× {ln.design_id}" for ln in lines),
    })


def cmm_sample_size(quantity: int) -> int:
    """First article plus ⌈√q⌉ parts, never more than the batch."""
    return min(quantity, 1 + math.ceil(math.sqrt(quantity)))


def cmm_accuracy_mm(skill: MachineSkill) -> float:
    if skill.tolerance_mm is not None:
        return skill.tolerance_mm
    if "probe_accuracy_um" in skill.parameters:
        return skill.parameters["probe_accuracy_um"] / 1000
    return skill_definition(skill.skill).capability_tolerance_mm


def cmm_inspection(run: RunInput) -> MachineRun:
    count = max(1, len(run.characteristics))
    unit = 5 + 1.5 * count
    return MachineRun(unit, 10.0, {
        "characteristics": ", ".join(run.characteristics), "program": "generated from CAD PMI",
        "probe_accuracy_um": round(cmm_accuracy_mm(run.skill) * 1000, 2), "report": "ISO 10360 traceable",
    })


TIME_MODELS: dict[str, Callable[[RunInput], MachineRun]] = {
    "cut.laser": laser_cutting,
    "cut.waterjet": waterjet_cutting,
    "bend.press_brake": bending,
    "weld.mig": weld_manual,
    "weld.robot": weld_robot,
    "mill.cnc_3axis": mill_3axis,
    "mill.cnc_5axis": mill_5axis,
    "turn.cnc": turning,
    "print.metal_waam": waam_printing,
    "print.polymer_fdm": fdm_printing,
    "coat.powder": powder_coating,
    "assemble.manual": assembly,
    "inspect.cmm": cmm_inspection,
}
"""The time model of each skill; register one here when you add a skill to the vocabulary."""

FORMULAS: dict[str, str] = {
    "cut.laser": "contour / (1000 · v(material, t, P)) + pierces · pierce_s / 60 + 0.25 min per part; 6 min per batch",
    "cut.waterjet": "contour / v_wj(material, t, p) + pierces · 0.8 · t / 60 + 0.5 min per part; 10 min per batch",
    "bend.press_brake": "bends · cycle (10 s or 20 s) + 0.3 min per part; 15 min tool change per batch",
    "weld.mig": "weld length / (300 mm/min · 0.35 arc-on) + 5 min per part; 15 min per batch",
    "weld.robot": "weld length / (600 mm/min · 0.8 arc-on) + 3 min per part; 30 min per batch",
    "mill.cnc_3axis": "volume / MRR(material, spindle kW) + holes · 0.3 + 4 min per part; 30 min per batch",
    "mill.cnc_5axis": "volume / MRR(material, spindle kW) + holes · 0.3 + 3 min per part; 40 min per batch",
    "turn.cnc": "2 · L / (0.25 · n) + L / (0.1 · n) + 1.5 min per part; 25 min per batch",
    "print.metal_waam": "1.25 · volume · density / deposition rate / 0.7 arc-on + 20 min per part; 30 min per batch",
    "print.polymer_fdm": "volume / deposition rate + 8 min per part; 5 min per batch",
    "coat.powder": "max(area / line rate, hook pitch / line speed) + 0.5 min per part; 20 min oven dwell",
    "assemble.manual": "5 + Σ BoM lines (3 + 1 · quantity) min per unit; 10 min kitting per batch",
    "inspect.cmm": "5 + 1.5 · characteristics min per sampled part (⌈√q⌉ + 1); 10 min per batch",
}
"""The time model of each skill in one line, copied into every operation for the engineer."""
