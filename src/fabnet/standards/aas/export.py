"""Domain records → an AAS environment (basyx objects): one shell per record with its submodels. No file I/O.

| record      | shell's submodels                                                                              |
|-------------|------------------------------------------------------------------------------------------------|
| Company     | Nameplate (IDTA 02006-3-0), CapabilityDescription (IDTA 02020) of the company's machines' skills |
| Machine     | Nameplate, CapabilityDescription (its skills and parameter ranges), MachineOperation (fabnet)    |
| Design      | DesignData (fabnet; CAD files as File elements), HierarchicalStructures BoM (IDTA 02011)         |
| Order       | PurchaseOrder (fabnet)                                                                         |
| ProcessPlan | ProcessPlan (fabnet): one ManufacturingInstruction collection per operation                     |
| Part        | PartGenealogy (fabnet), CarbonFootprint (IDTA 02023), TimeSeries of signal summaries (IDTA 02008) |
"""

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from basyx.aas import model

from fabnet.domain import CadFile, Company, Design, DesignKind, Machine, MachineSkill, Order, Part, ProcessPlan
from fabnet.domain.skills import SKILLS
from fabnet.standards.aas import semantics
from fabnet.standards.aas.codec import encode_record, is_id_short, reference
from fabnet.standards.aas.records import DomainRecord, RecordKind, kind_of, record_key

