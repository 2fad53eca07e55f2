"""Lossless mapping between pydantic domain records and AAS submodel elements, field by field.

A nested record becomes a SubmodelElementCollection, a tuple a SubmodelElementList, a `dict` a collection keyed by
idShort (or, when a key is no valid idShort, a list of Key/Value collections), a scalar a typed Property:
str → xs:string, bool → xs:boolean, int → xs:integer, float → xs:double (shortest exact repr, INF/NaN), Decimal →
xs:decimal (plain notation, every digit kept), datetime → xs:dateTime, enum → xs:string of its value. A field that
is None is left out. Decoding returns plain dicts for pydantic to validate, so the domain's own rules run on import.
"""

import datetime
import re
import types
import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from enum import Enum
from typing import Any, Union

from basyx.aas import model
from pydantic import BaseModel

from fabnet.standards.aas import semantics
from fabnet.standards.aas.errors import AasContentError
from fabnet.standards.aas.vocabulary import FieldSpec, field_spec, record_concept

_ID_SHORT = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]*[a-zA-Z0-9_]+$")
"""aas-core's idShort rule (AAS 3.1): a letter, then letters, digits, `_` or `-`, not ending in `-`; ≥ 2 chars."""

_KEY = "Key"
_VALUE = "Value"
_LANGUAGE = "en"


class PlainDecimal(Decimal):
    """A Decimal that prints in plain notation, as xs:decimal requires (basyx prints with `str`)."""

    def __str__(self) -> str:
        return format(self, "f")


def is_id_short(text: str) -> bool:
    return len(text) <= 128 and _ID_SHORT.fullmatch(text) is not None


def reference(concept: str) -> model.ExternalReference:
    """An external reference to a concept (a semanticId)."""
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, concept),))


def concept_of(element: model.HasSemantics) -> str | None:
    semantic_id = element.semantic_id
    return semantic_id.key[0].value if semantic_id is not None and semantic_id.key else None


# --- annotations ------------------------------------------------------------------------------------------------


def _strip(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `Annotated[...]` and without `| None`, and whether None was allowed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) > 1:
                return Union[tuple(args)], optional  # noqa: UP007 - a runtime union of the remaining members
            annotation = args[0]
        else:
            return annotation, optional


