"""Builds the `brainport` reference scenario and writes it as the JSON files the loader reads.

Re-run after editing the tables below: `python -m fabnet.scenarios.brainport_generator`. The output is
deterministic (fixed seed, sorted keys), and a test checks that the committed JSON equals what this module
builds. Every company, person and number here is fictional; KvK and VAT ids only have the valid format.

Changeover matrices are not typed in: the generator plans every design on every company's machines, collects
the setup families each machine meets, and fills the matrix with `typical_changeover_minutes` for each pair,
so the matrices and the process planner always speak the same family names.
"""

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fabnet.domain import (
    Address,
    BomLine,
    BoundingBox,
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
    Order,
    RegionalNetwork,
    Shift,
    ShiftCalendar,
    TimeWindow,
    Tolerance,
)
from fabnet.domain.skills import skill_definition
from fabnet.planning.process import plan_what_is_possible
from fabnet.planning.setup_families import colour_lightness, typical_changeover_minutes
from fabnet.scenarios.loader import SCENARIO_FILES

ORIGIN = datetime(2026, 11, 30, tzinfo=UTC)
"""Monday 30 November 2026, 00:00 UTC: the start of the four-week order window."""
SEED = 20261130
ORDER_COUNT = 64

TWO_SHIFTS = ShiftCalendar(shifts=(Shift(start_minute=360, end_minute=840), Shift(start_minute=840, end_minute=1320)))
ONE_SHIFT = ShiftCalendar(shifts=(Shift(start_minute=450, end_minute=960),))
THREE_SHIFTS = ShiftCalendar(shifts=(Shift(start_minute=0, end_minute=1440),))
ALWAYS = ShiftCalendar()

_METALS = ("steel", "stainless", "aluminium")
_DEFAULT_CHANGEOVER = {"cut": 15, "bend": 12, "weld": 15, "mill": 20, "turn": 20, "print": 45, "coat": 30}


def _day(day: int, start_minute: int, end_minute: int, reason: str) -> TimeWindow:
    return TimeWindow(start=day * 1440 + start_minute, end=day * 1440 + end_minute, reason=reason)


def hubs() -> tuple[Hub, ...]:
    rows = (
        ("hub-brainport", "Smart Industry Hub Zuid (Brainport)", "Zuid-Nederland", "Eindhoven", 51.4416, 5.4697),
        ("hub-rotterdam", "Smart Industry Hub Zuid-Holland (Rotterdam)", "Zuid-Holland", "Rotterdam", 51.9225, 4.4792),
        ("hub-oost", "Smart Industry Hub Oost", "Oost-Nederland", "Enschede", 52.2215, 6.8937),
        ("hub-noord", "Smart Industry Hub Noord", "Noord-Nederland", "Groningen", 53.2194, 6.5665),
        ("hub-noordwest", "Smart Industry Hub Noordwest", "Noordwest-Nederland", "Amsterdam", 52.3676, 4.9041),
    )
    return tuple(Hub(id=i, name=n, region=r, city=c, latitude=la, longitude=lo) for i, n, r, c, la, lo in rows)


def fieldlabs() -> tuple[Fieldlab, ...]:
    return (
        Fieldlab(id="fl-flexmaak", name="Fieldlab Flexibele Maakindustrie (fictional)",
                 theme="flexible production automation", hub_id="hub-brainport",
                 partners=("kempenplaat", "dommeldraai", "brabant-agri"),
                 investment_eur=Decimal("2400000"), private_investment_eur=Decimal("1300000")),
        Fieldlab(id="fl-havenketen", name="Fieldlab Digitale Havenketen (fictional)",
                 theme="digitally integrated production network", hub_id="hub-rotterdam",
                 partners=("maaslas", "rijnmond-coat", "vonkwerk", "havenkraan"),
                 investment_eur=Decimal("1800000"), private_investment_eur=Decimal("900000")),
    )


