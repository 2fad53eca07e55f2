"""Conformance of AAS documents with the metamodel, checked by aas-core3.1 on the bytes as written.

JSON is checked as it is. XML is checked as it is too, after its namespace is moved from AAS 3.0 (which basyx
writes) to 3.1 (which aas-core3.1 reads): the two differ in no construct fabnet writes. An AASX is checked part by
part: every aas-spec part the package's aasx-origin points to.
"""

import json
from pathlib import Path
from xml.etree import ElementTree

import aas_core3_1.jsonization as aas_json
import aas_core3_1.verification as aas_verification
import aas_core3_1.xmlization as aas_xml
import pyecma376_2

_XML_NAMESPACE_3_0 = "https://admin-shell.io/aas/3/0"
_AASX_ORIGIN = "http://admin-shell.io/aasx/relationships/aasx-origin"
_AAS_SPEC = "http://admin-shell.io/aasx/relationships/aas-spec"


def verify_document(path: Path) -> list[str]:
    """aas-core's findings for the document (empty when it conforms), each `where: what`."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".aasx":
            return _verify_package(path)
        data = path.read_bytes()
    except OSError as error:
        return [f"cannot read the file: {error.strerror or error}"]
    return verify_bytes(data, "xml" if suffix == ".xml" else "json")


def verify_bytes(data: bytes, fmt: str) -> list[str]:
    """aas-core's findings for one serialised environment (`fmt` json or xml)."""
    try:
        if fmt == "xml":
            text = data.decode("utf-8").replace(_XML_NAMESPACE_3_0, aas_xml.NAMESPACE)
            environment = aas_xml.environment_from_str(text)
        else:
            environment = aas_json.environment_from_jsonable(json.loads(data.decode("utf-8-sig")))
    except UnicodeDecodeError as error:
        return [f"not UTF-8 text: {error.reason} at byte {error.start}"]
    except json.JSONDecodeError as error:
        return [f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"]
    except aas_xml.DeserializationException as error:
        return [f"not an AAS XML environment: {_located(str(error.path), error.cause)}"]
    except aas_json.DeserializationException as error:
        return [f"not an AAS JSON environment: {_located(str(error.path), error.cause)}"]
    except ElementTree.ParseError as error:
        return [f"not well-formed XML: {error}"]
    return [f"{_where(finding.path)}: {finding.cause}" for finding in aas_verification.verify(environment)]


def _located(path: str, cause: str) -> str:
    return f"{path}: {cause}" if path else cause


def _where(path: aas_verification.Path) -> str:
    """aas-core's path (`.submodels[4].submodel_elements[0]`) with the idShorts it passes through, which a reader
    can find in the document: `.submodels[4].submodel_elements[0] (MachineOperation.HourlyRateEur)`."""
    names: list[str] = []
    for segment in path.segments:
        if isinstance(segment, aas_verification.IndexSegment):
            reached = segment.sequence[segment.index]
        else:
            reached = segment.instance
        id_short = getattr(reached, "id_short", None)
        if id_short and (not names or names[-1] != id_short):
            names.append(id_short)
    where = str(path) or "environment"
    return f"{where} ({'.'.join(names)})" if names else where


def _verify_package(path: Path) -> list[str]:
    try:
        reader = pyecma376_2.ZipPackageReader(str(path))
    except FileNotFoundError:
        return ["no such file"]
    except Exception as error:  # the OPC reader raises whatever zipfile or its XML parser raise
        return [f"not an AASX (OPC zip) package: {error}"]
    try:
        origins = reader.get_related_parts_by_type().get(_AASX_ORIGIN, [])
        if not origins:
            return ["not an AASX package: the aasx-origin relationship is missing"]
        parts = reader.get_related_parts_by_type(origins[0]).get(_AAS_SPEC, [])
        if not parts:
            return ["AASX package holds no aas-spec part"]
        findings: list[str] = []
        for part in parts:
            with reader.open_part(part) as stream:
                data = stream.read()
            fmt = "xml" if part.lower().endswith(".xml") else "json"
            findings.extend(f"{part}: {finding}" for finding in verify_bytes(data, fmt))
        return findings
    finally:
        reader.close()