_MIME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+/[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
CAPABILITY_PREFIX = "Capability"
NODE_PREFIX = "Node"


_ASSET_KINDS = {
    RecordKind.COMPANY: model.AssetKind.INSTANCE,
    RecordKind.MACHINE: model.AssetKind.INSTANCE,
    RecordKind.DESIGN: model.AssetKind.TYPE,  # a design is the type its parts are instances of
    RecordKind.ORDER: model.AssetKind.NOT_APPLICABLE,
    RecordKind.PLAN: model.AssetKind.NOT_APPLICABLE,
    RecordKind.PART: model.AssetKind.INSTANCE,
}


@dataclass(frozen=True)
class ExportedShell:
    """One record's shell and its submodels."""

    shell: model.AssetAdministrationShell
    submodels: tuple[model.Submodel, ...]


def export_environment(
    records: Iterable[DomainRecord], packed: Container[str] = frozenset()
) -> model.DictIdentifiableStore:
    """All records as one AAS environment. A company's capability description lists the skills of the machines
    among `records` that belong to it. `packed` holds the sha256 of the CAD files whose bytes travel with the
    document (in an AASX): their File elements point into the package; the others state only the media type."""
    records = list(records)
    machines = [r for r in records if isinstance(r, Machine)]
    store: model.DictIdentifiableStore = model.DictIdentifiableStore()
    seen: set[tuple[RecordKind, str]] = set()
    for record in records:
        identity = (kind_of(record), record_key(record))
        if identity in seen:
            raise ValueError(f"two {identity[0].value} records named {identity[1]!r}; a document holds each once")
        seen.add(identity)
        exported = export_record(record, machines, packed)
        store.add(exported.shell)
        for submodel in exported.submodels:
            store.add(submodel)
    return store


def export_record(
    record: DomainRecord, machines: Iterable[Machine] = (), packed: Container[str] = frozenset()
) -> ExportedShell:
    kind = kind_of(record)
    key = record_key(record)
    if isinstance(record, Company):
        submodels = _company(record, [m for m in machines if m.company_id == record.id])
    elif isinstance(record, Machine):
        submodels = _machine(record)
    elif isinstance(record, Design):
        submodels = _design(record, packed)
    elif isinstance(record, Order):
        submodels = [_submodel(kind, key, "PurchaseOrder", semantics.PURCHASE_ORDER, encode_record(record))]
    elif isinstance(record, ProcessPlan):
        submodels = [_submodel(kind, key, "ProcessPlan", semantics.PROCESS_PLAN, encode_record(record))]
    else:
        submodels = _part(record)
    asset_kind = _ASSET_KINDS[kind]
    shell = model.AssetAdministrationShell(
        model.AssetInformation(
            asset_kind,
            global_asset_id=semantics.asset_id(kind.value, key),
            asset_type=semantics.asset_type(kind.value),
        ),
        id_=semantics.shell_id(kind.value, key),
        id_short=id_short_for(kind.value.capitalize(), key),
        submodel={model.ModelReference.from_referable(sm) for sm in submodels},
    )
    return ExportedShell(shell, tuple(submodels))


def id_short_for(prefix: str, text: str) -> str:
    """A valid idShort that reads like the record id: `Machine_laser-1`, `Design_bracket_A_7`."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", text)
    candidate = f"{prefix}_{cleaned}".rstrip("-")
    return candidate[:128] if is_id_short(candidate[:128]) else prefix


def _submodel(
    kind: RecordKind, key: str, name: str, concept: str, elements: Iterable[model.SubmodelElement]
) -> model.Submodel:
    return model.Submodel(
        semantics.submodel_id(kind.value, key, name),
        id_short=name,
        semantic_id=reference(concept),
        submodel_element=list(elements),
    )


def _company(company: Company, machines: list[Machine]) -> list[model.Submodel]:
    nameplate = [
        model.Property(
            "URIOfTheProduct",
            model.datatypes.String,
            semantics.asset_id("company", company.id),
            semantic_id=reference(semantics.NAMEPLATE_URI_OF_THE_PRODUCT),
        ),
        *encode_record(company),
        model.Property(
            "PeppolParticipantId",
            model.datatypes.String,
            company.peppol_id,
            semantic_id=reference(semantics.field_semantic_id("Company", "peppol_id")),
        ),
    ]
    offered = [(machine, skill) for machine in machines for skill in machine.skills]
    return [
        _submodel(RecordKind.COMPANY, company.id, "Nameplate", semantics.NAMEPLATE, nameplate),
        _submodel(RecordKind.COMPANY, company.id, "CapabilityDescription", semantics.CAPABILITY_DESCRIPTION,
                  [_capability_set(offered)]),
    ]


def _machine(machine: Machine) -> list[model.Submodel]:
    nameplate_fields = ("id", "company_id", "name", "manufacturer", "model", "year_of_construction")
    operation_fields = [name for name in Machine.model_fields if name not in (*nameplate_fields, "skills")]
    return [
        _submodel(RecordKind.MACHINE, machine.id, "Nameplate", semantics.NAMEPLATE, [
            model.Property(
                "URIOfTheProduct",
                model.datatypes.String,
                semantics.asset_id("machine", machine.id),
                semantic_id=reference(semantics.NAMEPLATE_URI_OF_THE_PRODUCT),
            ),
            *encode_record(machine, nameplate_fields),
        ]),
        _submodel(RecordKind.MACHINE, machine.id, "CapabilityDescription", semantics.CAPABILITY_DESCRIPTION,
                  [_capability_set([(machine, skill) for skill in machine.skills])]),
        _submodel(RecordKind.MACHINE, machine.id, "MachineOperation", semantics.MACHINE_OPERATION,
                  encode_record(machine, operation_fields)),
    ]


def _capability_set(offered: list[tuple[Machine, MachineSkill]]) -> model.SubmodelElementCollection:
    """IDTA CapabilitySet: per machine skill a container with the Capability (role: offered) and its ranges."""
    containers = []
    for index, (machine, skill) in enumerate(offered, start=1):
        definition = SKILLS.get(skill.skill)
        capability = model.Capability(
            re.sub(r"[^A-Za-z0-9_]", "_", skill.skill),
            semantic_id=reference(semantics.skill_semantic_id(skill.skill)),
            qualifier={
                model.Qualifier(
                    "CapabilityRoleQualifier/Offered",
                    model.datatypes.Boolean,
                    True,
                    semantic_id=reference(semantics.CAPABILITY_ROLE_OFFERED),
                )
            },
        )
        comment = f"{definition.name if definition else skill.skill} on {machine.name}"
        properties = [
            model.ReferenceElement(
                "Machine",
                model.ModelReference(
                    (model.Key(model.KeyTypes.ASSET_ADMINISTRATION_SHELL, semantics.shell_id("machine", machine.id)),),
                    model.AssetAdministrationShell,
                ),
            ),
            model.Property(
                "MachineId",
                model.datatypes.String,
                machine.id,
                semantic_id=reference(semantics.field_semantic_id("Machine", "id")),
            ),
            *encode_record(skill),
        ]
        containers.append(
            model.SubmodelElementCollection(
                f"{CAPABILITY_PREFIX}{index:03d}",
                [
                    capability,
                    model.MultiLanguageProperty("Comment", model.MultiLanguageTextType({"en": comment})),
                    model.SubmodelElementCollection(
                        "PropertySet", properties, semantic_id=reference(semantics.CAPABILITY_PROPERTY_SET)
                    ),
                ],
                semantic_id=reference(semantics.CAPABILITY_CONTAINER),
            )
        )
    return model.SubmodelElementCollection(
        "CapabilitySet", containers, semantic_id=reference(semantics.CAPABILITY_SET)
    )


def cad_file_path(cad: CadFile) -> str:
    """Where a CAD file's bytes live inside an AASX package (content-addressed, so names never clash)."""
    return f"/aasx/cad/{cad.sha256}/{quote(cad.name, safe='')}"


def _design(design: Design, packed: Container[str]) -> list[model.Submodel]:
    elements = encode_record(design, [name for name in Design.model_fields if name != "bom"])
    for element in elements:
        if element.id_short == "CadFiles" and isinstance(element, model.SubmodelElementList):
            for cad, collection in zip(design.cad_files, element.value, strict=True):
                collection.value.add(
                    model.File(
                        "Content",
                        cad.media_type if _MIME.fullmatch(cad.media_type) else "application/octet-stream",
                        cad_file_path(cad) if cad.sha256 in packed else None,
                        semantic_id=reference(semantics.CAD_FILE_CONTENT),
                    )
                )
    submodels = [_submodel(RecordKind.DESIGN, design.id, "DesignData", semantics.DESIGN_DATA, elements)]
    if design.kind is DesignKind.ASSEMBLY:
        submodels.append(_bill_of_material(design))
    return submodels


def _bill_of_material(design: Design) -> model.Submodel:
    """IDTA Hierarchical Structures (archetype OneDown): the assembly as entry node, each BoM line a node."""
    sm_id = semantics.submodel_id("design", design.id, "HierarchicalStructures")
    entry_key = model.Key(model.KeyTypes.ENTITY, "EntryNode")
    sm_key = model.Key(model.KeyTypes.SUBMODEL, sm_id)
    statements: list[model.SubmodelElement] = []
    for index, line in enumerate(design.bom, start=1):
        node = f"{NODE_PREFIX}{index:03d}"
        statements.append(
            model.Entity(
                node,
                model.EntityType.SELF_MANAGED_ENTITY,
                statement=[
                    model.Property(
                        "BulkCount",
                        model.datatypes.Integer,
                        line.quantity,
                        semantic_id=reference(semantics.HS_BULK_COUNT),
                    )
                ],
                global_asset_id=semantics.asset_id("design", line.design_id),
                semantic_id=reference(semantics.HS_NODE),
            )
        )
        statements.append(
            model.RelationshipElement(
                f"HasPart{index:03d}",
                model.ModelReference((sm_key, entry_key), model.Entity),
                model.ModelReference((sm_key, entry_key, model.Key(model.KeyTypes.ENTITY, node)), model.Entity),
                semantic_id=reference(semantics.HS_HAS_PART),
            )
        )
    return model.Submodel(
        sm_id,
        id_short="HierarchicalStructures",
        semantic_id=reference(semantics.HIERARCHICAL_STRUCTURES),
        submodel_element=[
            model.Property(
                "ArcheType", model.datatypes.String, "OneDown", semantic_id=reference(semantics.HS_ARCHE_TYPE)
            ),
            model.Entity(
                "EntryNode",
                model.EntityType.SELF_MANAGED_ENTITY,
                statement=statements,
                global_asset_id=semantics.asset_id("design", design.id),
                semantic_id=reference(semantics.HS_ENTRY_NODE),
            ),
        ],
    )


def _part(part: Part) -> list[model.Submodel]:
    genealogy = encode_record(part, [name for name in Part.model_fields if name != "co2_kg"])
    footprint = model.SubmodelElementCollection(
        "ProductCarbonFootprint",
        [
            model.Property(
                "PCFCalculationMethod",
                model.datatypes.String,
                "GHG Protocol",
                semantic_id=reference(semantics.PCF_CALCULATION_METHOD),
            ),
            model.Property(
                "PCFCO2eq", model.datatypes.Double, part.co2_kg, semantic_id=reference(semantics.PCF_CO2_EQ)
            ),
            model.Property(
                "PCFReferenceValueForCalculation",
                model.datatypes.String,
                "piece",
                semantic_id=reference(semantics.PCF_REFERENCE_UNIT),
            ),
            model.Property(
                "PCFQuantityOfMeasureForCalculation",
                model.datatypes.Double,
                1.0,
                semantic_id=reference(semantics.PCF_QUANTITY),
            ),
        ],
        semantic_id=reference(semantics.PRODUCT_CARBON_FOOTPRINT),
    )
    return [
        _submodel(RecordKind.PART, part.id, "PartGenealogy", semantics.PART_GENEALOGY, genealogy),
        _submodel(RecordKind.PART, part.id, "CarbonFootprint", semantics.CARBON_FOOTPRINT, [footprint]),
        _submodel(RecordKind.PART, part.id, "TimeSeries", semantics.TIME_SERIES, _signal_series(part)),
    ]


def _signal_series(part: Part) -> list[model.SubmodelElement]:
    """IDTA Time Series: one record per route step, stamped with its start, holding the step's signal summary."""
    records = []
    for index, step in enumerate(part.route, start=1):
        values: list[model.SubmodelElement] = [
            model.Property("Time", model.datatypes.DateTime, step.start, semantic_id=reference(semantics.TS_TIME)),
            model.Property("Operation", model.datatypes.String, step.operation_id),
            model.Property("Machine", model.datatypes.String, step.machine_id),
            model.Property("EnergyKwh", model.datatypes.Double, step.energy_kwh),
        ]
        taken = {"Time", "Operation", "Machine", "EnergyKwh"}
        for name, value in step.signals_summary.items():
            id_short = id_short_for("Signal", name)
            if id_short not in taken:
                taken.add(id_short)
                values.append(model.Property(id_short, model.datatypes.Double, value))
        records.append(
            model.SubmodelElementCollection(f"Record{index:03d}", values, semantic_id=reference(semantics.TS_RECORD))
        )
    return [
        model.SubmodelElementCollection(
            "Metadata",
            [
                model.MultiLanguageProperty(
                    "Name",
                    model.MultiLanguageTextType({"en": f"Signal summaries of part {part.serial}"}),
                    semantic_id=reference(semantics.TS_NAME),
                )
            ],
            semantic_id=reference(semantics.TS_METADATA),
        ),
        model.SubmodelElementCollection(
            "Segments",
            [
                model.SubmodelElementCollection(
                    "InternalSegment",
                    [
                        model.SubmodelElementCollection(
                            "Records", records, semantic_id=reference(semantics.TS_RECORDS)
                        )
                    ],
                    semantic_id=reference(semantics.TS_INTERNAL_SEGMENT),
                )
            ]
            if records
            else [],
            semantic_id=reference(semantics.TS_SEGMENTS),
        ),
    ]