def companies() -> tuple[Company, ...]:
    rows = (
        ("kempenplaat", "Kempenplaat Sheet Metal B.V.", "99120401", "Fictieweg 12", "5504 AA", "Veldhoven",
         51.4183, 5.4036, "hub-brainport", "manufacturer"),
        ("dommeldraai", "Dommeldraai Precision Machining B.V.", "99120402", "Verzonnenlaan 7", "5684 PJ", "Best",
         51.5075, 5.3903, "hub-brainport", "manufacturer"),
        ("brabant-agri", "Brabant Agri Systems B.V.", "99120403", "Denkbeeldstraat 150", "5651 GH", "Eindhoven",
         51.4531, 5.4337, "hub-brainport", "oem"),
        ("maaslas", "Maaslas Welding & Assembly B.V.", "99120404", "Voorbeeldkade 33", "3112 AB", "Schiedam",
         51.9175, 4.3989, "hub-rotterdam", "manufacturer"),
        ("rijnmond-coat", "Rijnmond Coating Works B.V.", "99120405", "Proefweg 4", "2991 LD", "Barendrecht",
         51.8569, 4.5347, "hub-rotterdam", "manufacturer"),
        ("vonkwerk", "Vonkwerk Additive Spares B.V.", "99120406", "Schijnhaven 21", "3089 JH", "Rotterdam",
         51.8831, 4.4339, "hub-rotterdam", "manufacturer"),
        ("havenkraan", "Havenkraan Equipment B.V.", "99120407", "Fantasieweg 88", "3199 LC", "Rotterdam",
         51.9536, 4.0453, "hub-rotterdam", "oem"),
    )
    return tuple(
        Company(id=cid, name=name, kvk=kvk, vat_id=f"NL8{kvk}B01",
                address=Address(street=street, postal_code=postcode, city=city, latitude=lat, longitude=lon),
                hub_id=hub, role=role, email=f"planning@{cid}.example")
        for cid, name, kvk, street, postcode, city, lat, lon, hub, role in rows
    )


def _machine(mid: str, company: str, name: str, skills: tuple[MachineSkill, ...], rate: str, power: float,
             calendar: ShiftCalendar, *, maker: str, model: str, year: int,
             maintenance: tuple[TimeWindow, ...] = ()) -> Machine:
    return Machine(id=mid, company_id=company, name=name, skills=skills, hourly_rate_eur=Decimal(rate),
                   power_kw=power, idle_power_kw=round(power * 0.15, 1), calendar=calendar, maintenance=maintenance,
                   manufacturer=maker, model=model, year_of_construction=year)


def _laser(kw: float, max_t: float, bed: tuple[float, float], materials: tuple[str, ...] = _METALS) -> MachineSkill:
    return MachineSkill(skill="cut.laser", materials=materials, min_thickness_mm=0.5, max_thickness_mm=max_t,
                        envelope_mm=(bed[0], bed[1], 100), tolerance_mm=0.1, parameters={"power_kw": kw})


def _brake(force_t: float, length_mm: float, max_t: float) -> MachineSkill:
    return MachineSkill(skill="bend.press_brake", materials=_METALS, min_thickness_mm=0.5, max_thickness_mm=max_t,
                        tolerance_mm=0.2, parameters={"force_t": force_t, "bend_length_mm": length_mm})


def _mill(code: str, envelope: tuple[float, float, float], kw: float, rpm: float, tol: float) -> MachineSkill:
    return MachineSkill(skill=code, materials=(*_METALS, "polymer"), envelope_mm=envelope, tolerance_mm=tol,
                        parameters={"spindle_kw": kw, "spindle_rpm": rpm})


def _cmm(envelope: tuple[float, float, float], accuracy_mm: float) -> MachineSkill:
    return MachineSkill(skill="inspect.cmm", envelope_mm=envelope, tolerance_mm=accuracy_mm,
                        parameters={"probe_accuracy_um": accuracy_mm * 1000})


