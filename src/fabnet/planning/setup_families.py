"""Setup families (what a changeover depends on) per process, and typical changeover minutes between them.

A family names the machine state an operation needs: material and thickness on a laser (gas, nozzle,
focus), the punch/die set on a press brake, the filler wire on a welder or WAAM cell, the tool set on a mill
or lathe, the powder colour on a coating line. Changing family costs time; the machine's changeover matrix
holds the minutes. `typical_changeover_minutes` is the rule of thumb a scenario or a new machine starts from:

- laser / waterjet: other thickness of the same material 8 min (nozzle, focus); other material of the same
  group 12 min; other group 20 min (assist gas purge, nozzle, lens check);
- press brake: 12 min per punch/die change;
- welding: 15 min wire spool and gas change; WAAM: 45 min (spool, purge, substrate preheat);
- milling / turning: 20 min to change the tool set between material groups;
- powder coating: 20 min booth and gun cleaning plus 0.6 min per CIELAB lightness unit when going from dark
  to light, because traces of dark powder show on a light coat (black to white: 67 min; white to black: 20).
"""

from fabnet.planning.materials import Material, material

# CIELAB lightness L* of common RAL Classic colours (approximate)
RAL_LIGHTNESS: dict[str, float] = {
    "RAL1023": 79, "RAL2004": 60, "RAL3000": 40, "RAL3020": 45, "RAL5010": 33, "RAL5015": 50,
    "RAL6005": 30, "RAL6018": 62, "RAL7016": 35, "RAL7035": 83, "RAL7040": 64, "RAL9005": 15,
    "RAL9006": 70, "RAL9010": 94, "RAL9016": 95,
}
_UNKNOWN_COLOUR_LIGHTNESS = 50.0


def format_mm(value: float) -> str:
    return f"{value:g}"


def cut_family(material: Material, thickness_mm: float) -> str:
    return f"{material.name}-{format_mm(thickness_mm)}"


def press_brake_die_mm(thickness_mm: float) -> int:
    """Standard V-die opening: 6·t up to 3 mm, 8·t up to 10 mm, 10·t above, rounded up to a stock die."""
    factor = 6 if thickness_mm <= 3 else 8 if thickness_mm <= 10 else 10
    wanted = factor * thickness_mm
    stock = (6, 8, 10, 12, 16, 20, 24, 32, 40, 50, 63, 80, 100, 125, 160, 200)
    return next((v for v in stock if v >= wanted), stock[-1])


def bend_family(thickness_mm: float) -> str:
    return f"V{press_brake_die_mm(thickness_mm)}"


def weld_wire_mm(thickness_mm: float) -> float:
    """Filler wire diameter: 0.8 mm below 2 mm sheet, 1.0 mm below 5 mm, 1.2 mm above."""
    return 0.8 if thickness_mm < 2 else 1.0 if thickness_mm < 5 else 1.2


def weld_family(material: Material, thickness_mm: float) -> str:
    return f"{material.filler_wire}-{format_mm(weld_wire_mm(thickness_mm))}"


def machining_family(material: Material) -> str:
    return f"tools-{material.group.value}"


def print_family(material: Material) -> str:
    return material.filler_wire if material.filler_wire and material.print_temperature_c is None else material.name


def colour_lightness(colour: str) -> float:
    return RAL_LIGHTNESS.get(colour.replace(" ", "").upper(), _UNKNOWN_COLOUR_LIGHTNESS)


def colour_change_minutes(from_colour: str, to_colour: str) -> int:
    darker_before = max(0.0, colour_lightness(to_colour) - colour_lightness(from_colour))
    return round(20 + 0.6 * darker_before)


def _cut_change(from_family: str, to_family: str) -> int:
    from_material, to_material = (material(f.rsplit("-", 1)[0]) for f in (from_family, to_family))
    if from_material == to_material:
        return 8
    return 12 if from_material.group == to_material.group else 20


_FLAT_MINUTES = {"bend": 12, "weld": 15, "print": 45, "mill": 20, "turn": 20, "assemble": 0, "inspect": 0}


def typical_changeover_minutes(process: str, from_family: str, to_family: str) -> int:
    """Minutes to change a machine of `process` (cut, bend, weld, ...) from one family to another."""
    if from_family == to_family:
        return 0
    if process == "cut":
        return _cut_change(from_family, to_family)
    if process == "coat":
        return colour_change_minutes(from_family, to_family)
    return _FLAT_MINUTES.get(process, 10)
