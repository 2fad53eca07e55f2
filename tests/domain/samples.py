"""Small, valid domain records for tests: a two-hub network of three companies, with a plan, schedule and part."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from fabnet.domain import (
    Address,
    BomLine,
    BoundingBox,
    CadFile,
    ChangeoverMatrix,
    ChangeoverRule,
    Company,
    Design,
    DesignKind,
    Features,
    Fieldlab,
    Hub,
    Machine,
    MachineSkill,
    Measurement,
    Operation,
    OperationMode,
    Order,
    OrderStatus,
    Part,
    PartVerdict,
    ProcessPlan,
    RegionalNetwork,
    RouteStep,
    Schedule,
    ScheduledOperation,
    Shift,
    ShiftCalendar,
    TimeWindow,
    Tolerance,
)

ORIGIN = datetime(2026, 3, 2, tzinfo=UTC)
"""A Monday 00:00 UTC."""
CET = timezone(timedelta(hours=1))


def address(city: str = "Eindhoven", postal_code: str = "5612 AB") -> Address:
    return Address(street="Voorbeeldstraat 1", postal_code=postal_code, city=city, latitude=51.44, longitude=5.47)


def hub(hub_id: str = "hub-eindhoven") -> Hub:
    return Hub(id=hub_id, name="Hub Zuidoost (fictional)", region="Brainport", city="Eindhoven",
               latitude=51.44, longitude=5.47)


def company(company_id: str = "acme-sheet", hub_id: str = "hub-eindhoven", kvk: str = "12345678",
            role: str = "manufacturer") -> Company:
    return Company(id=company_id, name=f"{company_id} B.V. (fictional)", kvk=kvk, vat_id=f"NL{kvk}1B01",
                   address=address(), hub_id=hub_id, role=role, email=f"info@{company_id}.example")


def machine(machine_id: str = "laser-1", company_id: str = "acme-sheet") -> Machine:
    return Machine(
        id=machine_id,
        company_id=company_id,
        name="Fibre laser 6 kW",
        skills=(
            MachineSkill(skill="cut.laser", materials=("S235", "AlMg3"), max_thickness_mm=20.0,
                         envelope_mm=(3000.0, 1500.0, 25.0), tolerance_mm=0.1, parameters={"power_kw": 6.0}),
        ),
        hourly_rate_eur=Decimal("95.50"),
        power_kw=30.0,
        idle_power_kw=4.5,
        calendar=ShiftCalendar(shifts=(Shift(start_minute=6 * 60, end_minute=14 * 60),
                                       Shift(weekdays=(0, 1, 2, 3), start_minute=22 * 60, end_minute=30 * 60))),
        maintenance=(TimeWindow(start=2000, end=2240),),
        changeovers=ChangeoverMatrix(default_minutes=15, rules=(ChangeoverRule(from_family="S235-3",
                                                                               to_family="AlMg3-2", minutes=40),)),
        initial_family="S235-3",
        manufacturer="Fictional Lasers",
        model="FL-6",
        year_of_construction=2021,
    )


def bracket(design_id: str = "bracket-a", owner_id: str = "oem-1") -> Design:
    return Design(
        id=design_id,
        name="Mounting bracket",
        owner_id=owner_id,
        product_family="brackets",
        material="S235",
        thickness_mm=3.0,
        bounding_box=BoundingBox(x_mm=200, y_mm=120, z_mm=40),
        mass_kg=0.8,
        features=Features(cut_contour_mm=900.5, pierces=4, holes=4, bends=2, coated_area_m2=0.05,
                          coating_colour="RAL9005"),
        tolerances=(Tolerance(characteristic="hole pitch", nominal_mm=80.0, lower_mm=79.9, upper_mm=80.1),),
        cad_files=(CadFile(name="bracket-a.step", sha256="ab" * 32, size_bytes=12345),),
    )


def frame(design_id: str = "frame-a", owner_id: str = "oem-1") -> Design:
    return Design(
        id=design_id,
        name="Welded frame",
        owner_id=owner_id,
        product_family="frames",
        kind=DesignKind.ASSEMBLY,
        material="S235",
        bounding_box=BoundingBox(x_mm=800, y_mm=600, z_mm=400),
        mass_kg=12.0,
        features=Features(weld_length_mm=1200.0),
        bom=(BomLine(design_id="bracket-a", quantity=4),),
    )


def order(order_id: str = "o-1", quantity: int = 10, design_id: str = "bracket-a", days: int = 7) -> Order:
    return Order(id=order_id, customer_id="oem-1", supplier_id="acme-sheet", design_id=design_id,
                 quantity=quantity, release=ORIGIN.astimezone(CET), due=ORIGIN + timedelta(days=days),
                 weight=3, status=OrderStatus.RECEIVED, customer_reference=f"PO-{order_id}")


def network(order_count: int = 3) -> RegionalNetwork:
    return RegionalNetwork(
        name="mini",
        description="three companies under two hubs",
        origin=ORIGIN,
        hubs=(hub(), hub("hub-rotterdam")),
        fieldlabs=(Fieldlab(id="lab-1", name="Flexible Manufacturing (fictional)", theme="flexible automation",
                            hub_id="hub-eindhoven", partners=("acme-sheet",), investment_eur=Decimal("1250000.00")),),
        companies=(company(), company("oem-1", "hub-rotterdam", "87654321", "oem"),
                   company("weld-co", kvk="11223344")),
        machines=(machine(), machine("laser-2"), machine("laser-3", "weld-co")),
        designs=(bracket(), frame()),
        orders=tuple(order(f"o-{n}", quantity=n, design_id="bracket-a" if n % 2 else "frame-a")
                     for n in range(1, order_count + 1)),
    )


def process_plan(company_id: str = "acme-sheet", design_id: str = "bracket-a") -> ProcessPlan:
    return ProcessPlan(
        design_id=design_id,
        company_id=company_id,
        quantity=10,
        operations=(
            Operation(id="cut", skill="cut.laser", name="Laser cut", setup_family="S235-3",
                      modes=(OperationMode(machine_id="laser-1", duration_min=12, setup_minutes_hint=5),
                             OperationMode(machine_id="laser-2", duration_min=14)),
                      instructions={"program": "auto-1", "power_kw": 6.0, "passes": 1}),
            Operation(id="bend", skill="bend.press_brake", name="Bend", setup_family="V16",
                      predecessors=("cut",), modes=(OperationMode(machine_id="brake-1", duration_min=8),),
                      setup_attributes={"die": "V16"}, time_model="2 bends × 4 min"),
        ),
    )


def schedule(company_id: str = "acme-sheet") -> Schedule:
    return Schedule(company_id=company_id, origin=ORIGIN, status="OPTIMAL", objective=42.5,
                    operations=(ScheduledOperation(operation_id="o-1/cut", machine_id="laser-1", start=360, end=372),
                                ScheduledOperation(operation_id="o-1/bend", machine_id="brake-1", start=372, end=380)))


def part(part_id: str = "p-1", verdict: PartVerdict = PartVerdict.ACCEPTED) -> Part:
    made = ORIGIN + timedelta(hours=6)
    return Part(
        id=part_id,
        order_id="o-1",
        design_id="bracket-a",
        serial=f"SN-{part_id}",
        material_lot="LOT-7",
        route=(RouteStep(operation_id="cut", machine_id="laser-1", start=made, end=made + timedelta(minutes=12),
                         instructions={"program": "auto-1"}, signals_summary={"power_kw_mean": 5.8},
                         energy_kwh=1.2),),
        measurements=(Measurement(characteristic="hole pitch", value=80.02, timestamp=made, part_id=part_id,
                                  lower_limit=79.9, upper_limit=80.1),),
        verdict=verdict,
        co2_kg=0.9,
    )