def machines_without_changeovers() -> tuple[Machine, ...]:
    """All machines of the scenario; changeover matrices are added by `with_changeovers`."""
    kp, dd, ml, rc, vw = "kempenplaat", "dommeldraai", "maaslas", "rijnmond-coat", "vonkwerk"
    return (
        _machine("kp-laser-12", kp, "Fiber laser 12 kW, 3015 bed, automatic loading",
                 (_laser(12, 25, (3000, 1500)),), "150.00", 55, THREE_SHIFTS,
                 maker="Fictilaser", model="FL-3015 12k", year=2023),
        _machine("kp-laser-6", kp, "Fiber laser 6 kW, 3015 bed", (_laser(6, 20, (3000, 1500)),), "120.00", 32,
                 TWO_SHIFTS, maker="Fictilaser", model="FL-3015 6k", year=2019,
                 maintenance=(_day(9, 360, 840, "laser source service"),)),
        _machine("kp-laser-3", kp, "Fiber laser 3 kW, 2512 bed",
                 (_laser(3, 12, (2500, 1250), ("steel", "stainless")),), "95.00", 18, ONE_SHIFT,
                 maker="Fictilaser", model="FL-2512 3k", year=2014),
        _machine("kp-waterjet", kp, "Abrasive waterjet 3020",
                 (MachineSkill(skill="cut.waterjet", max_thickness_mm=100, envelope_mm=(3000, 2000, 150),
                               tolerance_mm=0.15, parameters={"pressure_bar": 3800}),),
                 "110.00", 45, ONE_SHIFT, maker="Aquafict", model="AJ-3020", year=2017),
        _machine("kp-brake-135", kp, "Press brake 135 t × 3100 mm", (_brake(135, 3100, 12),), "85.00", 11,
                 TWO_SHIFTS, maker="Buigmeester", model="BM 135-31", year=2020),
        _machine("kp-brake-220", kp, "Press brake 220 t × 4100 mm", (_brake(220, 4100, 20),), "95.00", 18,
                 ONE_SHIFT, maker="Buigmeester", model="BM 220-41", year=2016),
        _machine("kp-brake-50", kp, "Electric press brake 50 t × 1250 mm", (_brake(50, 1250, 4),), "75.00", 7,
                 TWO_SHIFTS, maker="Buigmeester", model="eBM 50-12", year=2022),
        _machine("kp-cmm", kp, "Portal CMM 1000 × 700 × 600", (_cmm((1000, 700, 600), 0.002),), "95.00", 3,
                 ONE_SHIFT, maker="Meetfict", model="PC 10-7-6", year=2021),
        _machine("dd-mill-3a-1", dd, "Vertical machining centre 1000", (_mill("mill.cnc_3axis", (1000, 600, 600),
                 15, 12000, 0.02),), "85.00", 25, TWO_SHIFTS, maker="Freesfict", model="VMC 1000", year=2018),
        _machine("dd-mill-3a-2", dd, "Vertical machining centre 1600", (_mill("mill.cnc_3axis", (1600, 800, 700),
                 22, 8000, 0.02),), "90.00", 30, TWO_SHIFTS, maker="Freesfict", model="VMC 1600", year=2015),
        _machine("dd-mill-5a", dd, "5-axis machining centre", (_mill("mill.cnc_5axis", (650, 650, 500), 25, 18000,
                 0.01),), "140.00", 35, TWO_SHIFTS, maker="Freesfict", model="5X 650", year=2022,
                 maintenance=(_day(11, 360, 1320, "spindle replacement"),)),
        _machine("dd-lathe-1", dd, "CNC lathe Ø300", (MachineSkill(skill="turn.cnc", materials=(*_METALS, "polymer"),
                 envelope_mm=(800, 300, 300), tolerance_mm=0.01,
                 parameters={"max_diameter_mm": 300, "spindle_rpm": 4000}),), "80.00", 22, TWO_SHIFTS,
                 maker="Draaifict", model="TL 300", year=2019),
        _machine("dd-lathe-2", dd, "Mill-turn centre Ø500", (
            MachineSkill(skill="turn.cnc", materials=_METALS, envelope_mm=(1500, 500, 500), tolerance_mm=0.01,
                         parameters={"max_diameter_mm": 500, "spindle_rpm": 2500}),
            _mill("mill.cnc_3axis", (1500, 500, 500), 11, 6000, 0.02)), "95.00", 30, ONE_SHIFT,
                 maker="Draaifict", model="MT 500", year=2021),
        _machine("dd-cmm", dd, "Portal CMM 1200 × 1000 × 800", (_cmm((1200, 1000, 800), 0.0019),), "95.00", 3,
                 ONE_SHIFT, maker="Meetfict", model="PC 12-10-8", year=2020),
        _machine("dd-assembly", dd, "Assembly bench with torque tools",
                 (MachineSkill(skill="assemble.manual", envelope_mm=(2000, 1000, 1000)),), "60.00", 1.5, ONE_SHIFT,
                 maker="Werkbankfict", model="AB-2", year=2020),
        _machine("ml-mig-1", ml, "MIG/MAG welding station 1",
                 (MachineSkill(skill="weld.mig", materials=_METALS, min_thickness_mm=1, max_thickness_mm=20,
                               tolerance_mm=0.5, parameters={"current_a": 350}),), "65.00", 12, TWO_SHIFTS,
                 maker="Lasfict", model="Pulse 350", year=2018),
        _machine("ml-mig-2", ml, "MIG/MAG welding station 2",
                 (MachineSkill(skill="weld.mig", materials=("steel", "stainless"), min_thickness_mm=1,
                               max_thickness_mm=16, tolerance_mm=0.5, parameters={"current_a": 300}),),
                 "65.00", 11, ONE_SHIFT, maker="Lasfict", model="Synergic 300", year=2012),
        _machine("ml-robot", ml, "Robot welding cell, two-station positioner",
                 (MachineSkill(skill="weld.robot", materials=("steel", "stainless"), min_thickness_mm=1,
                               max_thickness_mm=15, envelope_mm=(2500, 1200, 1000), tolerance_mm=0.3,
                               parameters={"current_a": 400}),), "95.00", 18, TWO_SHIFTS,
                 maker="Robofict", model="RWC-2500", year=2021, maintenance=(_day(14, 360, 1320, "robot service"),)),
        _machine("ml-assembly-1", ml, "Assembly and fit-up bay 1", (MachineSkill(skill="assemble.manual"),), "60.00",
                 2, TWO_SHIFTS, maker="Werkbankfict", model="Bay-6", year=2016),
        _machine("ml-assembly-2", ml, "Assembly and fit-up bay 2", (MachineSkill(skill="assemble.manual"),), "60.00",
                 2, ONE_SHIFT, maker="Werkbankfict", model="Bay-4", year=2019),
        _machine("ml-cmm", ml, "Large portal CMM 3000 × 2000 × 1500", (_cmm((3000, 2000, 1500), 0.005),), "90.00",
                 4, ONE_SHIFT, maker="Meetfict", model="PC 30-20-15", year=2017),
        _machine("rc-line", rc, "Powder-coating conveyor line with cure oven",
                 (MachineSkill(skill="coat.powder", materials=("steel", "aluminium"), envelope_mm=(2500, 1800, 600),
                               parameters={"line_speed_m_min": 1.5}),), "110.00", 180, TWO_SHIFTS,
                 maker="Poederfict", model="CL-25", year=2019,
                 maintenance=(_day(19, 360, 840, "oven burner service"),)),
        _machine("rc-booth", rc, "Batch powder booth with box oven for large parts",
                 (MachineSkill(skill="coat.powder", materials=("steel", "aluminium", "stainless"),
                               envelope_mm=(6000, 2000, 2500), parameters={"line_speed_m_min": 0.4}),),
                 "80.00", 60, ONE_SHIFT, maker="Poederfict", model="BB-60", year=2015),
        _machine("vw-waam-1", vw, "WAAM cell 1500", (MachineSkill(skill="print.metal_waam",
                 materials=("steel", "stainless"), envelope_mm=(1500, 1000, 1000), tolerance_mm=1.0,
                 parameters={"deposition_kg_h": 3.0}),), "130.00", 15, ALWAYS,
                 maker="Draadfict", model="WA-15", year=2022),
        _machine("vw-waam-2", vw, "WAAM cell 1000", (MachineSkill(skill="print.metal_waam",
                 materials=("steel", "stainless", "aluminium"), envelope_mm=(1000, 800, 800), tolerance_mm=1.0,
                 parameters={"deposition_kg_h": 2.0}),), "120.00", 12, ALWAYS,
                 maker="Draadfict", model="WA-10", year=2020, maintenance=(_day(16, 0, 720, "torch rebuild"),)),
        _machine("vw-fdm", vw, "Industrial FDM printer", (MachineSkill(skill="print.polymer_fdm",
                 materials=("polymer",), envelope_mm=(500, 500, 500), tolerance_mm=0.3,
                 parameters={"deposition_cm3_h": 30}),), "60.00", 1.5, ALWAYS,
                 maker="Printfict", model="F-500", year=2023),
        _machine("vw-fdm-2", vw, "Industrial FDM printer, second unit", (MachineSkill(skill="print.polymer_fdm",
                 materials=("polymer",), envelope_mm=(400, 400, 400), tolerance_mm=0.3,
                 parameters={"deposition_cm3_h": 25}),), "60.00", 1.2, ALWAYS,
                 maker="Printfict", model="F-400", year=2021),
        _machine("vw-mill-5a", vw, "5-axis post-machining centre", (_mill("mill.cnc_5axis", (800, 800, 600), 20,
                 15000, 0.01),), "135.00", 30, TWO_SHIFTS, maker="Freesfict", model="5X 800", year=2021),
        _machine("vw-cmm-arm", vw, "Portable measuring arm with probe", (_cmm((1800, 1800, 1800), 0.025),), "70.00",
                 0.5, ONE_SHIFT, maker="Meetfict", model="Arm-18", year=2022),
    )


