"""AAS documents on disk: write records as JSON, XML or AASX, and read them back into records.

Writing checks the environment with aas-core before anything touches the disk, writes to a temporary file next to
the target and renames it into place, so a failed write leaves no half-written document. Reading checks the file
with aas-core first, then parses it with basyx (strict, not failsafe), then maps it to records: any problem is one
`AasError` line naming the file, and no record is returned.
"""

import hashlib
import io
import os
import zipfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pyecma376_2
from basyx.aas import model
from basyx.aas.adapter import aasx
from basyx.aas.adapter import json as aas_json
from basyx.aas.adapter import xml as aas_xml

from fabnet.standards.aas.basyx_adapters import ExactJsonDecoder, ExactXmlDecoder, environment_json
from fabnet.standards.aas.errors import AasContentError, AasError
from fabnet.standards.aas.export import cad_file_path, export_environment
from fabnet.standards.aas.read import read_environment
from fabnet.standards.aas.records import DomainRecord
from fabnet.standards.aas.verify import verify_bytes, verify_document

DocumentFormat = Literal["json", "xml", "aasx"]
FORMATS: tuple[DocumentFormat, ...] = ("json", "xml", "aasx")


def write_document(
    records: Iterable[DomainRecord],
    path: Path,
    fmt: DocumentFormat,
    files: Mapping[str, bytes] | None = None,
) -> Path:
    """Write the records as one AAS environment. `files` gives CAD file bytes by sha256 or by file name; in an
    AASX they are packed as supplementary files (JSON and XML only reference them)."""
    if fmt not in FORMATS:
        raise AasError(f"{path}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    records = list(records)
    supplementary = _supplementary_files(records, files or {}, path) if fmt == "aasx" else {}
    try:
        store = export_environment(records, packed={sha256 for sha256, _, _ in supplementary.values()})
    except (ValueError, TypeError) as error:
        raise AasError(f"{path}: {error}") from None
    findings = verify_bytes(environment_json(store).encode(), "json")
    if findings:
        raise AasError(f"{path}: the environment does not conform to the AAS metamodel: {findings[0]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")  # opened normally, so the umask applies
    try:
        if fmt == "json":
            temporary.write_text(environment_json(store, indent=2), encoding="utf-8")
        elif fmt == "xml":
            with open(temporary, "wb") as stream:
                aas_xml.write_aas_xml_file(stream, store)
        else:
            _write_package(temporary, store, supplementary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _supplementary_files(
    records: list[DomainRecord], files: Mapping[str, bytes], path: Path
) -> dict[str, tuple[str, str, bytes]]:
    """Package path → (sha256, media type, bytes) for every CAD file whose bytes were given; a sha256 mismatch is
    an error."""
    chosen: dict[str, tuple[str, str, bytes]] = {}
    for record in records:
        for cad in getattr(record, "cad_files", ()):
            content = files.get(cad.sha256, files.get(cad.name))
            if content is None:
                continue
            digest = hashlib.sha256(content).hexdigest()
            if digest != cad.sha256:
                raise AasError(
                    f"{path}: bytes given for CAD file {cad.name!r} of design {record.id!r} have sha256 {digest}, "
                    f"the design names {cad.sha256}"
                )
            chosen[cad_file_path(cad)] = (cad.sha256, cad.media_type, content)
    return chosen


def _write_package(
    path: Path, store: model.DictIdentifiableStore, files: dict[str, tuple[str, str, bytes]]
) -> None:
    file_store = aasx.DictSupplementaryFileContainer()
    for name, (_, media_type, content) in files.items():
        file_store.add_file(name, io.BytesIO(content), media_type)
    shells = [obj.id for obj in store if isinstance(obj, model.AssetAdministrationShell)]
    properties = pyecma376_2.OPCCoreProperties()
    properties.creator = "fabnet"
    properties.created = datetime.now(UTC)
    with aasx.AASXWriter(str(path), failsafe=False) as writer:
        writer.write_aas(shells, store, file_store)
        writer.write_core_properties(properties)


def load_environment(path: Path) -> tuple[model.DictIdentifiableStore, dict[str, bytes]]:
    """The file's environment (checked by aas-core, parsed strictly by basyx) and, for an AASX, its
    supplementary files by package path."""
    findings = verify_document(path)
    if findings:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise AasError(f"{path}: {findings[0]}{more}")
    store: model.DictIdentifiableStore = model.DictIdentifiableStore()
    contents: dict[str, bytes] = {}
    try:
        suffix = path.suffix.lower()
        if suffix == ".aasx":
            file_store = aasx.DictSupplementaryFileContainer()
            with aasx.AASXReader(str(path), failsafe=False) as reader:
                # fabnet writes the aas-spec part as XML; a package with a JSON part is read by basyx's own decoder
                if _has_json_part(path):
                    reader.read_into(store, file_store)
                else:
                    reader.read_into(store, file_store, decoder=ExactXmlDecoder)
            for name in file_store:
                buffer = io.BytesIO()
                file_store.write_file(name, buffer)
                contents[name] = buffer.getvalue()
        elif suffix == ".xml":
            with open(path, "rb") as stream:
                aas_xml.read_aas_xml_file_into(store, stream, decoder=ExactXmlDecoder)
        else:
            with open(path, encoding="utf-8-sig") as stream:
                aas_json.read_aas_json_file_into(store, stream, decoder=ExactJsonDecoder)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise AasError(f"{path}: basyx cannot read it: {error}") from None
    return store, contents


def _has_json_part(path: Path) -> bool:
    with zipfile.ZipFile(path) as package:
        return any(name.startswith("aasx/") and name.endswith(".json") for name in package.namelist())


def read_document(path: Path) -> list[DomainRecord]:
    """The domain records of an AAS document fabnet (or a tool following the same templates) wrote."""
    store, _ = load_environment(path)
    try:
        return read_environment(store)
    except AasContentError as error:
        raise AasError(f"{path}: {error}") from None


def read_supplementary_files(path: Path) -> dict[str, bytes]:
    """The supplementary files of an AASX (e.g. CAD files) by their path in the package; empty for JSON/XML."""
    return load_environment(path)[1]
