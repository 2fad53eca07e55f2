"""Designs: geometry, features, tolerances and bills of materials; errors name the field."""

import pytest
from pydantic import ValidationError

from domain.samples import bracket, frame
from fabnet.domain import BomLine, CadFile, Design, DesignKind, Features, Tolerance
from fabnet.domain.errors import describe


def error_of(record_type: type, /, **fields: object) -> str:
    with pytest.raises(ValidationError) as raised:
        record_type(**fields)
    return describe(raised.value)


def design_fields(**changes: object) -> dict[str, object]:
    return {**bracket().model_dump(), **changes}


@pytest.mark.parametrize(
    ("lower", "nominal", "upper"),
    [(10.1, 10.0, 10.2), (9.9, 10.3, 10.2), (10.0, 10.0, 10.0), (10.2, 10.0, 9.8)],
)
def test_tolerance_limits_must_surround_the_nominal(lower: float, nominal: float, upper: float) -> None:
    message = error_of(Tolerance, characteristic="bore", nominal_mm=nominal, lower_mm=lower, upper_mm=upper)
    assert "tolerance 'bore': need lower_mm <= nominal_mm <= upper_mm and lower < upper" in message


def test_tolerance_half_width_is_the_tightest_side() -> None:
    tight_below = Tolerance(characteristic="a", nominal_mm=10, lower_mm=9.95, upper_mm=10.2)
    assert tight_below.half_width_mm == pytest.approx(0.05)
    # a one-sided limit (nominal on a limit) falls back to half the band
    assert Tolerance(characteristic="b", nominal_mm=10, lower_mm=10, upper_mm=10.4).half_width_mm == pytest.approx(0.2)
    assert bracket().tightest_tolerance_mm == pytest.approx(0.1)
    assert frame().tightest_tolerance_mm is None


def test_an_assembly_needs_a_bill_of_materials() -> None:
    message = error_of(Design, **{**frame().model_dump(), "bom": []})
    assert message == "input: bom: an assembly needs at least one bill-of-materials line"


def test_a_part_has_no_bill_of_materials() -> None:
    message = error_of(Design, **design_fields(bom=[{"design_id": "x", "quantity": 1}]))
    assert message == "input: bom: a part has no bill of materials; use kind 'assembly'"


def test_an_assembly_cannot_contain_itself() -> None:
    message = error_of(Design, **{**frame().model_dump(), "bom": [{"design_id": "frame-a", "quantity": 1}]})
    assert message == "input: bom: design 'frame-a' cannot contain itself"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"thickness_mm": 0}, "thickness_mm"),
        ({"mass_kg": -1}, "mass_kg"),
        ({"bounding_box": {"x_mm": 10, "y_mm": 0, "z_mm": 1}}, "bounding_box.y_mm"),
        ({"features": {"holes": -2}}, "features.holes"),
        ({"features": {"cut_contour_mm": -0.5}}, "features.cut_contour_mm"),
        ({"material": ""}, "material"),
        ({"kind": "kit"}, "kind"),
        ({"cad_files": [{"name": "a.step", "sha256": "XYZ", "size_bytes": 1}]}, "cad_files.0.sha256"),
        ({"tolerances": [{"characteristic": "", "nominal_mm": 1, "lower_mm": 0, "upper_mm": 2}]},
         "tolerances.0.characteristic"),
    ],
)
def test_bad_design_fields_are_named(changes: dict[str, object], field: str) -> None:
    assert error_of(Design, **design_fields(**changes)).startswith(f"{field}:")


def test_negative_bom_quantity_is_named() -> None:
    assert error_of(BomLine, design_id="x", quantity=0).startswith("quantity: Input should be greater than 0")
    assert error_of(Design, **{**frame().model_dump(), "bom": [{"design_id": "x", "quantity": -1}]}).startswith(
        "bom.0.quantity:"
    )


def test_coating_needs_a_colour() -> None:
    assert error_of(Features, coated_area_m2=0.4) == "input: coating_colour is required when coated_area_m2 > 0"
    assert Features(coated_area_m2=0.4, coating_colour="RAL7016").coating_colour == "RAL7016"


def test_valid_designs_keep_their_parts() -> None:
    assert frame().kind is DesignKind.ASSEMBLY
    assert frame().bom == (BomLine(design_id="bracket-a", quantity=4),)
    assert bracket().bounding_box.as_tuple() == (200.0, 120.0, 40.0)
    assert bracket().cad_files[0] == CadFile(name="bracket-a.step", sha256="ab" * 32, size_bytes=12345)