def _part(did: str, name: str, owner: str, family: str, material: str, thickness: float | None,
          box: tuple[float, float, float], mass: float, features: Features,
          tolerances: tuple[Tolerance, ...] = ()) -> Design:
    return Design(id=did, name=name, owner_id=owner, product_family=family, material=material,
                  thickness_mm=thickness, bounding_box=BoundingBox(x_mm=box[0], y_mm=box[1], z_mm=box[2]),
                  mass_kg=mass, features=features, tolerances=tolerances)


def _assembly(did: str, name: str, owner: str, family: str, material: str, thickness: float | None,
              box: tuple[float, float, float], mass: float, features: Features, bom: tuple[tuple[str, int], ...],
              tolerances: tuple[Tolerance, ...] = ()) -> Design:
    return Design(id=did, name=name, owner_id=owner, product_family=family, kind=DesignKind.ASSEMBLY,
                  material=material, thickness_mm=thickness,
                  bounding_box=BoundingBox(x_mm=box[0], y_mm=box[1], z_mm=box[2]), mass_kg=mass, features=features,
                  bom=tuple(BomLine(design_id=d, quantity=q) for d, q in bom), tolerances=tolerances)


def _tol(name: str, nominal: float, plus_minus: float) -> Tolerance:
    return Tolerance(characteristic=name, nominal_mm=nominal, lower_mm=round(nominal - plus_minus, 4),
                     upper_mm=round(nominal + plus_minus, 4))


