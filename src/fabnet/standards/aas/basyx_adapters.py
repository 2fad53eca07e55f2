"""basyx's JSON and XML adapters with the two fixes fabnet's lossless, conforming documents need.

- Writing: basyx 2.2 writes an empty `specificAssetIds` list next to an Entity's globalAssetId in JSON, which
  Constraint AASd-014 forbids (its XML writer leaves the empty list out). `ConformingJsonEncoder` leaves it out too.
- Reading: basyx parses the fraction of an xs:dateTime through a float and truncates, so `.031580` comes back as
  31579 µs. The exact decoders re-read every xs:dateTime value with `datetime.fromisoformat`, which is exact.
"""

import contextlib
import datetime
from typing import Any

from basyx.aas import model
from basyx.aas.adapter import json as aas_json
from basyx.aas.adapter import xml as aas_xml
from basyx.aas.adapter.xml.xml_deserialization import NS_AAS


class ConformingJsonEncoder(aas_json.AASToJsonEncoder):
    """basyx's JSON encoder without the empty `specificAssetIds` of an Entity."""

    @classmethod
    def _entity_to_json(cls, obj: model.Entity) -> dict[str, object]:
        data = super()._entity_to_json(obj)
        if not data.get("specificAssetIds"):
            data.pop("specificAssetIds", None)
        return data


def _exact(property_: model.Property, lexical: object) -> model.Property:
    """The property with its xs:dateTime value parsed exactly (other types and odd forms stay as basyx read them)."""
    if property_.value_type is model.datatypes.DateTime and isinstance(lexical, str):
        # forms fromisoformat refuses (hour 24, years beyond 9999) keep the value basyx's own parser gave
        with contextlib.suppress(ValueError):
            property_.value = datetime.datetime.fromisoformat(lexical)
    return property_


class ExactJsonDecoder(aas_json.StrictAASFromJsonDecoder):
    """basyx's strict JSON decoder, reading xs:dateTime values exactly."""

    @classmethod
    def _construct_property(cls, dct: dict[str, object], object_class: Any = model.Property) -> model.Property:
        return _exact(super()._construct_property(dct, object_class=object_class), dct.get("value"))


class ExactXmlDecoder(aas_xml.StrictAASFromXmlDecoder):
    """basyx's strict XML decoder, reading xs:dateTime values exactly."""

    @classmethod
    def construct_property(cls, element: Any, object_class: Any = model.Property, **kwargs: Any) -> model.Property:
        value = element.find(NS_AAS + "value")
        return _exact(
            super().construct_property(element, object_class=object_class, **kwargs),
            value.text if value is not None else None,
        )


def environment_json(store: model.AbstractObjectStore, **dump_options: object) -> str:
    """The environment as AAS JSON text, as fabnet writes it."""
    return aas_json.object_store_to_json(store, encoder=ConformingJsonEncoder, **dump_options)
