"""Engineering material data the time models need: density, strength, machinability, filler wire.

Figures are typical handbook values (EN 10025 / EN 10088 / EN 573 grades, common FDM polymers); they are
planning estimates, not certificate values. Look-up is case-insensitive and knows the usual aliases
(Werkstoffnummer, EN AW names).
"""

from dataclasses import dataclass
from enum import StrEnum

from fabnet.planning.process_errors import PlanningError


class MaterialGroup(StrEnum):
    STEEL = "steel"
    STAINLESS = "stainless"
    ALUMINIUM = "aluminium"
    TITANIUM = "titanium"
    POLYMER = "polymer"


@dataclass(frozen=True)
class Material:
    """One material grade with the properties process planning uses."""

    name: str
    group: MaterialGroup
    density_g_cm3: float
    tensile_mpa: float
    specific_cutting_energy_j_mm3: float
    """energy to remove one mm³ by milling or turning; sets the removal rate a spindle power allows"""
    turning_speed_m_min: float
    """cutting speed vc for carbide tools, roughing"""
    filler_wire: str | None = None
    """MIG/MAG and WAAM filler wire (EN ISO 14341 / 14343 / 18273 designation); None: not weldable"""
    print_temperature_c: int | None = None
    """FDM nozzle temperature (polymers only)"""
    bed_temperature_c: int | None = None


_TABLE = (
    Material("S235", MaterialGroup.STEEL, 7.85, 430, 2.6, 220, "G3Si1"),
    Material("S355", MaterialGroup.STEEL, 7.85, 510, 3.0, 200, "G3Si1"),
    Material("DC01", MaterialGroup.STEEL, 7.85, 350, 2.4, 240, "G3Si1"),
    Material("DX51D", MaterialGroup.STEEL, 7.85, 400, 2.5, 240, "G3Si1"),
    Material("C45", MaterialGroup.STEEL, 7.85, 650, 3.2, 180, "G3Si1"),
    Material("42CrMo4", MaterialGroup.STEEL, 7.85, 900, 3.6, 150, "G4Si1"),
    Material("304", MaterialGroup.STAINLESS, 7.90, 600, 3.8, 150, "G 19 9 L Si"),
    Material("316L", MaterialGroup.STAINLESS, 8.00, 560, 4.0, 140, "G 19 12 3 L Si"),
    Material("AlMg3", MaterialGroup.ALUMINIUM, 2.66, 220, 0.8, 500, "S Al 5356"),
    Material("6082", MaterialGroup.ALUMINIUM, 2.70, 310, 0.9, 450, "S Al 5356"),
    Material("5083", MaterialGroup.ALUMINIUM, 2.66, 300, 0.9, 450, "S Al 5183"),
    Material("Ti6Al4V", MaterialGroup.TITANIUM, 4.43, 950, 4.5, 60, "S Ti 6402"),
    Material("PA12", MaterialGroup.POLYMER, 1.01, 48, 0.3, 300, None, 260, 90),
    Material("PETG", MaterialGroup.POLYMER, 1.27, 50, 0.3, 300, None, 240, 80),
    Material("PLA", MaterialGroup.POLYMER, 1.24, 55, 0.3, 300, None, 210, 60),
)

_ALIASES = {
    "1.0038": "S235", "1.0045": "S355", "1.0330": "DC01", "1.0226": "DX51D", "1.0503": "C45",
    "1.7225": "42CrMo4", "1.4301": "304", "1.4404": "316L", "AISI304": "304", "AISI316L": "316L",
    "5754": "AlMg3", "EN AW-5754": "AlMg3", "EN AW-6082": "6082", "AlSi1MgMn": "6082", "EN AW-5083": "5083",
    "S235JR": "S235", "S355J2": "S355",
}

MATERIALS: dict[str, Material] = {m.name: m for m in _TABLE}
_BY_KEY = {name.lower(): m for name, m in MATERIALS.items()} | {
    alias.lower(): MATERIALS[name] for alias, name in _ALIASES.items()
}


def material(name: str) -> Material:
    """The table entry of a material grade; PlanningError naming the known grades otherwise."""
    found = _BY_KEY.get(name.strip().lower())
    if found is None:
        raise PlanningError(f"material {name!r} is not in the material table (known: {', '.join(MATERIALS)})")
    return found