def designs() -> tuple[Design, ...]:
    ba, hk = "brabant-agri", "havenkraan"
    return (
        _part("br-100", "Mounting bracket L40", ba, "brackets", "S235", 3, (120, 80, 60), 0.25,
              Features(cut_contour_mm=620, holes=4, bends=1, coated_area_m2=0.045, coating_colour="RAL9005")),
        _part("br-110", "Sensor bracket", ba, "brackets", "304", 2, (90, 60, 40), 0.09,
              Features(cut_contour_mm=480, holes=3, bends=2), (_tol("hole pitch", 42.0, 0.05),)),
        _part("br-120", "Hopper cover plate", ba, "brackets", "AlMg3", 2, (420, 300, 35), 0.7,
              Features(cut_contour_mm=1560, holes=8, bends=4, coated_area_m2=0.28, coating_colour="RAL9010")),
        _part("br-130", "Base plate 12 mm", hk, "brackets", "S355", 12, (600, 400, 12), 22.6,
              Features(cut_contour_mm=2200, holes=8, coated_area_m2=0.55, coating_colour="RAL7016")),
        _part("br-140", "Hinge bracket", hk, "brackets", "S355", 6, (160, 100, 80), 1.1,
              Features(cut_contour_mm=700, holes=2, bends=2, coated_area_m2=0.09, coating_colour="RAL2004")),
        _assembly("fr-200", "Conveyor side frame", ba, "frames", "S235", 4, (2000, 600, 400), 48.0,
                  Features(weld_length_mm=2400, coated_area_m2=3.2, coating_colour="RAL5010"),
                  (("fr-210", 2), ("fr-220", 4)), (_tol("overall length", 2000.0, 0.5),)),
        _part("fr-210", "Side plate", ba, "frames", "S235", 4, (2000, 400, 40), 25.0,
              Features(cut_contour_mm=5200, holes=12, bends=2)),
        _part("fr-220", "Cross member", ba, "frames", "S235", 5, (560, 80, 60), 2.1,
              Features(cut_contour_mm=1400, holes=4, bends=2)),
        _assembly("fr-300", "Machine base weldment", hk, "frames", "S355", 10, (1600, 800, 500), 160.0,
                  Features(weld_length_mm=3600, coated_area_m2=4.8, coating_colour="RAL7035"),
                  (("fr-310", 1), ("fr-220", 2)), (_tol("mounting face flatness", 0.0, 0.2),)),
        _part("fr-310", "Base plate 10 mm", hk, "frames", "S355", 10, (1600, 800, 10), 100.0,
              Features(cut_contour_mm=4900, holes=10)),
        _part("mc-400", "Drive shaft Ø40", ba, "machined", "42CrMo4", None, (400, 40, 40), 3.7,
              Features(turned_length_mm=380, milled_volume_cm3=4), (_tol("bearing seat diameter", 40.0, 0.01),)),
        _part("mc-410", "Bearing housing", ba, "machined", "6082", None, (160, 120, 80), 1.6,
              Features(milled_volume_cm3=320, holes=6), (_tol("bearing bore diameter", 72.0, 0.02),)),
        _part("mc-420", "Gearbox cover", hk, "machined", "C45", None, (300, 220, 40), 6.5,
              Features(milled_volume_cm3=180, holes=8, coated_area_m2=0.15, coating_colour="RAL7016"),
              (_tol("bolt circle position", 0.0, 0.05),)),
        _part("mc-430", "Roller shaft", hk, "machined", "316L", None, (620, 50, 50), 9.6,
              Features(turned_length_mm=600), (_tol("journal diameter", 50.0, 0.02),)),
        _assembly("mc-450", "Drive unit", ba, "machined", "S355", None, (450, 180, 160), 7.0, Features(),
                  (("mc-400", 1), ("mc-410", 2)), (_tol("shaft alignment", 0.0, 0.03),)),
        _part("sp-500", "Pump impeller spare (WAAM)", hk, "spares", "316L", None, (260, 260, 90), 5.2,
              Features(printed_volume_cm3=850, milled_volume_cm3=120), (_tol("sealing face", 0.0, 0.1),)),
        _part("sp-510", "Crane hook block insert (WAAM)", hk, "spares", "S355", None, (300, 200, 150), 9.5,
              Features(printed_volume_cm3=1400, milled_volume_cm3=200, holes=4), (_tol("pin bore", 60.0, 0.1),)),
        _part("sp-520", "Conveyor guide shoe (FDM)", ba, "spares", "PA12", None, (140, 60, 40), 0.1,
              Features(printed_volume_cm3=95)),
        _part("sp-530", "Cable gland housing (FDM)", hk, "spares", "PETG", None, (80, 80, 60), 0.06,
              Features(printed_volume_cm3=40)),
    )


