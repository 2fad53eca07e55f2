"""Zero-programming process planning: operations, DAG, eligibility, hand-computed durations, errors."""

import math
from decimal import Decimal

import pytest

from fabnet.domain import BomLine, BoundingBox, Design, DesignKind, Features, Machine, MachineSkill, Tolerance
from fabnet.planning.cutting_tables import laser_setting, laser_speed_m_min
from fabnet.planning.materials import MaterialGroup, material
from fabnet.planning.process import PlanningError, plan_process, plan_what_is_possible
from fabnet.planning.process_errors import OutOfRange
from fabnet.planning.setup_families import colour_change_minutes, typical_changeover_minutes


def machine(mid: str, *skills: MachineSkill, company: str = "acme") -> Machine:
    return Machine(id=mid, company_id=company, name=mid, skills=skills, hourly_rate_eur=Decimal("90.00"), power_kw=10)


def part(did: str = "p1", material_name: str = "S235", thickness: float | None = 3.0,
         box: tuple[float, float, float] = (200, 100, 50), mass: float = 1.0, tolerances: tuple[Tolerance, ...] = (),
         **features: object) -> Design:
    return Design(id=did, name=did, owner_id="oem", product_family="test", material=material_name,
                  thickness_mm=thickness, bounding_box=BoundingBox(x_mm=box[0], y_mm=box[1], z_mm=box[2]),
                  mass_kg=mass, features=Features(**features), tolerances=tolerances)


def tol(half: float, name: str = "bore") -> Tolerance:
    return Tolerance(characteristic=name, nominal_mm=10.0, lower_mm=10.0 - half, upper_mm=10.0 + half)


LASER_6 = machine("laser-6", MachineSkill(skill="cut.laser", max_thickness_mm=20, envelope_mm=(3000, 1500, 100),
                                          tolerance_mm=0.1, parameters={"power_kw": 6}))
BRAKE = machine("brake", MachineSkill(skill="bend.press_brake", max_thickness_mm=12, tolerance_mm=0.2,
                                      parameters={"force_t": 100, "bend_length_mm": 3000}))
MIG = machine("mig", MachineSkill(skill="weld.mig", parameters={"current_a": 350}))
ROBOT = machine("robot", MachineSkill(skill="weld.robot", materials=("steel",), parameters={"current_a": 400}))
MILL_3 = machine("mill-3", MachineSkill(skill="mill.cnc_3axis", envelope_mm=(1000, 600, 600), tolerance_mm=0.02,
                                        parameters={"spindle_kw": 15}))
LATHE = machine("lathe", MachineSkill(skill="turn.cnc", tolerance_mm=0.01, parameters={"max_diameter_mm": 300}))
COATER = machine("coat", MachineSkill(skill="coat.powder", materials=("steel", "aluminium"),
                                      parameters={"line_speed_m_min": 1.5}))
WAAM = machine("waam", MachineSkill(skill="print.metal_waam", parameters={"deposition_kg_h": 2.0}))
FDM = machine("fdm", MachineSkill(skill="print.polymer_fdm", materials=("polymer",),
                                  parameters={"deposition_cm3_h": 30}))
BENCH = machine("bench", MachineSkill(skill="assemble.manual"))
CMM = machine("cmm", MachineSkill(skill="inspect.cmm", envelope_mm=(1200, 1000, 800), tolerance_mm=0.002))
FACTORY = [LASER_6, BRAKE, MIG, ROBOT, MILL_3, LATHE, COATER, WAAM, FDM, BENCH, CMM]


def durations(plan, op_id: str) -> dict[str, int]:
    op = next(o for o in plan.operations if o.id == op_id)
    return {m.machine_id: m.duration_min for m in op.modes}


# --- hand-computed durations (formulas in fabnet.planning.time_models) ---

