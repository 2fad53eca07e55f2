"""Asset Administration Shell documents: domain records ⇄ AAS environments (JSON, XML, AASX), checked by aas-core.

Conversions (`export`, `read`) are pure mappings between domain records and basyx objects; `files` does the I/O;
`verify` runs aas-core3.1 on what is written or about to be read. Semantic ids live in `semantics`.
"""

from fabnet.standards.aas.errors import AasError
from fabnet.standards.aas.export import export_environment
from fabnet.standards.aas.files import (
    FORMATS,
    DocumentFormat,
    load_environment,
    read_document,
    read_supplementary_files,
    write_document,
)
from fabnet.standards.aas.read import read_environment
from fabnet.standards.aas.records import DomainRecord, RecordKind
from fabnet.standards.aas.verify import verify_document

__all__ = [
    "FORMATS",
    "AasError",
    "DocumentFormat",
    "DomainRecord",
    "RecordKind",
    "export_environment",
    "load_environment",
    "read_document",
    "read_environment",
    "read_supplementary_files",
    "verify_document",
    "write_document",
]
