"""AAS documents of every kind and format: conformance (aas-core3.1), basyx readability, IDTA semantics, errors."""

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import aas_core3_1.jsonization as core_json
import aas_core3_1.verification as core_verification
import aas_core3_1.xmlization as core_xml
import pytest
from basyx.aas import model
from basyx.aas.adapter import aasx as basyx_aasx
from basyx.aas.adapter import json as basyx_json
from basyx.aas.adapter import xml as basyx_xml

from domain.samples import bracket, company, frame, machine, order, part, process_plan
from fabnet.domain import Measurement, Part
from fabnet.standards.aas import (
    FORMATS,
    AasError,
    export_environment,
    read_document,
    read_supplementary_files,
    verify_document,
    write_document,
)
from fabnet.standards.aas import semantics as sem
from fabnet.standards.aas.export import cad_file_path

DOCUMENTS = {
    "company": [company(), machine(), machine("laser-2")],
    "machine": [machine()],
    "design": [frame(), bracket()],
    "order": [order()],
    "plan": [process_plan()],
    "passport": [part()],
}


def basyx_read(path: Path) -> model.DictIdentifiableStore:
    """The document read by basyx alone, strictly (not failsafe)."""
    store: model.DictIdentifiableStore = model.DictIdentifiableStore()
    if path.suffix == ".json":
        with open(path, encoding="utf-8") as stream:
            basyx_json.read_aas_json_file_into(store, stream, failsafe=False)
    elif path.suffix == ".xml":
        with open(path, "rb") as stream:
            basyx_xml.read_aas_xml_file_into(store, stream, failsafe=False)
    else:
        with basyx_aasx.AASXReader(str(path), failsafe=False) as reader:
            reader.read_into(store, basyx_aasx.DictSupplementaryFileContainer())
    return store