def test_laser_duration_contour_over_speed_plus_pierces():
    plan = plan_process(part(cut_contour_mm=1000, holes=3), [LASER_6], quantity=100)
    # 6 kW, S235 3 mm: 10 m/min; pierce (0.1 + 0.1·3^1.3) s; 4 pierces (3 holes + outer contour)
    pierce_s = 0.1 + 0.1 * 3**1.3
    unit = 1000 / 10_000 + 4 * pierce_s / 60 + 0.25
    assert durations(plan, "cut") == {"laser-6": math.ceil(6 + 100 * unit)} == {"laser-6": 45}
    mode = plan.operations[0].modes[0]
    assert mode.instructions["speed_m_min"] == 10
    assert mode.instructions["gas"] == "N2"
    assert plan.operations[0].setup_family == "S235-3"


def test_laser_table_interpolates_thickness_and_power_and_stops_at_the_chart():
    assert laser_speed_m_min(MaterialGroup.STEEL, 5, 6) == pytest.approx((6.5 + 3.2) / 2)
    assert laser_speed_m_min(MaterialGroup.STEEL, 3, 9) == pytest.approx((10 + 25) / 2)
    assert laser_setting(MaterialGroup.STEEL, 8, 6).gas == "O2"
    with pytest.raises(OutOfRange, match="beyond the cutting chart of a 3 kW source"):
        laser_speed_m_min(MaterialGroup.STEEL, 15, 3)


def test_bending_bends_times_cycle_plus_tool_change():
    plan = plan_process(part(bends=2), [BRAKE], quantity=30)
    assert durations(plan, "bend") == {"brake": 15 + 30 * (2 * 10 / 60 + 0.3)} == {"brake": 34}
    op = plan.operations[0]
    assert op.setup_family == "V20"  # 6·t = 18 mm → stock die 20 mm
    force = 1.42 * (430 / 9.81) * 3**2 / 20 * 0.2
    assert op.modes[0].instructions["force_t"] == pytest.approx(force, abs=0.05)


def test_welding_length_over_travel_speed_manual_and_robot():
    plan = plan_process(part(weld_length_mm=900), [MIG, ROBOT], quantity=8)
    manual = 15 + 8 * (900 / (1000 * 0.30 * 0.35) + 5)
    robot = 30 + 8 * (900 / (1000 * 0.60 * 0.80) + 3)
    assert durations(plan, "weld") == {"mig": math.ceil(manual), "robot": math.ceil(robot)} == {"mig": 124, "robot": 69}
    assert plan.operations[0].skill == "weld.robot"  # the faster mode names the operation's skill
    assert plan.operations[0].modes[1].instructions["voltage_v"] == pytest.approx(14 + 0.05 * (40 + 35 * 3), abs=0.06)


def test_milling_volume_over_removal_rate():
    design = part(material_name="6082", thickness=None, box=(160, 120, 80), milled_volume_cm3=400, holes=6)
    plan = plan_process(design, [MILL_3], quantity=10)
    rate = 0.2 * 15_000 / 0.9 * 60 / 1000  # cm³/min at 20 % of 15 kW, aluminium 0.9 J/mm³
    assert rate == pytest.approx(200)
    assert durations(plan, "mill") == {"mill-3": math.ceil(30 + 10 * (400 / rate + 6 * 0.3 + 4))} == {"mill-3": 108}


def test_turning_two_roughing_and_one_finishing_pass():
    design = part(material_name="42CrMo4", thickness=None, box=(320, 40, 40), turned_length_mm=300)
    plan = plan_process(design, [LATHE], quantity=10)
    rpm = 1000 * 150 / (math.pi * 40)
    unit = 2 * 300 / (0.25 * rpm) + 300 / (0.1 * rpm) + 1.5
    assert durations(plan, "turn") == {"lathe": math.ceil(25 + 10 * unit)} == {"lathe": 86}


def test_coating_area_over_line_speed_with_hook_pitch_floor():
    plan = plan_process(part(box=(600, 300, 50), coated_area_m2=0.5, coating_colour="RAL9005"), [COATER], quantity=20)
    # area/speed = 0.33 min but a 0.6 m part plus 0.3 m gap needs 0.9 m of conveyor = 0.6 min
    assert durations(plan, "coat") == {"coat": math.ceil(20 + 20 * (0.6 + 0.5))} == {"coat": 42}
    assert plan.operations[0].setup_family == "RAL9005"