def _is_record(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _item_annotation(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return _strip(args[0])[0] if args else str


def _dict_value_annotation(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    return _strip(args[1])[0] if len(args) == 2 else str


# --- scalars ----------------------------------------------------------------------------------------------------


def _xsd(value: Any) -> tuple[type, Any]:
    """The basyx value type and value of a Python scalar."""
    if isinstance(value, Enum):
        return model.datatypes.String, str(value.value)
    if isinstance(value, bool):
        return model.datatypes.Boolean, value
    if isinstance(value, int):
        return model.datatypes.Integer, int(value)
    if isinstance(value, float):
        return model.datatypes.Double, float(value)
    if isinstance(value, Decimal):
        return model.datatypes.Decimal, PlainDecimal(value)
    if isinstance(value, datetime.datetime):
        return model.datatypes.DateTime, value
    if isinstance(value, str):
        return model.datatypes.String, value
    raise TypeError(f"no xsd type for {type(value).__name__}")


def _xsd_of_annotation(annotation: Any) -> type:
    """The value type a list of scalars of this annotation holds."""
    for python_type, value_type in _LIST_VALUE_TYPES:
        if isinstance(annotation, type) and issubclass(annotation, python_type):
            return value_type
    return model.datatypes.String


_LIST_VALUE_TYPES: tuple[tuple[type, type], ...] = (
    (bool, model.datatypes.Boolean),
    (int, model.datatypes.Integer),
    (float, model.datatypes.Double),
    (Decimal, model.datatypes.Decimal),
    (datetime.datetime, model.datatypes.DateTime),
)


def _property(id_short: str | None, concept: str | None, value: Any) -> model.Property:
    value_type, typed = _xsd(value)
    return model.Property(
        id_short, value_type, typed, semantic_id=reference(concept) if concept else None
    )


def _scalar(element: model.SubmodelElement, path: str) -> Any:
    if isinstance(element, model.Property):
        value = element.value
        if value is None and element.value_type is model.datatypes.String:
            return ""
        if isinstance(value, Decimal):
            return Decimal(value)
        return value
    if isinstance(element, model.MultiLanguageProperty):
        texts = dict(element.value or {})
        return texts.get(_LANGUAGE, next(iter(texts.values()), ""))
    raise AasContentError(f"{path}: expected a Property, found a {type(element).__name__}")


# --- encoding ---------------------------------------------------------------------------------------------------


def encode_record(record: BaseModel, fields: Iterable[str] | None = None) -> list[model.SubmodelElement]:
    """The elements that hold the record's fields (all of them, or only `fields`), one element per field."""
    wanted = set(fields) if fields is not None else None
    elements: list[model.SubmodelElement] = []
    for name, info in type(record).model_fields.items():
        if wanted is not None and name not in wanted:
            continue
        value = getattr(record, name)
        if value is None:
            continue
        spec = field_spec(type(record), name)
        if spec.multi_language and value == "":
            continue  # a langString needs text; the empty default comes back from the field's default
        elements.append(_encode_field(spec, info.annotation, value))
    return elements


def _encode_field(spec: FieldSpec, annotation: Any, value: Any) -> model.SubmodelElement:
    if spec.multi_language:
        return model.MultiLanguageProperty(
            spec.id_short,
            model.MultiLanguageTextType({_LANGUAGE: value}),
            semantic_id=reference(spec.semantic_id),
        )
    return encode_value(spec.id_short, spec.semantic_id, annotation, value)


def encode_value(id_short: str | None, concept: str | None, annotation: Any, value: Any) -> model.SubmodelElement:
    """One element for one value of the given annotation (id_short None inside a list)."""
    annotation, _ = _strip(annotation)
    semantic_id = reference(concept) if concept else None
    if isinstance(value, BaseModel):
        return model.SubmodelElementCollection(id_short, encode_record(value), semantic_id=semantic_id)
    if isinstance(value, tuple):
        return _encode_list(id_short, semantic_id, _item_annotation(annotation), value)
    if isinstance(value, dict):
        return _encode_dict(id_short, semantic_id, _dict_value_annotation(annotation), value)
    return _property(id_short, concept, value)


def _encode_list(
    id_short: str | None, semantic_id: model.Reference | None, item: Any, values: tuple[Any, ...]
) -> model.SubmodelElementList:
    if _is_record(item):
        concept = record_concept(item)
        return model.SubmodelElementList(
            id_short,
            model.SubmodelElementCollection,
            [model.SubmodelElementCollection(None, encode_record(v), semantic_id=reference(concept)) for v in values],
            semantic_id=semantic_id,
            semantic_id_list_element=reference(concept),
        )
    return model.SubmodelElementList(
        id_short,
        model.Property,
        [_property(None, None, v) for v in values],
        semantic_id=semantic_id,
        value_type_list_element=_xsd_of_annotation(item),
    )


def _encode_dict(
    id_short: str | None, semantic_id: model.Reference | None, value_annotation: Any, values: dict[str, Any]
) -> model.SubmodelElement:
    if all(is_id_short(key) for key in values):
        entries = [encode_value(key, None, value_annotation, v) for key, v in values.items()]
        return model.SubmodelElementCollection(id_short, entries, semantic_id=semantic_id)
    entry = reference(semantics.DICT_ENTRY)
    return model.SubmodelElementList(
        id_short,
        model.SubmodelElementCollection,
        [
            model.SubmodelElementCollection(
                None,
                [_property(_KEY, None, key), encode_value(_VALUE, None, value_annotation, v)],
                semantic_id=entry,
            )
            for key, v in values.items()
        ],
        semantic_id=semantic_id,
        semantic_id_list_element=entry,
    )


# --- decoding ---------------------------------------------------------------------------------------------------


def decode_record(
    record_type: type[BaseModel], elements: Iterable[model.SubmodelElement], path: str = ""
) -> dict[str, Any]:
    """The field values found among the elements, as plain data for `record_type.model_validate`."""
    by_id_short = {element.id_short: element for element in elements if element.id_short}
    values: dict[str, Any] = {}
    for name, info in record_type.model_fields.items():
        spec = field_spec(record_type, name)
        element = by_id_short.get(spec.id_short)
        if element is not None:
            values[name] = decode_value(info.annotation, element, f"{path}{spec.id_short}")
    return values


def decode_value(annotation: Any, element: model.SubmodelElement, path: str) -> Any:
    annotation, _ = _strip(annotation)
    if _is_record(annotation):
        return decode_record(annotation, _children(element, model.SubmodelElementCollection, path), f"{path}.")
    origin = typing.get_origin(annotation)
    if origin is tuple:
        item = _item_annotation(annotation)
        return [
            decode_value(item, child, f"{path}[{index}]")
            for index, child in enumerate(_children(element, model.SubmodelElementList, path))
        ]
    if origin is dict:
        return _decode_dict(_dict_value_annotation(annotation), element, path)
    return _scalar(element, path)


def _decode_dict(value_annotation: Any, element: model.SubmodelElement, path: str) -> dict[str, Any]:
    if isinstance(element, model.SubmodelElementCollection):
        return {
            str(child.id_short): decode_value(value_annotation, child, f"{path}.{child.id_short}")
            for child in element.value
        }
    result: dict[str, Any] = {}
    for index, entry in enumerate(_children(element, model.SubmodelElementList, path)):
        parts = {child.id_short: child for child in _children(entry, model.SubmodelElementCollection, path)}
        if _KEY not in parts or _VALUE not in parts:
            raise AasContentError(f"{path}[{index}]: a dictionary entry needs a {_KEY} and a {_VALUE}")
        result[str(_scalar(parts[_KEY], f"{path}[{index}].{_KEY}"))] = decode_value(
            value_annotation, parts[_VALUE], f"{path}[{index}].{_VALUE}"
        )
    return result


def _children(element: model.SubmodelElement, expected: type, path: str) -> Iterator[model.SubmodelElement]:
    if not isinstance(element, expected):
        raise AasContentError(f"{path}: expected a {expected.__name__}, found a {type(element).__name__}")
    return iter(element.value)  # type: ignore[attr-defined]
