"""Offline Peppol BIS Billing 3.0 validation: UBL 2.1 XSD, the CEN EN 16931 rules and the Peppol/NLCIUS rules."""

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from fabnet.standards.schematron import Finding, SchematronValidator
from fabnet.standards.ubl import document_kind, xsd_errors

RULE_FILES = ("CEN-EN16931-UBL.sch", "PEPPOL-EN16931-UBL.sch")


@dataclass(frozen=True)
class ValidationReport:
    """Everything the validator found in one document; valid means no schema error and no fatal finding."""

    document: str
    kind: str
    schema_errors: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.is_fatal]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_fatal]

    @property
    def valid(self) -> bool:
        return not self.schema_errors and not self.fatal

    def to_json(self) -> dict[str, object]:
        return {
            "document": self.document,
            "kind": self.kind,
            "valid": self.valid,
            "schema_errors": self.schema_errors,
            "fatal": [f.to_json() for f in self.fatal],
            "warnings": [f.to_json() for f in self.warnings],
        }


def rule_files() -> list[Path]:
    """The packaged copies of the official rule files (see peppol_rules/README.md for their origin)."""
    folder = resources.files("fabnet.standards") / "peppol_rules"
    return [Path(str(folder / name)) for name in RULE_FILES]


@cache
def peppol_validator(cache_dir: Path | None = None) -> SchematronValidator:
    """One compiled validator per process; the compiled XSLT is cached on disk between runs."""
    return SchematronValidator(rule_files(), cache_dir=cache_dir)


def validate_document(document: bytes, name: str = "document", cache_dir: Path | None = None) -> ValidationReport:
    """Validate a UBL invoice or credit note against the XSD and both rule sets; UblError if it is not UBL."""
    kind = document_kind(document)
    return ValidationReport(
        document=name,
        kind=kind,
        schema_errors=xsd_errors(document),
        findings=peppol_validator(cache_dir).validate(document),
    )
