"""AAS Part 2 style read endpoints over the company's records: shells, their submodel references, submodels and
their value-only form. Identifiers in paths are base64url-encoded, as the AAS HTTP API specifies."""

import base64
import binascii
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from basyx.aas import model
from fastapi import APIRouter, Depends, Query, Request, Response

from fabnet.domain import Company, Machine
from fabnet.service.access import Principal, reader
from fabnet.service.api_errors import ERROR_RESPONSES, ApiError, ErrorRoute, not_found
from fabnet.service.api_records import company_id, runtime_of
from fabnet.standards.aas import DomainRecord
from fabnet.standards.aas.basyx_adapters import ConformingJsonEncoder
from fabnet.standards.aas.export import ExportedShell, export_record
from fabnet.store import UnitOfWork

router = APIRouter(tags=["aas"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Reader = Annotated[Principal, Depends(reader)]
AasLimit = Annotated[int, Query(ge=1, le=1000)]
Cursor = Annotated[str | None, Query(description="where the previous page ended (its paging_metadata.cursor)")]


def company_records(uow: UnitOfWork) -> list[DomainRecord]:
    """What the node describes as shells: its company and machines, the designs it holds, the orders it supplies,
    and the parts it made."""
    own = company_id(uow.session)
    return [uow.companies.get(own), *uow.machines.list(company_id=own), *uow.designs.list(),
            *uow.orders.list(supplier_id=own), *uow.parts.list()]


@dataclass(frozen=True)
class Environment:
    """The node's shells and submodels, sorted by id, and every identifiable by its id."""

    shells: list[model.AssetAdministrationShell]
    submodels: list[model.Submodel]
    by_id: dict[str, model.Identifiable]


_EXPORTED: OrderedDict[str, ExportedShell] = OrderedDict()
EXPORT_CACHE_SIZE = 4096
"""Records exported lately, by content: building basyx objects costs milliseconds per element, and most records
do not change between requests (least recently used ones are dropped)."""


def exported(record: DomainRecord, machines: list[Machine]) -> ExportedShell:
    """The record's shell and submodels, from the cache when the record (and, for a company, its machines) is
    unchanged."""
    content = [type(record).__name__, record.model_dump_json()]
    if isinstance(record, Company):
        content += [m.model_dump_json() for m in machines if m.company_id == record.id]
    key = hashlib.sha256("\n".join(content).encode()).hexdigest()
    found = _EXPORTED.get(key)
    if found is None:
        found = _EXPORTED[key] = export_record(record, machines)
        while len(_EXPORTED) > EXPORT_CACHE_SIZE:
            _EXPORTED.popitem(last=False)
    else:
        _EXPORTED.move_to_end(key)
    return found


def _environment(request: Request) -> Environment:
    with runtime_of(request).store.transaction() as uow:
        records = company_records(uow)
    machines = [r for r in records if isinstance(r, Machine)]
    shells, submodels = [], []
    for record in records:
        shell = exported(record, machines)
        shells.append(shell.shell)
        submodels += shell.submodels
    by_id: dict[str, model.Identifiable] = {item.id: item for item in [*shells, *submodels]}
    return Environment(sorted(shells, key=lambda s: s.id), sorted(submodels, key=lambda s: s.id), by_id)


def decode_identifier(encoded: str, what: str) -> str:
    """A base64url-encoded identifier from the path (padding optional); 400 naming the parameter if it is not."""
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(400, f"{what}: not a base64url-encoded identifier") from None


def encode_identifier(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).decode().rstrip("=")


def _json(value: object) -> Response:
    return Response(json.dumps(value, cls=ConformingJsonEncoder), media_type="application/json")


def _paged(items: list[Any], limit: int, cursor: str | None) -> Response:
    try:
        start = int(cursor) if cursor is not None else 0
    except ValueError:
        raise ApiError(400, "cursor: not a cursor this server gave out") from None
    if start < 0:
        raise ApiError(400, "cursor: not a cursor this server gave out")
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return _json({"paging_metadata": {"cursor": str(start + limit)} if more else {}, "result": chunk})


def _find(environment: Environment, identifier: str, kind: type, what: str) -> Any:
    found = environment.by_id.get(identifier)
    if not isinstance(found, kind):
        raise not_found(f"{what}: no {kind.__name__} {identifier!r}")
    return found


@router.get("/shells", summary="All asset administration shells (AAS Part 2: GetAllAssetAdministrationShells)")
async def all_shells(request: Request, _: Reader, limit: AasLimit = 100, cursor: Cursor = None) -> Response:
    return _paged(_environment(request).shells, limit, cursor)


@router.get("/shells/{aas_identifier}", summary="One shell (GetAssetAdministrationShellById)")
async def shell(aas_identifier: str, request: Request, _: Reader) -> Response:
    identifier = decode_identifier(aas_identifier, "aasIdentifier")
    return _json(_find(_environment(request), identifier, model.AssetAdministrationShell, "aasIdentifier"))


@router.get("/shells/{aas_identifier}/submodel-refs", summary="A shell's submodel references")
async def submodel_refs(aas_identifier: str, request: Request, _: Reader, limit: AasLimit = 100,
                        cursor: Cursor = None) -> Response:
    identifier = decode_identifier(aas_identifier, "aasIdentifier")
    found = _find(_environment(request), identifier, model.AssetAdministrationShell, "aasIdentifier")
    references = sorted(found.submodel, key=lambda r: r.key[0].value)
    return _paged(references, limit, cursor)


@router.get("/submodels", summary="All submodels (GetAllSubmodels)")
async def all_submodels(request: Request, _: Reader, limit: AasLimit = 100, cursor: Cursor = None,
                        semantic_id: Annotated[str | None, Query(alias="semanticId")] = None) -> Response:
    submodels = _environment(request).submodels
    if semantic_id is not None:
        wanted = decode_identifier(semantic_id, "semanticId")
        submodels = [s for s in submodels if s.semantic_id is not None and s.semantic_id.key[0].value == wanted]
    return _paged(submodels, limit, cursor)


@router.get("/submodels/{submodel_identifier}", summary="One submodel (GetSubmodelById)")
async def submodel(submodel_identifier: str, request: Request, _: Reader) -> Response:
    identifier = decode_identifier(submodel_identifier, "submodelIdentifier")
    return _json(_find(_environment(request), identifier, model.Submodel, "submodelIdentifier"))


@router.get("/submodels/{submodel_identifier}/$value", summary="A submodel's value-only form")
async def submodel_value(submodel_identifier: str, request: Request, _: Reader) -> Response:
    identifier = decode_identifier(submodel_identifier, "submodelIdentifier")
    found: model.Submodel = _find(_environment(request), identifier, model.Submodel, "submodelIdentifier")
    return Response(json.dumps(_values(found.submodel_element)), media_type="application/json")


VALUELESS = (model.Capability, model.Operation, model.BasicEventElement)
"""Elements the value-only form leaves out: they carry no value."""


def _values(elements: Iterable[model.SubmodelElement]) -> dict[str, Any]:
    return {e.id_short: value_only(e) for e in elements if not isinstance(e, VALUELESS)}


def value_only(element: model.SubmodelElement) -> Any:
    """The value-only serialisation of an element (AAS Part 2, ValueOnly): values without their metadata."""
    if isinstance(element, model.Property):
        return _scalar(element.value)
    if isinstance(element, model.MultiLanguageProperty):
        return [{language: text} for language, text in (element.value or {}).items()]
    if isinstance(element, model.Range):
        return {"min": _scalar(element.min), "max": _scalar(element.max)}
    if isinstance(element, model.File):
        return {"contentType": element.content_type, "value": element.value}
    if isinstance(element, model.Blob):
        return {"contentType": element.content_type}
    if isinstance(element, model.SubmodelElementCollection):
        return _values(element.value)
    if isinstance(element, model.SubmodelElementList):
        return [value_only(child) for child in element.value if not isinstance(child, VALUELESS)]
    if isinstance(element, model.ReferenceElement):
        return _reference(element.value)
    if isinstance(element, model.Entity):
        return {"statements": _values(element.statement),
                "entityType": element.entity_type.name.title().replace("_", ""),
                "globalAssetId": element.global_asset_id}
    if isinstance(element, model.RelationshipElement):
        return {"first": _reference(element.first), "second": _reference(element.second)}
    return None


def _reference(reference: model.Reference | None) -> Any:
    if reference is None:
        return None
    return json.loads(json.dumps(reference, cls=ConformingJsonEncoder))


def _scalar(value: object) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        return float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return model.datatypes.xsd_repr(value)  # type: ignore[arg-type]
