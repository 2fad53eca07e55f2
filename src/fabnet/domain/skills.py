"""The skill vocabulary: what a machine can do, with the parameters that bound it. Extensible."""

from pydantic import Field

from fabnet.domain.base import DomainModel


class SkillDefinition(DomainModel):
    """One skill of the vocabulary, e.g. `cut.laser`.

    `parameters` names the numeric parameters a machine may state for this skill beyond the common ranges
    (materials, thickness, envelope, tolerance), with their unit, e.g. {"power_kw": "kW"}.
    """

    code: str = Field(pattern=r"^[a-z]+\.[a-z0-9_]+$")
    name: str
    process: str = Field(description="the process family: cut, bend, weld, mill, turn, print, coat, assemble, inspect")
    parameters: dict[str, str] = Field(default_factory=dict)
    capability_tolerance_mm: float = Field(
        default=0.1, gt=0, description="typical achievable tolerance of the process (± mm)"
    )


_BUILT_IN = (
    SkillDefinition(code="cut.laser", name="Laser cutting", process="cut",
                    parameters={"power_kw": "kW"}, capability_tolerance_mm=0.1),
    SkillDefinition(code="cut.waterjet", name="Waterjet cutting", process="cut",
                    parameters={"pressure_bar": "bar"}, capability_tolerance_mm=0.15),
    SkillDefinition(code="bend.press_brake", name="Press-brake bending", process="bend",
                    parameters={"force_t": "t", "bend_length_mm": "mm"}, capability_tolerance_mm=0.2),
    SkillDefinition(code="weld.mig", name="MIG/MAG welding (manual)", process="weld",
                    parameters={"current_a": "A"}, capability_tolerance_mm=0.5),
    SkillDefinition(code="weld.robot", name="Robot welding", process="weld",
                    parameters={"current_a": "A"}, capability_tolerance_mm=0.3),
    SkillDefinition(code="mill.cnc_3axis", name="CNC milling, 3 axes", process="mill",
                    parameters={"spindle_kw": "kW", "spindle_rpm": "rpm"}, capability_tolerance_mm=0.02),
    SkillDefinition(code="mill.cnc_5axis", name="CNC milling, 5 axes", process="mill",
                    parameters={"spindle_kw": "kW", "spindle_rpm": "rpm"}, capability_tolerance_mm=0.01),
    SkillDefinition(code="turn.cnc", name="CNC turning", process="turn",
                    parameters={"max_diameter_mm": "mm"}, capability_tolerance_mm=0.01),
    SkillDefinition(code="print.metal_waam", name="Wire-arc additive manufacturing", process="print",
                    parameters={"deposition_kg_h": "kg/h"}, capability_tolerance_mm=1.0),
    SkillDefinition(code="print.polymer_fdm", name="Polymer FDM printing", process="print",
                    parameters={"deposition_cm3_h": "cm3/h"}, capability_tolerance_mm=0.3),
    SkillDefinition(code="coat.powder", name="Powder coating", process="coat",
                    parameters={"line_speed_m_min": "m/min"}, capability_tolerance_mm=0.1),
    SkillDefinition(code="assemble.manual", name="Manual assembly", process="assemble",
                    capability_tolerance_mm=0.5),
    SkillDefinition(code="inspect.cmm", name="Coordinate measuring machine", process="inspect",
                    parameters={"probe_accuracy_um": "µm"}, capability_tolerance_mm=0.002),
)

SKILLS: dict[str, SkillDefinition] = {skill.code: skill for skill in _BUILT_IN}
"""The skill registry, keyed by code. Extend it with `register_skill`."""


def register_skill(skill: SkillDefinition) -> SkillDefinition:
    """Add a skill to the vocabulary (or replace one of the same code)."""
    SKILLS[skill.code] = skill
    return skill


def skill_definition(code: str) -> SkillDefinition:
    """The definition of a known skill; a ValueError naming the known codes otherwise."""
    try:
        return SKILLS[code]
    except KeyError:
        raise ValueError(f"unknown skill {code!r}; known skills: {', '.join(sorted(SKILLS))}") from None
