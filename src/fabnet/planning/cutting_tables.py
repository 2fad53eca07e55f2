"""Cutting-speed tables for fiber lasers and abrasive waterjets, with the gas, nozzle and pierce rules.

Laser speeds (m/min) are typical values from fiber-laser manufacturers' cutting charts at three source powers
(3, 6 and 12 kW), per material group and sheet thickness; nitrogen fusion cutting for stainless steel and
aluminium, oxygen flame cutting for mild steel above 4 mm. Between table rows and power columns the speed is
interpolated linearly. A thickness beyond the last row of the power columns that bracket the machine's power
is out of range for that machine (no extrapolation: a chart that stops at 12 mm means the source cannot
cut thicker with usable quality).

Pierce time (s) = (0.1 + 0.1 · t^1.3) · sqrt(6 kW / P): about 0.5 s at 3 mm and 5 s at 20 mm on 6 kW.

Waterjet speed (mm/min, quality Q3 at 3800 bar) follows the power law v = k · t^-1.15 · (p / 3800)^1.5 with
k per material group; pierce time = 0.8 s per mm of thickness.
"""

from bisect import bisect_right
from dataclasses import dataclass

from fabnet.planning.materials import MaterialGroup
from fabnet.planning.process_errors import OutOfRange

_THICKNESS_MM = (1, 2, 3, 4, 6, 8, 10, 12, 15, 20, 25)

# speed in m/min per source power (kW); None = beyond that source's cutting capacity
_LASER_SPEED: dict[MaterialGroup, dict[float, tuple[float | None, ...]]] = {
    MaterialGroup.STEEL: {
        3: (28, 9, 4.5, 3.5, 2.6, 1.9, 1.4, 1.0, None, None, None),
        6: (40, 22, 10, 6.5, 3.2, 2.5, 2.0, 1.6, 1.2, 0.9, None),
        12: (60, 38, 25, 18, 8, 4.5, 3.0, 2.4, 2.0, 1.4, 1.0),
    },
    MaterialGroup.STAINLESS: {
        3: (30, 10, 4.5, 2.5, 1.0, 0.6, None, None, None, None, None),
        6: (40, 20, 10, 6, 2.6, 1.4, 0.9, 0.6, 0.4, None, None),
        12: (55, 35, 24, 16, 8, 5, 3, 2, 1.2, 0.7, 0.4),
    },
    MaterialGroup.ALUMINIUM: {
        3: (25, 8, 3.5, 2.0, 0.8, None, None, None, None, None, None),
        6: (38, 18, 9, 5, 2.2, 1.2, 0.8, 0.5, None, None, None),
        12: (50, 30, 20, 13, 6, 3.5, 2.3, 1.5, 0.9, 0.5, None),
    },
}

_WATERJET_K: dict[MaterialGroup, float] = {
    MaterialGroup.STEEL: 900,
    MaterialGroup.STAINLESS: 800,
    MaterialGroup.ALUMINIUM: 2500,
    MaterialGroup.TITANIUM: 700,
    MaterialGroup.POLYMER: 6000,
}


@dataclass(frozen=True)
class LaserSetting:
    """What the laser needs to cut one material group and thickness at one source power."""

    speed_m_min: float
    gas: str
    gas_pressure_bar: float
    nozzle_mm: float
    pierce_s: float


def _column_speed(column: tuple[float | None, ...], thickness_mm: float) -> float | None:
    if thickness_mm <= _THICKNESS_MM[0]:
        return column[0]
    i = bisect_right(_THICKNESS_MM, thickness_mm) - 1
    if i >= len(_THICKNESS_MM) - 1:
        return column[-1] if thickness_mm == _THICKNESS_MM[-1] else None
    low, high = column[i], column[i + 1]
    if low is None:
        return None
    if thickness_mm == _THICKNESS_MM[i]:
        return low
    if high is None:
        return None
    t0, t1 = _THICKNESS_MM[i], _THICKNESS_MM[i + 1]
    return low + (high - low) * (thickness_mm - t0) / (t1 - t0)


def laser_speed_m_min(group: MaterialGroup, thickness_mm: float, power_kw: float) -> float:
    """Cutting speed from the table, interpolated in thickness and power; OutOfRange beyond the chart."""
    columns = _LASER_SPEED.get(group)
    if columns is None:
        raise OutOfRange(f"no laser cutting chart for material group {group.value}")
    powers = sorted(columns)
    if power_kw <= powers[0]:
        speed = _column_speed(columns[powers[0]], thickness_mm)
        if speed is not None:
            speed *= power_kw / powers[0]
    elif power_kw >= powers[-1]:
        speed = _column_speed(columns[powers[-1]], thickness_mm)
    else:
        j = bisect_right(powers, power_kw) - 1
        p0, p1 = powers[j], powers[j + 1]
        s0, s1 = _column_speed(columns[p0], thickness_mm), _column_speed(columns[p1], thickness_mm)
        speed = None if s0 is None or s1 is None else s0 + (s1 - s0) * (power_kw - p0) / (p1 - p0)
    if speed is None:
        raise OutOfRange(f"thickness {thickness_mm:g} mm {group.value} is beyond the cutting chart of a "
                         f"{power_kw:g} kW source")
    return speed


def laser_setting(group: MaterialGroup, thickness_mm: float, power_kw: float) -> LaserSetting:
    """Speed, assist gas, pressure, nozzle and pierce time for one cut."""
    speed = laser_speed_m_min(group, thickness_mm, power_kw)
    oxygen = group is MaterialGroup.STEEL and thickness_mm > 4
    gas = "O2" if oxygen else "N2"
    pressure = round(max(0.4, 0.9 - 0.02 * thickness_mm), 2) if oxygen else min(20.0, 12.0 + thickness_mm)
    nozzle = 1.0 if thickness_mm <= 2 else 1.5 if thickness_mm <= 6 else 2.0 if thickness_mm <= 12 else 3.0
    pierce = (0.1 + 0.1 * thickness_mm**1.3) * (6.0 / power_kw) ** 0.5
    return LaserSetting(speed, gas, pressure, nozzle, pierce)


def waterjet_speed_mm_min(group: MaterialGroup, thickness_mm: float, pressure_bar: float) -> float:
    """Abrasive waterjet speed for quality Q3."""
    return _WATERJET_K[group] * thickness_mm**-1.15 * (pressure_bar / 3800) ** 1.5


def waterjet_pierce_s(thickness_mm: float) -> float:
    return 0.8 * thickness_mm