def test_waam_volume_over_deposition_rate_and_fdm():
    metal = plan_process(part(material_name="316L", thickness=None, printed_volume_cm3=400), [WAAM, FDM], quantity=2)
    unit = 1.25 * 400 * 8.0 / 1000 / 2.0 * 60 / 0.7 + 20
    assert durations(metal, "print") == {"waam": math.ceil(30 + 2 * unit)} == {"waam": 413}
    polymer = plan_process(part(material_name="PA12", thickness=None, printed_volume_cm3=60), [WAAM, FDM], quantity=3)
    assert durations(polymer, "print") == {"fdm": 5 + 3 * (60 / 30 * 60 + 8)}


def test_assembly_per_bom_line_after_its_components():
    a = part("comp-a", cut_contour_mm=500)
    b = part("comp-b", cut_contour_mm=300, bends=1)
    assembly = Design(id="asm", name="asm", owner_id="oem", product_family="test", kind=DesignKind.ASSEMBLY,
                      material="S235", thickness_mm=3, bounding_box=BoundingBox(x_mm=600, y_mm=400, z_mm=200),
                      mass_kg=5, features=Features(weld_length_mm=400, coated_area_m2=0.8, coating_colour="RAL7035"),
                      bom=(BomLine(design_id="comp-a", quantity=2), BomLine(design_id="comp-b", quantity=3)))
    plan = plan_process(assembly, FACTORY, quantity=4, designs={d.id: d for d in (a, b, assembly)})
    ops = {op.id: op for op in plan.operations}
    assert set(ops) == {"comp-a/cut", "comp-b/cut", "comp-b/bend", "assemble", "weld", "coat"}
    assert set(ops["assemble"].predecessors) == {"comp-a/cut", "comp-b/bend"}
    assert ops["weld"].predecessors == ("assemble",)
    assert ops["coat"].predecessors == ("weld",)
    assert ops["comp-a/cut"].instructions["quantity"] == 8  # 4 assemblies × 2
    assert durations(plan, "assemble") == {"bench": 10 + 4 * (5 + (3 + 2) + (3 + 3))}
    # without the component designs the components count as bought in
    alone = plan_process(assembly, FACTORY, quantity=4)
    assert [op.id for op in alone.operations] == ["assemble", "weld", "coat"]


def test_cmm_inspection_when_tolerance_is_tighter_than_forming_capability():
    loose = plan_process(part(cut_contour_mm=500, bends=1, tolerances=(tol(0.5),)), FACTORY)
    assert [op.id for op in loose.operations] == ["cut", "bend"]
    tight = plan_process(part(cut_contour_mm=500, bends=1, coated_area_m2=0.1, coating_colour="RAL9010",
                              tolerances=(tol(0.05, "hole pitch"), tol(0.1, "flange"))), FACTORY, quantity=16)
    ops = {op.id: op for op in tight.operations}
    assert list(ops) == ["cut", "bend", "coat", "inspect"]
    assert ops["inspect"].predecessors == ("coat",)
    # sample of 1 + ⌈√16⌉ = 5 parts, 5 + 1.5 · 2 characteristics each, 10 min program
    assert durations(tight, "inspect") == {"cmm": 10 + 5 * (5 + 1.5 * 2)}
    assert ops["inspect"].modes[0].instructions["characteristics"] == "hole pitch, flange"


