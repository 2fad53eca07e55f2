"""Property: any design within the factory's ranges plans to a valid DAG whose durations grow with quantity."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabnet.domain import BomLine, BoundingBox, Design, DesignKind, Features, Machine, MachineSkill, Tolerance
from fabnet.planning.materials import MATERIALS, MaterialGroup
from fabnet.planning.process import plan_process

SHEET_METALS = sorted(n for n, m in MATERIALS.items()
                      if m.group in (MaterialGroup.STEEL, MaterialGroup.STAINLESS, MaterialGroup.ALUMINIUM))
POLYMERS = sorted(n for n, m in MATERIALS.items() if m.group is MaterialGroup.POLYMER)


def _machine(mid: str, skill: MachineSkill) -> Machine:
    return Machine(id=mid, company_id="wide", name=mid, skills=(skill,), hourly_rate_eur=Decimal("100.00"),
                   power_kw=20)


FACTORY = [
    _machine("laser-12", MachineSkill(skill="cut.laser", max_thickness_mm=20, envelope_mm=(4000, 2000, 100),
                                      tolerance_mm=0.1, parameters={"power_kw": 12})),
    _machine("laser-4", MachineSkill(skill="cut.laser", materials=("steel",), max_thickness_mm=10,
                                     envelope_mm=(3000, 1500, 100), parameters={"power_kw": 4})),
    _machine("waterjet", MachineSkill(skill="cut.waterjet", max_thickness_mm=100, envelope_mm=(4000, 2000, 150))),
    _machine("brake", MachineSkill(skill="bend.press_brake", materials=("steel", "stainless", "aluminium"),
                                   max_thickness_mm=20, parameters={"force_t": 3000, "bend_length_mm": 4000})),
    _machine("mig", MachineSkill(skill="weld.mig", parameters={"current_a": 400})),
    _machine("robot", MachineSkill(skill="weld.robot", materials=("steel", "stainless"), max_thickness_mm=15,
                                   envelope_mm=(2500, 1200, 1000), parameters={"current_a": 400})),
    _machine("mill-3", MachineSkill(skill="mill.cnc_3axis", tolerance_mm=0.02, parameters={"spindle_kw": 15})),
    _machine("mill-5", MachineSkill(skill="mill.cnc_5axis", tolerance_mm=0.005, envelope_mm=(800, 800, 600))),
    _machine("lathe", MachineSkill(skill="turn.cnc", tolerance_mm=0.005, parameters={"max_diameter_mm": 600})),
    _machine("waam", MachineSkill(skill="print.metal_waam", parameters={"deposition_kg_h": 3})),
    _machine("fdm", MachineSkill(skill="print.polymer_fdm", materials=("polymer",))),
    _machine("coat", MachineSkill(skill="coat.powder", materials=("steel", "aluminium", "stainless"))),
    _machine("bench", MachineSkill(skill="assemble.manual")),
    _machine("cmm", MachineSkill(skill="inspect.cmm", tolerance_mm=0.001)),
]

dims = st.floats(min_value=20, max_value=1500)
colours = st.sampled_from(["RAL9005", "RAL9010", "RAL7016", "RAL5010"])


@st.composite
def tolerances(draw: st.DrawFn) -> tuple[Tolerance, ...]:
    halves = draw(st.lists(st.sampled_from([0.01, 0.02, 0.05, 0.1, 0.5, 1.0]), max_size=3))
    return tuple(Tolerance(characteristic=f"c{i}", nominal_mm=50.0, lower_mm=50.0 - h, upper_mm=50.0 + h)
                 for i, h in enumerate(halves))


@st.composite
def sheet_part(draw: st.DrawFn, did: str) -> Design:
    thickness = draw(st.sampled_from([1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12]))
    coated = draw(st.booleans())
    features = Features(
        cut_contour_mm=draw(st.floats(min_value=50, max_value=8000)), holes=draw(st.integers(0, 20)),
        bends=draw(st.integers(0, 6)), weld_length_mm=draw(st.sampled_from([0.0, 150.0, 800.0])),
        coated_area_m2=draw(st.floats(min_value=0.01, max_value=3)) if coated else 0.0,
        coating_colour=draw(colours) if coated else None,
    )
    box = (draw(dims), draw(st.floats(min_value=20, max_value=1200)),
           draw(st.floats(min_value=thickness, max_value=400)))
    return Design(id=did, name=did, owner_id="oem", product_family="sheet",
                  material=draw(st.sampled_from(SHEET_METALS)), thickness_mm=thickness,
                  bounding_box=BoundingBox(x_mm=box[0], y_mm=box[1], z_mm=box[2]),
                  mass_kg=draw(st.floats(min_value=0.05, max_value=200)), features=features,
                  tolerances=draw(tolerances()))


@st.composite
def solid_part(draw: st.DrawFn, did: str) -> Design:
    polymer = draw(st.booleans())
    material = draw(st.sampled_from(POLYMERS if polymer else SHEET_METALS))
    features = Features(
        printed_volume_cm3=draw(st.floats(min_value=5, max_value=2000)) if polymer or draw(st.booleans()) else 0.0,
        milled_volume_cm3=draw(st.floats(min_value=1, max_value=800)) if draw(st.booleans()) else 0.0,
        turned_length_mm=draw(st.floats(min_value=10, max_value=500)) if draw(st.booleans()) else 0.0,
        holes=draw(st.integers(0, 12)),
    )
    if not (features.printed_volume_cm3 or features.milled_volume_cm3 or features.turned_length_mm or features.holes):
        features = features.model_copy(update={"milled_volume_cm3": 10.0})
    side = draw(st.floats(min_value=10, max_value=500))
    return Design(id=did, name=did, owner_id="oem", product_family="solid", material=material,
                  bounding_box=BoundingBox(x_mm=draw(st.floats(min_value=10, max_value=600)), y_mm=side, z_mm=side),
                  mass_kg=draw(st.floats(min_value=0.01, max_value=50)), features=features,
                  tolerances=draw(tolerances()))


@st.composite
def design_with_components(draw: st.DrawFn) -> tuple[Design, dict[str, Design]]:
    if draw(st.booleans()):
        design = draw(st.one_of(sheet_part("d"), solid_part("d")))
        return design, {design.id: design}
    components = [draw(st.one_of(sheet_part(f"c{i}"), solid_part(f"c{i}"))) for i in range(draw(st.integers(1, 3)))]
    coated = draw(st.booleans())
    assembly = Design(
        id="asm", name="asm", owner_id="oem", product_family="frames", kind=DesignKind.ASSEMBLY, material="S235",
        thickness_mm=draw(st.sampled_from([2, 4, 8])), bounding_box=BoundingBox(x_mm=1200, y_mm=600, z_mm=400),
        mass_kg=40, tolerances=draw(tolerances()),
        features=Features(weld_length_mm=draw(st.sampled_from([0.0, 600.0, 2400.0])),
                          coated_area_m2=1.5 if coated else 0.0, coating_colour="RAL7035" if coated else None),
        bom=tuple(BomLine(design_id=c.id, quantity=draw(st.integers(1, 4))) for c in components),
    )
    return assembly, {d.id: d for d in (*components, assembly)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=design_with_components(), quantity=st.integers(1, 50))
def test_designs_within_range_plan_to_a_valid_dag_with_growing_durations(case, quantity):
    design, designs = case
    plan = plan_process(design, FACTORY, quantity=quantity, designs=designs)
    order = plan.topological_order()  # raises on a cycle
    assert len(order) == len(plan.operations)
    position = {op.id: i for i, op in enumerate(plan.operations)}
    for op in plan.operations:
        assert op.modes, op.id
        assert all(mode.duration_min > 0 for mode in op.modes)
        assert all(position[p] < position[op.id] for p in op.predecessors)  # listed in a topological order
    bigger = plan_process(design, FACTORY, quantity=quantity * 100, designs=designs)
    for small_op, big_op in zip(plan.operations, bigger.operations, strict=True):
        assert small_op.id == big_op.id
        for small, big in zip(small_op.modes, big_op.modes, strict=True):
            assert big.machine_id == small.machine_id
            assert big.duration_min > small.duration_min