def aas_core_findings(path: Path) -> list[str]:
    """aas-core3.1's own findings, straight from the file (XML: namespace 3.0 → 3.1, the only difference)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        environment = core_json.environment_from_jsonable(json.loads(text))
    else:
        environment = core_xml.environment_from_str(text.replace("https://admin-shell.io/aas/3/0", core_xml.NAMESPACE))
    return [f"{finding.path}: {finding.cause}" for finding in core_verification.verify(environment)]


def submodel(store: model.DictIdentifiableStore, concept: str) -> model.Submodel:
    (found,) = [
        obj for obj in store
        if isinstance(obj, model.Submodel) and obj.semantic_id is not None and obj.semantic_id.key[0].value == concept
    ]
    return found


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", DOCUMENTS)
def test_every_kind_and_format_conforms_reads_back_with_basyx_and_round_trips(kind: str, fmt: str,
                                                                             tmp_path: Path) -> None:
    records = DOCUMENTS[kind]
    path = write_document(records, tmp_path / f"{kind}.{fmt}", fmt)  # type: ignore[arg-type]
    assert verify_document(path) == []
    if fmt != "aasx":
        assert aas_core_findings(path) == []
    shells = [obj for obj in basyx_read(path) if isinstance(obj, model.AssetAdministrationShell)]
    assert len(shells) == len(records)
    assert {s.asset_information.asset_type for s in shells} <= {sem.asset_type(k) for k in
                                                              ("company", "machine", "design", "order", "plan",
                                                               "part")}
    back = read_document(path)
    assert [r.model_dump_json() for r in back] == [r.model_dump_json() for r in records]


def test_company_has_a_digital_nameplate_and_a_capability_description_of_its_machines() -> None:
    store = export_environment(DOCUMENTS["company"])
    company_sm = [obj for obj in store if isinstance(obj, model.Submodel) and "/company/" in obj.id]
    nameplate = next(s for s in company_sm if s.semantic_id.key[0].value == sem.NAMEPLATE)
    name = nameplate.get_referable("ManufacturerName")
    assert isinstance(name, model.MultiLanguageProperty)
    assert dict(name.value) == {"en": "acme-sheet B.V. (fictional)"}
    assert name.semantic_id.key[0].value == sem.NAMEPLATE_MANUFACTURER_NAME
    address = nameplate.get_referable("AddressInformation")
    assert dict(address.get_referable("CityTown").value) == {"en": "Eindhoven"}
    capabilities = next(s for s in company_sm if s.semantic_id.key[0].value == sem.CAPABILITY_DESCRIPTION)
    containers = list(capabilities.get_referable("CapabilitySet").value)
    assert len(containers) == 2  # two lasers with one skill each
    first = containers[0]
    assert first.semantic_id.key[0].value == sem.CAPABILITY_CONTAINER
    capability = first.get_referable("cut_laser")
    assert isinstance(capability, model.Capability)
    assert capability.semantic_id.key[0].value == sem.skill_semantic_id("cut.laser")
    assert capability.get_qualifier_by_type("CapabilityRoleQualifier/Offered").value is True
    ranges = first.get_referable("PropertySet")
    assert ranges.get_referable("MaxThicknessMm").value == 20.0
    assert [p.value for p in ranges.get_referable("EnvelopeMm").value] == [3000.0, 1500.0, 25.0]


def test_assembly_bill_of_material_uses_hierarchical_structures() -> None:
    store = export_environment([frame()])
    bom = submodel(store, sem.HIERARCHICAL_STRUCTURES)
    assert bom.get_referable("ArcheType").value == "OneDown"
    entry = bom.get_referable("EntryNode")
    assert entry.global_asset_id == sem.asset_id("design", "frame-a")
    node = entry.get_referable("Node001")
    assert node.semantic_id.key[0].value == sem.HS_NODE
    assert node.global_asset_id == sem.asset_id("design", "bracket-a")
    assert node.get_referable("BulkCount").value == 4
    assert entry.get_referable("HasPart001").second.key[-1].value == "Node001"


def test_passport_carries_carbon_footprint_and_time_series_of_signal_summaries() -> None:
    store = export_environment([part()])
    footprint = submodel(store, sem.CARBON_FOOTPRINT).get_referable("ProductCarbonFootprint")
    assert footprint.get_referable("PCFCO2eq").value == 0.9
    assert footprint.get_referable("PCFCO2eq").semantic_id.key[0].value == sem.PCF_CO2_EQ
    series = submodel(store, sem.TIME_SERIES)
    records = series.get_referable("Segments").get_referable("InternalSegment").get_referable("Records")
    (record,) = records.value
    assert record.get_referable("Signal_power_kw_mean").value == 5.8
    assert record.get_referable("Time").value == part().route[0].start


def test_plan_holds_one_manufacturing_instruction_per_operation() -> None:
    plan_sm = submodel(export_environment([process_plan()]), sem.PROCESS_PLAN)
    operations = plan_sm.get_referable("Operations")
    assert [op.semantic_id.key[0].value for op in operations.value] == [sem.MANUFACTURING_INSTRUCTION] * 2
    cut = operations.value[0]
    assert cut.get_referable("Instructions").get_referable("power_kw").value == 6.0
    assert cut.get_referable("SetupFamily").value == "S235-3"


def test_numbers_are_written_in_exact_xsd_lexical_form(tmp_path: Path) -> None:
    laser = machine().model_copy(update={"hourly_rate_eur": Decimal("1E+3"), "power_kw": 1e-300,
                                        "idle_power_kw": 0.0})
    made = part().model_copy(update={"measurements": (
        Measurement(characteristic="drift", value=float("inf"), timestamp=part().route[0].start),
        Measurement(characteristic="tiny", value=0.1 + 0.2, timestamp=part().route[0].start),
    )})
    path = write_document([laser, made], tmp_path / "numbers.json", "json")
    text = path.read_text()
    assert '"value": "1000",\n' in text and '"valueType": "xs:decimal"' in text
    assert '"value": "1E-300"' in text
    assert '"value": "INF"' in text
    assert '"value": "0.30000000000000004"' in text
    assert aas_core_findings(path) == []
    laser_back, part_back = read_document(path)
    assert laser_back.hourly_rate_eur == Decimal(1000) and laser_back.power_kw == 1e-300
    assert isinstance(part_back, Part) and part_back.measurements[1].value == 0.1 + 0.2


@pytest.mark.parametrize("fmt", FORMATS)
def test_datetimes_keep_every_microsecond_and_their_offset(fmt: str, tmp_path: Path) -> None:
    # basyx alone reads `.031580` as 31579 µs (float truncation); fabnet's decoders read it exactly
    zone = timezone(-timedelta(hours=6, minutes=10))
    sample = order().model_copy(update={"release": datetime(2020, 4, 8, 13, 6, 31, 30678, tzinfo=zone),
                                        "due": datetime(2020, 6, 19, 4, 49, 27, 31580, tzinfo=zone)})
    (back,) = read_document(write_document([sample], tmp_path / f"order.{fmt}", fmt))  # type: ignore[arg-type]
    assert back.due.microsecond == 31580 and back.due.utcoffset() == -timedelta(hours=6, minutes=10)
    assert back.model_dump_json() == sample.model_dump_json()


def test_aasx_packs_cad_files_whose_bytes_are_given(tmp_path: Path) -> None:
    content = b"ISO-10303-21;\nHEADER;\nENDSEC;\n"
    design = bracket().model_copy(update={"cad_files": (
        bracket().cad_files[0].model_copy(update={"sha256": hashlib.sha256(content).hexdigest()}),
    )})
    path = write_document([design], tmp_path / "bracket.aasx", "aasx", files={"bracket-a.step": content})
    assert verify_document(path) == []
    assert read_supplementary_files(path) == {cad_file_path(design.cad_files[0]): content}
    cad = submodel(basyx_read(path), sem.DESIGN_DATA).get_referable("CadFiles").value[0]
    assert cad.get_referable("Content").value == cad_file_path(design.cad_files[0])
    assert read_document(path) == [design]


def test_cad_bytes_that_do_not_match_the_hash_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    target = tmp_path / "bracket.aasx"
    with pytest.raises(AasError, match=r"bracket\.aasx: bytes given for CAD file 'bracket-a\.step'.*sha256"):
        write_document([bracket()], target, "aasx", files={"bracket-a.step": b"not the file"})
    assert list(tmp_path.iterdir()) == []


def _tamper(path: Path, old: str, new: str) -> Path:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("fmt", "old", "new", "reason"),
    [
        ("json", '"idShort": "Nameplate"', '"idShort": "1Nameplate"', r"ID-short"),
        ("json", '"value": "95.50"', '"value": "ninety"',
         r"\(MachineOperation.HourlyRateEur\): Value must be consistent with the value type"),
        ("xml", "<aas:idShort>Nameplate</aas:idShort>", "<aas:idShort>Name plate</aas:idShort>", r"ID-short"),
        ("json", '"assetAdministrationShells"', '"shells"',
         r"not an AAS JSON environment: Unexpected property: shells"),
        ("json", '"submodels"', "submodels", r"not JSON: Expecting"),
        ("xml", "</aas:environment>", "", r"not well-formed XML"),
        # conforms to the AAS metamodel, but holds a record the domain refuses
        ("json", '"value": "12345678"', '"value": "1234"', r"kvk: KvK number must be exactly 8 digits, got '1234'"),
    ],
)
def test_a_non_conforming_or_malformed_document_is_one_line_naming_the_file(
    fmt: str, old: str, new: str, reason: str, tmp_path: Path
) -> None:
    path = write_document([company(), machine()], tmp_path / f"bad.{fmt}", fmt)  # type: ignore[arg-type]
    _tamper(path, old, new)
    with pytest.raises(AasError) as raised:
        read_document(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert re.search(reason, message), message


def test_a_file_that_is_no_package_or_absent_is_an_error_naming_it(tmp_path: Path) -> None:
    junk = tmp_path / "junk.aasx"
    junk.write_bytes(b"PK not really")
    with pytest.raises(AasError, match=r"junk\.aasx: not an AASX \(OPC zip\) package"):
        read_document(junk)
    with pytest.raises(AasError, match=r"absent\.json: cannot read the file"):
        read_document(tmp_path / "absent.json")


def test_a_shell_missing_a_submodel_is_refused(tmp_path: Path) -> None:
    path = write_document([machine()], tmp_path / "machine.json", "json")
    document = json.loads(path.read_text())
    document["submodels"] = [s for s in document["submodels"] if s["idShort"] != "MachineOperation"]
    path.write_text(json.dumps(document))
    with pytest.raises(AasError, match=r"submodel .*MachineOperation is not in the document"):
        read_document(path)


def test_a_document_holds_each_record_once(tmp_path: Path) -> None:
    with pytest.raises(AasError, match=r"twice\.json: two machine records named 'laser-1'"):
        write_document([machine(), machine()], tmp_path / "twice.json", "json")
    assert not (tmp_path / "twice.json").exists()
