"""Designs: parts and assemblies with material, geometry and the manufacturing features they need."""

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from fabnet.domain.base import DomainModel, Identifier, NonNegativeFloat, NonNegativeInt, PositiveFloat


class DesignKind(StrEnum):
    PART = "part"
    ASSEMBLY = "assembly"


class BoundingBox(DomainModel):
    """Outer dimensions of the part in mm."""

    x_mm: PositiveFloat
    y_mm: PositiveFloat
    z_mm: PositiveFloat

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.x_mm, self.y_mm, self.z_mm)


class Features(DomainModel):
    """Manufacturing features from which the process plan is derived. Zero means absent."""

    cut_contour_mm: NonNegativeFloat = 0.0
    pierces: NonNegativeInt = 0
    holes: NonNegativeInt = 0
    bends: NonNegativeInt = 0
    weld_length_mm: NonNegativeFloat = 0.0
    milled_volume_cm3: NonNegativeFloat = 0.0
    turned_length_mm: NonNegativeFloat = 0.0
    printed_volume_cm3: NonNegativeFloat = 0.0
    coated_area_m2: NonNegativeFloat = 0.0
    coating_colour: str | None = Field(default=None, description="RAL code, e.g. RAL9005")

    @model_validator(mode="after")
    def _colour_with_coating(self) -> Self:
        if self.coated_area_m2 > 0 and not self.coating_colour:
            raise ValueError("coating_colour is required when coated_area_m2 > 0")
        return self


class Tolerance(DomainModel):
    """A toleranced quality characteristic: nominal with lower and upper specification limits."""

    characteristic: str = Field(min_length=1)
    nominal_mm: float
    lower_mm: float
    upper_mm: float

    @model_validator(mode="after")
    def _limits_around_nominal(self) -> Self:
        if not self.lower_mm <= self.nominal_mm <= self.upper_mm or self.lower_mm == self.upper_mm:
            raise ValueError(
                f"tolerance {self.characteristic!r}: need lower_mm <= nominal_mm <= upper_mm and lower < upper "
                f"(got {self.lower_mm}, {self.nominal_mm}, {self.upper_mm})"
            )
        return self

    @property
    def half_width_mm(self) -> float:
        """The tightest one-sided tolerance, the figure compared with process capability."""
        return min(self.nominal_mm - self.lower_mm, self.upper_mm - self.nominal_mm) or (
            (self.upper_mm - self.lower_mm) / 2
        )


class BomLine(DomainModel):
    """A component of an assembly: another design and how many of it."""

    design_id: Identifier
    quantity: int = Field(gt=0)


class CadFile(DomainModel):
    """A CAD file attached to a design, referenced by content hash (the bytes live in a store)."""

    name: str = Field(min_length=1)
    media_type: str = Field(default="model/step", min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: NonNegativeInt


class Design(DomainModel):
    """A part or assembly that a company can order."""

    id: Identifier
    name: str = Field(min_length=1)
    owner_id: Identifier = Field(description="the company that owns the design")
    product_family: str = Field(min_length=1)
    kind: DesignKind = DesignKind.PART
    revision: str = "A"
    material: str = Field(min_length=1, description="e.g. S235, AlMg3, 316L, PA12")
    thickness_mm: PositiveFloat | None = None
    bounding_box: BoundingBox
    mass_kg: PositiveFloat
    features: Features = Features()
    tolerances: tuple[Tolerance, ...] = ()
    bom: tuple[BomLine, ...] = ()
    cad_files: tuple[CadFile, ...] = ()

    @model_validator(mode="after")
    def _bom_only_for_assemblies(self) -> Self:
        if self.kind is DesignKind.ASSEMBLY and not self.bom:
            raise ValueError("bom: an assembly needs at least one bill-of-materials line")
        if self.kind is DesignKind.PART and self.bom:
            raise ValueError("bom: a part has no bill of materials; use kind 'assembly'")
        if any(line.design_id == self.id for line in self.bom):
            raise ValueError(f"bom: design {self.id!r} cannot contain itself")
        return self

    @property
    def tightest_tolerance_mm(self) -> float | None:
        return min((t.half_width_mm for t in self.tolerances), default=None)
