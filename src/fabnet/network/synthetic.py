"""A seeded synthetic network of member listings at the programme's scale, for catalog benchmarks and tests.

Members are spread over the five regional hubs, each with a unique 8-digit KvK number, a Dutch VAT id whose
nine digits pass the elfproef (mod-11 check of the classic btw-nummer), a postcode of its region and a site
scattered around the hub's city. Machines come from templates of real machine classes (fibre lasers, press
brakes, machining centres, ...) with ranges drawn around typical figures. Listings are plain JSON-ready dicts,
as a node would send them, so that onboarding pays for validation.
"""

import random
from dataclasses import dataclass
from typing import Any

from fabnet.network.catalog import MINUTES_PER_WEEK
from fabnet.network.programme import FIVE_HUBS

_POSTCODE_PREFIX = {
    "hub-brainport": (5500, 5799), "hub-rotterdam": (3000, 3299), "hub-oost": (7400, 7699),
    "hub-noord": (9700, 9899), "hub-noordwest": (1000, 1199),
}
_CITY = {"hub-brainport": "Eindhoven", "hub-rotterdam": "Rotterdam", "hub-oost": "Enschede",
         "hub-noord": "Groningen", "hub-noordwest": "Amsterdam"}
_HUB_SHARE = (0.32, 0.24, 0.18, 0.12, 0.14)
"""Members per hub: Brainport and Zuid-Holland hold most of the manufacturing SMEs."""
_LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"
_NAMES = ("Kempen", "Dommel", "Maas", "Rijn", "Twente", "Veluwe", "Peel", "Waal", "Amstel", "Eems", "Delta", "Hunze")
_TRADES = ("Metaal", "Precisie", "Plaatwerk", "Techniek", "Las", "Machinebouw", "Coating", "Engineering")


@dataclass(frozen=True)
class _Template:
    skill: str
    materials: tuple[tuple[str, ...], ...]
    thickness: tuple[float, float] | None  # (min, max) drawn around
    envelope: tuple[tuple[float, float, float], ...]
    tolerance: tuple[float, ...]
    rate: tuple[float, float]
    power_kw: tuple[float, float]
    parameters: dict[str, tuple[float, float]]


_TEMPLATES = (
    _Template("cut.laser", (("steel", "stainless", "aluminium"), ("steel", "stainless"), ("steel",)), (0.5, 25.0),
              ((2500, 1250, 100), (3000, 1500, 100), (4000, 2000, 120)), (0.1, 0.08), (85, 160), (18, 60),
              {"power_kw": (3, 15)}),
    _Template("cut.waterjet", ((),), (1.0, 150.0), ((3000, 2000, 200), (4000, 2000, 250)), (0.15, 0.1), (80, 130),
              (30, 60), {"pressure_bar": (3800, 6000)}),
    _Template("bend.press_brake", (("steel", "stainless", "aluminium"), ("steel", "aluminium")), (0.5, 12.0),
              ((2000, 1000, 500), (3000, 1000, 600), (4000, 1200, 600)), (0.2,), (70, 110), (11, 30),
              {"force_t": (60, 320), "bend_length_mm": (2000, 4000)}),
    _Template("weld.mig", (("steel", "stainless"), ("steel", "stainless", "aluminium")), (1.0, 20.0),
              ((3000, 2000, 1500),), (0.5,), (55, 80), (8, 15), {"current_a": (250, 450)}),
    _Template("weld.robot", (("steel", "stainless"), ("steel",)), (1.0, 15.0), ((2000, 1000, 1000), (3000, 1500, 1200)),
              (0.3,), (75, 110), (12, 25), {"current_a": (300, 500)}),
    _Template("mill.cnc_3axis", (("steel", "aluminium", "stainless", "polymer"), ("aluminium", "polymer")), None,
              ((600, 400, 400), (1000, 500, 500), (1200, 600, 600)), (0.02, 0.01), (65, 105), (15, 30),
              {"spindle_kw": (11, 30), "spindle_rpm": (8000, 15000)}),
    _Template("mill.cnc_5axis", (("steel", "aluminium", "stainless", "titanium"), ("aluminium", "titanium")), None,
              ((500, 500, 400), (800, 800, 550)), (0.01, 0.005), (95, 150), (20, 40),
              {"spindle_kw": (15, 40), "spindle_rpm": (12000, 20000)}),
    _Template("turn.cnc", (("steel", "stainless", "aluminium"),), None, ((300, 300, 800), (500, 500, 1200)),
              (0.01, 0.005), (65, 100), (15, 30), {"max_diameter_mm": (250, 500)}),
    _Template("print.metal_waam", (("steel", "stainless"), ("aluminium",)), None, ((1000, 1000, 1000),), (1.0,),
              (90, 140), (10, 20), {"deposition_kg_h": (2, 4)}),
    _Template("print.polymer_fdm", (("polymer",),), None, ((300, 300, 300), (600, 600, 600)), (0.3,), (25, 45),
              (0.5, 2), {"deposition_cm3_h": (20, 80)}),
    _Template("coat.powder", ((),), None, ((2000, 1000, 1500), (4000, 1500, 2000)), (0.1,), (60, 90), (30, 80),
              {"line_speed_m_min": (1, 3)}),
    _Template("assemble.manual", ((),), None, ((3000, 2000, 2000),), (0.5,), (45, 65), (1, 3), {}),
    _Template("inspect.cmm", ((),), None, ((700, 1000, 600), (1200, 2000, 1000)), (0.002,), (80, 120), (2, 4),
              {"probe_accuracy_um": (1.5, 3)}),
)
_TEMPLATE_SHARE = (14, 3, 12, 8, 4, 12, 5, 9, 1, 3, 5, 10, 5)
"""How common each machine class is among Dutch metalworking SMEs (relative weights)."""
_SHIFTS = (
    [{"weekdays": [0, 1, 2, 3, 4], "start_minute": 420, "end_minute": 930}],
    [{"weekdays": [0, 1, 2, 3, 4], "start_minute": 360, "end_minute": 840},
     {"weekdays": [0, 1, 2, 3, 4], "start_minute": 840, "end_minute": 1320}],
    [],
)


