"""Companies, hubs and fieldlabs: KvK and VAT checks, Peppol id, addresses; errors name the field."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.samples import address, company
from fabnet.domain import Address, Company, Fieldlab, Hub
from fabnet.domain.company import check_kvk, check_vat_nl
from fabnet.domain.errors import describe


def error_of(record_type: type, /, **fields: object) -> str:
    with pytest.raises(ValidationError) as raised:
        record_type(**fields)
    return describe(raised.value)


def company_fields(**changes: object) -> dict[str, object]:
    return {**company().model_dump(exclude_computed_fields=True), **changes}


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "1234567a", "", "12 345678", "１２３４５６７８"])
def test_invalid_kvk_is_refused_naming_the_field(kvk: str) -> None:
    message = error_of(Company, **company_fields(kvk=kvk))
    assert message.startswith("kvk: KvK number must be exactly 8 digits")


@pytest.mark.parametrize("vat_id", ["NL123456789B1", "DE123456789B01", "nl123456789b01", "NL12345678B01",
                                    "NL123456789X01", "NL123456789B012"])
def test_invalid_vat_id_is_refused_naming_the_field(vat_id: str) -> None:
    message = error_of(Company, **company_fields(vat_id=vat_id))
    assert message.startswith("vat_id: Dutch VAT id must be NL + 9 digits + B + 2 digits")


def test_peppol_id_is_scheme_0106_with_the_kvk() -> None:
    assert company(kvk="87654321").peppol_id == "0106:87654321"
    assert company().model_dump()["peppol_id"] == "0106:12345678"


def test_role_and_address_are_checked() -> None:
    assert error_of(Company, **company_fields(role="broker")).startswith("role: String should match pattern")
    assert error_of(Address, street="x", postal_code="56123", city="Eindhoven", latitude=51, longitude=5).startswith(
        "postal_code:"
    )
    assert error_of(Address, street="x", postal_code="5612 AB", city="E", latitude=91, longitude=5).startswith(
        "latitude:"
    )
    assert address(postal_code="5612AB").postal_code == "5612AB"


def test_records_are_frozen_and_strict() -> None:
    record = company()
    with pytest.raises(ValidationError, match="frozen"):
        record.name = "other"  # type: ignore[misc]
    assert error_of(Company, **company_fields(colour="red")).startswith("colour: Extra inputs are not permitted")


def test_hub_and_fieldlab_validate_their_fields() -> None:
    assert error_of(Hub, id="h", name="", region="r", city="c", latitude=0, longitude=0).startswith("name:")
    assert error_of(Fieldlab, id="f", name="n", theme="t", hub_id="h", investment_eur=Decimal(-1)).startswith(
        "investment_eur:"
    )
    assert error_of(Fieldlab, id="bad id!", name="n", theme="t", hub_id="h").startswith("id:")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_eight_digit_string_is_a_kvk_number(kvk: str) -> None:
    assert check_kvk(kvk) == kvk
    assert company(kvk=kvk).peppol_id == f"0106:{kvk}"


@given(st.text(max_size=12).filter(lambda s: not (len(s) == 8 and s.isascii() and s.isdigit())))
def test_nothing_else_is_a_kvk_number(text: str) -> None:
    with pytest.raises(ValueError, match="KvK number must be exactly 8 digits"):
        check_kvk(text)


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.text(alphabet="0123456789", min_size=2, max_size=2))
def test_every_nl_nine_digits_b_two_digits_is_a_vat_id(number: str, suffix: str) -> None:
    vat_id = f"NL{number}B{suffix}"
    assert check_vat_nl(vat_id) == vat_id


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 13), st.characters())
def test_changing_any_vat_character_to_a_wrong_one_is_refused(number: str, position: int, replacement: str) -> None:
    valid = f"NL{number}B01"
    wrong_here = {0: "N", 1: "L", 11: "B"}.get(position)
    if (wrong_here is None and replacement.isascii() and replacement.isdigit()) or replacement == wrong_here:
        replacement = "x"  # keep the mutation wrong: a digit where a digit belongs would still be valid
    mutated = valid[:position] + replacement + valid[position + 1:]
    with pytest.raises(ValueError, match="Dutch VAT id must be"):
        check_vat_nl(mutated)


@given(st.text(max_size=16))
def test_arbitrary_text_is_a_vat_id_only_when_it_has_the_dutch_shape(text: str) -> None:
    shaped = (len(text) == 14 and text.startswith("NL") and text[2:11].isascii() and text[2:11].isdigit()
              and text[11] == "B" and text[12:].isascii() and text[12:].isdigit())
    if shaped:
        assert check_vat_nl(text) == text
    else:
        with pytest.raises(ValueError, match="Dutch VAT id must be"):
            check_vat_nl(text)