# design: (supplier, min quantity, max quantity, step, relative frequency)
_ORDER_MIX: dict[str, tuple[str, int, int, int, int]] = {
    "br-100": ("kempenplaat", 100, 500, 50, 5), "br-110": ("kempenplaat", 50, 300, 25, 4),
    "br-120": ("kempenplaat", 20, 120, 10, 3), "br-130": ("kempenplaat", 10, 60, 5, 3),
    "br-140": ("kempenplaat", 40, 200, 20, 3), "fr-210": ("kempenplaat", 4, 16, 2, 3),
    "fr-220": ("kempenplaat", 8, 40, 4, 3), "fr-310": ("kempenplaat", 2, 8, 1, 2),
    "fr-200": ("maaslas", 2, 8, 1, 4), "fr-300": ("maaslas", 1, 4, 1, 3),
    "mc-400": ("dommeldraai", 10, 60, 5, 3), "mc-410": ("dommeldraai", 10, 80, 10, 3),
    "mc-420": ("dommeldraai", 5, 40, 5, 2), "mc-430": ("dommeldraai", 5, 30, 5, 2),
    "mc-450": ("dommeldraai", 4, 20, 2, 2),
    "sp-500": ("vonkwerk", 1, 3, 1, 3), "sp-510": ("vonkwerk", 1, 2, 1, 2),
    "sp-520": ("vonkwerk", 4, 12, 2, 3), "sp-530": ("vonkwerk", 5, 20, 5, 2),
}
# parts whose coating is also ordered from the coater on its own (bought-in blanks coated to order)
_COATING_ORDERS: dict[str, tuple[int, int, int]] = {"br-100": (100, 500, 50), "br-120": (20, 120, 10),
                                                    "br-130": (10, 60, 5), "br-140": (40, 200, 20)}


_RUSH_EVERY = 9