def vat_id_for(number: int) -> str:
    """A Dutch VAT id NLxxxxxxxxxB01 from the last 8 digits of `number` plus the elfproef check digit.

    The check: digits 1-8 weighted 9..2 minus digit 9 is divisible by 11; when the weighted sum leaves 10 (no
    single check digit fits) the eighth digit is stepped until it does not.
    """
    head = [int(d) for d in f"{number % 10**8:08d}"]
    while (check := sum(d * w for d, w in zip(head, (9, 8, 7, 6, 5, 4, 3, 2), strict=True)) % 11) == 10:
        head[7] = (head[7] + 1) % 10
    return "NL" + "".join(map(str, head)) + f"{check}B01"


def elfproef(vat_id: str) -> bool:
    """True when the nine digits of a Dutch VAT id pass the mod-11 check."""
    digits = [int(d) for d in vat_id[2:11]]
    return sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11 == 0


def synthetic_listings(members: int, *, machines_per_member: int = 10, seed: int = 0) -> list[dict[str, Any]]:
    """`members` member listings (JSON-ready dicts) with `machines_per_member` machines each on average."""
    rng = random.Random(seed)
    kvks = rng.sample(range(10_000_000, 100_000_000), members)
    hubs = rng.choices(FIVE_HUBS, weights=_HUB_SHARE, k=members)
    listings = []
    for n in range(members):
        hub = hubs[n]
        low, high = _POSTCODE_PREFIX[hub.id]
        company_id = f"m{n:05d}"
        # 1 + a geometric-like spread around the mean: most SMEs run a few machines, some run many
        count = 1 + round(rng.expovariate(1 / max(machines_per_member - 1, 0.1)))
        company = {
            "id": company_id,
            "name": f"{_NAMES[n % len(_NAMES)]} {_TRADES[(n // len(_NAMES)) % len(_TRADES)]} {n} B.V.",
            "kvk": f"{kvks[n]:08d}",
            "vat_id": vat_id_for(kvks[n]),
            "address": {
                "street": f"Industrieweg {1 + n % 200}",
                "postal_code": f"{rng.randint(low, high)} {rng.choice(_LETTERS)}{rng.choice(_LETTERS)}",
                "city": _CITY[hub.id],
                "latitude": round(hub.latitude + rng.gauss(0, 0.15), 5),
                "longitude": round(hub.longitude + rng.gauss(0, 0.2), 5),
            },
            "hub_id": hub.id,
        }
        listings.append({"company": company,
                         "machines": [_machine(rng, company_id, k) for k in range(count)]})
    return listings


def _machine(rng: random.Random, company_id: str, k: int) -> dict[str, Any]:
    template = rng.choices(_TEMPLATES, weights=_TEMPLATE_SHARE)[0]
    skill: dict[str, Any] = {
        "skill": template.skill,
        "materials": list(rng.choice(template.materials)),
        "envelope_mm": list(rng.choice(template.envelope)),
        "tolerance_mm": rng.choice(template.tolerance),
        "parameters": {name: round(rng.uniform(lo, hi), 1) for name, (lo, hi) in template.parameters.items()},
    }
    if template.thickness is not None:
        low, high = template.thickness
        skill["min_thickness_mm"] = low
        skill["max_thickness_mm"] = round(rng.uniform(0.4, 1.0) * high, 1)
    power = round(rng.uniform(*template.power_kw), 1)
    shifts = rng.choices(_SHIFTS, weights=(0.5, 0.4, 0.1))[0]
    staffed = sum(5 * (s["end_minute"] - s["start_minute"]) for s in shifts) if shifts else MINUTES_PER_WEEK
    return {
        "machine": {
            "id": f"{company_id}-{template.skill.split('.')[1]}-{k}",
            "company_id": company_id,
            "name": f"{template.skill} machine {k}",
            "skills": [skill],
            "hourly_rate_eur": f"{rng.uniform(*template.rate):.2f}",
            "power_kw": power,
            "idle_power_kw": round(power * 0.15, 2),
            "calendar": {"shifts": shifts},
        },
        "free_minutes_per_week": round(rng.uniform(0.05, 0.6) * staffed, 1),
    }