def test_eligibility_filters_material_thickness_envelope_and_tolerance():
    laser_small = machine("laser-small", MachineSkill(skill="cut.laser", materials=("steel",), max_thickness_mm=6,
                                                      envelope_mm=(1000, 500, 50), parameters={"power_kw": 6}))
    plan = plan_process(part(thickness=8, box=(800, 400, 8), cut_contour_mm=2000), [LASER_6, laser_small])
    assert durations(plan, "cut").keys() == {"laser-6"}  # 8 mm > max_thickness_mm 6
    plan = plan_process(part(box=(1400, 300, 3), cut_contour_mm=2000), [LASER_6, laser_small])
    assert durations(plan, "cut").keys() == {"laser-6"}  # blank 1400 > bed 1000
    plan = plan_process(part(material_name="AlMg3", cut_contour_mm=500), [LASER_6, laser_small])
    assert durations(plan, "cut").keys() == {"laser-6"}  # aluminium not in (steel)
    mill_5 = machine("mill-5", MachineSkill(skill="mill.cnc_5axis", tolerance_mm=0.01))
    shaft = part(material_name="C45", thickness=None, milled_volume_cm3=50, tolerances=(tol(0.012),))
    assert durations(plan_process(shaft, [MILL_3, mill_5, CMM]), "mill").keys() == {"mill-5"}


def test_unmakeable_feature_without_skill_is_named():
    with pytest.raises(PlanningError, match=r"feature bends=4 \(bend\.press_brake\): no machine of acme has skill"):
        plan_process(part(cut_contour_mm=500, bends=4), [LASER_6])


def test_unmakeable_feature_out_of_range_names_the_range():
    with pytest.raises(PlanningError) as caught:
        plan_process(part(thickness=25, cut_contour_mm=500), [LASER_6])
    message = str(caught.value)
    assert "feature cut_contour_mm=500" in message
    assert "laser-6: thickness 25 mm above max_thickness_mm 20" in message
    weak = machine("weak", MachineSkill(skill="bend.press_brake", parameters={"force_t": 5, "bend_length_mm": 3000}))
    with pytest.raises(PlanningError, match=r"bends=1 .*weak: bending force \d+ t exceeds force_t 5"):
        plan_process(part(thickness=10, box=(2000, 300, 60), bends=1), [weak])
    with pytest.raises(PlanningError, match=r"tolerance ±0.005 mm tighter than tolerance_mm 0.02"):
        plan_process(part(material_name="C45", thickness=None, milled_volume_cm3=5, tolerances=(tol(0.005),)),
                     [MILL_3, CMM])


def test_partial_plan_lists_what_the_company_cannot_do():
    partial = plan_what_is_possible(part(cut_contour_mm=500, bends=2, coated_area_m2=0.1, coating_colour="RAL9005"),
                                    [LASER_6, BRAKE])
    assert partial.plan is not None
    assert [op.id for op in partial.plan.operations] == ["cut", "bend"]
    assert [s.operation_id for s in partial.skipped] == ["coat"]


def test_bad_designs_give_planning_errors():
    with pytest.raises(PlanningError, match="no manufacturing features"):
        plan_process(part(), FACTORY)
    with pytest.raises(PlanningError, match="material 'Unobtainium' is not in the material table"):
        plan_process(part(material_name="Unobtainium", cut_contour_mm=10), FACTORY)
    loop_a = Design(id="a", name="a", owner_id="o", product_family="f", kind=DesignKind.ASSEMBLY, material="S235",
                    bounding_box=BoundingBox(x_mm=1, y_mm=1, z_mm=1), mass_kg=1,
                    bom=(BomLine(design_id="b", quantity=1),))
    loop_b = loop_a.model_copy(update={"id": "b", "bom": (BomLine(design_id="a", quantity=1),)})
    with pytest.raises(PlanningError, match="bill of materials is cyclic"):
        plan_process(loop_a, FACTORY, designs={"a": loop_a, "b": loop_b})
    with pytest.raises(PlanningError, match="bom names design 'b', which is not among the designs given"):
        plan_process(loop_a, FACTORY, designs={})


def test_material_aliases_and_changeover_rules():
    assert material("1.4301").name == "304"
    assert colour_change_minutes("RAL9005", "RAL9010") > colour_change_minutes("RAL9010", "RAL9005")
    assert typical_changeover_minutes("cut", "S235-3", "S235-5") == 8
    assert typical_changeover_minutes("cut", "S235-3", "316L-3") == 20
    assert typical_changeover_minutes("bend", "V20", "V20") == 0
