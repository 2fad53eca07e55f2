"""The idShort and semanticId each domain field gets in an AAS: a template's where one fits, else fabnet's own."""

from dataclasses import dataclass

from pydantic import BaseModel

from fabnet.domain import Address, Company, Machine, Operation, Part
from fabnet.standards.aas import semantics


@dataclass(frozen=True)
class FieldSpec:
    """How one field of a domain record appears in a submodel."""

    id_short: str
    semantic_id: str
    multi_language: bool = False
    """Written as an English MultiLanguageProperty, as the Digital Nameplate asks for names and addresses."""


_TEMPLATE_FIELDS: dict[tuple[type[BaseModel], str], FieldSpec] = {
    (Company, "name"): FieldSpec("ManufacturerName", semantics.NAMEPLATE_MANUFACTURER_NAME, multi_language=True),
    (Company, "address"): FieldSpec("AddressInformation", semantics.NAMEPLATE_ADDRESS_INFORMATION),
    (Address, "street"): FieldSpec("Street", semantics.ADDRESS_STREET, multi_language=True),
    (Address, "postal_code"): FieldSpec("Zipcode", semantics.ADDRESS_ZIPCODE, multi_language=True),
    (Address, "city"): FieldSpec("CityTown", semantics.ADDRESS_CITY_TOWN, multi_language=True),
    (Address, "country"): FieldSpec("NationalCode", semantics.ADDRESS_NATIONAL_CODE, multi_language=True),
    (Machine, "manufacturer"): FieldSpec(
        "ManufacturerName", semantics.NAMEPLATE_MANUFACTURER_NAME, multi_language=True
    ),
    (Machine, "model"): FieldSpec(
        "ManufacturerProductDesignation", semantics.NAMEPLATE_PRODUCT_DESIGNATION, multi_language=True
    ),
    (Machine, "year_of_construction"): FieldSpec("YearOfConstruction", semantics.NAMEPLATE_YEAR_OF_CONSTRUCTION),
    (Part, "serial"): FieldSpec("SerialNumber", semantics.NAMEPLATE_SERIAL_NUMBER),
}

_RECORD_CONCEPTS: dict[type[BaseModel], str] = {
    Operation: semantics.MANUFACTURING_INSTRUCTION,
}


def pascal_case(field: str) -> str:
    """`hourly_rate_eur` → `HourlyRateEur`: the idShort of a field without a template counterpart."""
    return "".join(part[:1].upper() + part[1:] for part in field.split("_") if part)


def field_spec(record_type: type[BaseModel], field: str) -> FieldSpec:
    """The idShort and concept of a record's field (the same for export and import)."""
    spec = _TEMPLATE_FIELDS.get((record_type, field))
    if spec is not None:
        return spec
    return FieldSpec(pascal_case(field), semantics.field_semantic_id(record_type.__name__, field))


def record_concept(record_type: type[BaseModel]) -> str:
    """The concept of a whole record held as one item of a list, e.g. an operation of a process plan."""
    return _RECORD_CONCEPTS.get(record_type, semantics.record_semantic_id(record_type.__name__))