def _business_day(index: int) -> datetime:
    """The `index`-th weekday (0 = the origin Monday) at 00:00."""
    return ORIGIN + timedelta(days=index // 5 * 7 + index % 5)


def orders(design_list: tuple[Design, ...]) -> tuple[Order, ...]:
    rng = random.Random(SEED)
    owner = {d.id: d.owner_id for d in design_list}
    choices = [did for did, row in _ORDER_MIX.items() for _ in range(row[4])]
    coating = list(_COATING_ORDERS)
    result: list[Order] = []
    for n in range(1, ORDER_COUNT + 1):
        if n % 8 == 0:
            did = coating[(n // 8) % len(coating)]
            supplier, (low, high, step) = "rijnmond-coat", _COATING_ORDERS[did]
        else:
            did = rng.choice(choices)
            supplier, low, high, step, _ = _ORDER_MIX[did]
        release_day = rng.randrange(0, 16)
        lead_days = rng.randrange(4, 10)
        weight = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        if n % _RUSH_EVERY == _RUSH_EVERY // 2:  # a rush order: due the next working day, top priority
            lead_days, weight = 1, 3
        release = _business_day(release_day) + timedelta(hours=7)
        due = _business_day(release_day + lead_days) + timedelta(hours=16)
        result.append(Order(
            id=f"bp-o{n:03d}", customer_id=owner[did], supplier_id=supplier, design_id=did,
            quantity=rng.randrange(low, high + 1, step), release=release, due=due, weight=weight,
            customer_reference=f"PO-45{rng.randrange(10**6, 10**7)}",
        ))
    return tuple(result)


def with_changeovers(machines: tuple[Machine, ...], design_list: tuple[Design, ...]) -> tuple[Machine, ...]:
    """Give each machine the changeover matrix over the setup families the scenario's designs need on it."""
    by_id = {d.id: d for d in design_list}
    families: dict[str, set[str]] = {m.id: set() for m in machines}
    company_ids = sorted({m.company_id for m in machines})
    for company_id in company_ids:
        own = [m for m in machines if m.company_id == company_id]
        for design in design_list:
            plan = plan_what_is_possible(design, own, designs=by_id).plan
            for op in plan.operations if plan else ():
                for mode in op.modes:
                    families[mode.machine_id].add(op.setup_family)
    result = []
    for machine in machines:
        process = skill_definition(machine.skills[0].skill).process
        names = sorted(families[machine.id])
        rules = tuple(
            ChangeoverRule(from_family=a, to_family=b, minutes=typical_changeover_minutes(process, a, b))
            for a in names for b in names if a != b
        )
        initial = max(names, key=colour_lightness) if process == "coat" and names else None
        result.append(machine.model_copy(update={
            "changeovers": ChangeoverMatrix(default_minutes=_DEFAULT_CHANGEOVER.get(process, 0), rules=rules),
            "initial_family": initial,
        }))
    return tuple(result)


def build_brainport() -> RegionalNetwork:
    """The whole scenario, validated."""
    design_list = designs()
    return RegionalNetwork(
        name="brainport",
        description=("A fictional regional production network around Eindhoven (Brainport) and Rotterdam: a "
                     "sheet-metal job shop, a CNC machining shop, a welding and assembly company, a powder coater, "
                     "a WAAM spare-parts maker and two OEM customers, with four weeks of orders."),
        origin=ORIGIN,
        hubs=hubs(),
        fieldlabs=fieldlabs(),
        companies=companies(),
        machines=with_changeovers(machines_without_changeovers(), design_list),
        designs=design_list,
        orders=orders(design_list),
    )


def scenario_documents(network: RegionalNetwork) -> dict[str, str]:
    """The JSON text of each scenario file, keyed by file stem."""
    data = network.model_dump(mode="json", exclude_computed_fields=True)
    header = {k: data[k] for k in ("name", "description", "origin", "hubs", "fieldlabs")}
    parts = {"network": header} | {kind: data[kind] for kind in SCENARIO_FILES[1:]}
    return {stem: json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n" for stem, body in parts.items()}


def main() -> None:
    folder = Path(__file__).with_name("brainport")
    folder.mkdir(exist_ok=True)
    for stem, text in scenario_documents(build_brainport()).items():
        (folder / f"{stem}.json").write_text(text, encoding="utf-8")
    print(f"wrote {len(SCENARIO_FILES)} files to {folder}")


if __name__ == "__main__":
    main()
