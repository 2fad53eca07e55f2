"""An AAS environment (basyx objects) → domain records: the inverse of `export`. No file I/O.

Each shell whose assetType is one of fabnet's record kinds becomes one record; its submodels are found by
semanticId. Derived views (a company's capability summary, a part's time series) are not read back: the record's
own submodels hold every field. Shells of other kinds are ignored, so fabnet reads documents that carry more.
"""

import re
from collections.abc import Iterable
from typing import Any

from basyx.aas import model
from pydantic import BaseModel, ValidationError

from fabnet.domain import Company, Design, Machine, MachineSkill, Order, Part, ProcessPlan
from fabnet.domain.errors import describe
from fabnet.standards.aas import semantics
from fabnet.standards.aas.codec import concept_of, decode_record
from fabnet.standards.aas.errors import AasContentError
from fabnet.standards.aas.export import CAPABILITY_PREFIX, NODE_PREFIX
from fabnet.standards.aas.records import DomainRecord, RecordKind

_SUFFIX = re.compile(r"(\d+)$")


def read_environment(store: model.AbstractObjectStore) -> list[DomainRecord]:
    """The records of every fabnet shell in the environment, in document order."""
    records: list[DomainRecord] = []
    for identifiable in store:
        if not isinstance(identifiable, model.AssetAdministrationShell):
            continue
        kind = _kind(identifiable)
        if kind is None:
            continue
        submodels = _submodels(identifiable, store)
        try:
            records.append(_read_record(kind, submodels, identifiable.id))
        except ValidationError as error:
            raise AasContentError(f"shell {identifiable.id}: {describe(error)}") from None
    return records


def _kind(shell: model.AssetAdministrationShell) -> RecordKind | None:
    asset_type = shell.asset_information.asset_type or ""
    prefix = f"{semantics.ASSET_TYPE}/"
    if not asset_type.startswith(prefix):
        return None
    try:
        return RecordKind(asset_type.removeprefix(prefix))
    except ValueError:
        raise AasContentError(f"shell {shell.id}: unknown fabnet asset type {asset_type!r}") from None


def _submodels(shell: model.AssetAdministrationShell, store: model.AbstractObjectStore) -> dict[str, model.Submodel]:
    """The shell's submodels keyed by semanticId."""
    found: dict[str, model.Submodel] = {}
    for ref in shell.submodel:
        try:
            submodel = ref.resolve(store)
        except (KeyError, ValueError, TypeError):
            raise AasContentError(f"shell {shell.id}: submodel {ref.key[-1].value} is not in the document") from None
        concept = concept_of(submodel)
        if concept is not None:
            found[concept] = submodel
    return found


def _required(submodels: dict[str, model.Submodel], concept: str, shell_id: str) -> model.Submodel:
    try:
        return submodels[concept]
    except KeyError:
        raise AasContentError(f"shell {shell_id}: no submodel with semanticId {concept}") from None


def _read_record(kind: RecordKind, submodels: dict[str, model.Submodel], shell_id: str) -> DomainRecord:
    def fields(record_type: type[BaseModel], concept: str) -> dict[str, Any]:
        submodel = _required(submodels, concept, shell_id)
        return decode_record(record_type, submodel.submodel_element, f"{submodel.id_short}.")

    if kind is RecordKind.COMPANY:
        return Company.model_validate(fields(Company, semantics.NAMEPLATE))
    if kind is RecordKind.MACHINE:
        capabilities = _required(submodels, semantics.CAPABILITY_DESCRIPTION, shell_id)
        values = {
            **fields(Machine, semantics.NAMEPLATE),
            **fields(Machine, semantics.MACHINE_OPERATION),
            "skills": _skills(capabilities),
        }
        return Machine.model_validate(values)
    if kind is RecordKind.DESIGN:
        values = fields(Design, semantics.DESIGN_DATA)
        if semantics.HIERARCHICAL_STRUCTURES in submodels:
            values["bom"] = _bill_of_material(submodels[semantics.HIERARCHICAL_STRUCTURES])
        return Design.model_validate(values)
    if kind is RecordKind.ORDER:
        return Order.model_validate(fields(Order, semantics.PURCHASE_ORDER))
    if kind is RecordKind.PLAN:
        return ProcessPlan.model_validate(fields(ProcessPlan, semantics.PROCESS_PLAN))
    values = fields(Part, semantics.PART_GENEALOGY)
    values["co2_kg"] = _co2_kg(_required(submodels, semantics.CARBON_FOOTPRINT, shell_id))
    return Part.model_validate(values)


def _indexed(elements: Iterable[model.SubmodelElement], prefix: str) -> list[model.SubmodelElement]:
    """Elements named `<prefix><n>` in the order of n (a collection keeps no order of its own)."""
    chosen = [e for e in elements if e.id_short and e.id_short.startswith(prefix) and _SUFFIX.search(e.id_short)]
    return sorted(chosen, key=lambda e: int(_SUFFIX.search(str(e.id_short)).group(1)))  # type: ignore[union-attr]


def _child(parent: model.UniqueIdShortNamespace, id_short: str, path: str, expected: type) -> Any:
    """The element `id_short` of a submodel, collection or entity, of the expected type."""
    try:
        child = parent.get_referable(id_short)
    except KeyError:
        raise AasContentError(f"{path}: no element {id_short}") from None
    if not isinstance(child, expected):
        raise AasContentError(f"{path}.{id_short}: expected a {expected.__name__}, found a {type(child).__name__}")
    return child


def _skills(capabilities: model.Submodel) -> list[dict[str, Any]]:
    capability_set = _child(capabilities, "CapabilitySet", "CapabilityDescription", model.SubmodelElementCollection)
    skills = []
    for container in _indexed(capability_set.value, CAPABILITY_PREFIX):
        path = f"CapabilityDescription.CapabilitySet.{container.id_short}"
        property_set = _child(container, "PropertySet", path, model.SubmodelElementCollection)
        skills.append(decode_record(MachineSkill, property_set.value, f"{path}.PropertySet."))
    return skills


def _bill_of_material(structures: model.Submodel) -> list[dict[str, Any]]:
    entry = _child(structures, "EntryNode", "HierarchicalStructures", model.Entity)
    lines = []
    for node in _indexed(entry.statement, NODE_PREFIX):
        path = f"HierarchicalStructures.EntryNode.{node.id_short}"
        if not isinstance(node, model.Entity):
            raise AasContentError(f"{path}: expected an Entity")
        design_id = semantics.record_id_of_asset("design", node.global_asset_id or "")
        if design_id is None:
            raise AasContentError(f"{path}: globalAssetId {node.global_asset_id!r} names no fabnet design")
        count = _child(node, "BulkCount", path, model.Property)
        lines.append({"design_id": design_id, "quantity": count.value})
    return lines


def _co2_kg(footprint: model.Submodel) -> Any:
    pcf = _child(footprint, "ProductCarbonFootprint", "CarbonFootprint", model.SubmodelElementCollection)
    return _child(pcf, "PCFCO2eq", "CarbonFootprint.ProductCarbonFootprint", model.Property).value
