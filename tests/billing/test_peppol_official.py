"""The validator against OpenPEPPOL's own unit tests and examples: every listed rule gives exactly its outcome."""

from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from fabnet.standards.peppol_validation import rule_files, validate_document
from fabnet.standards.schematron import SchematronValidator

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
PEPPOL = Path(__file__).resolve().parents[3] / "shared" / "peppol-bis-3"
UNIT_FOLDERS = ("unit-UBL-NL", "unit-UBL-PEPPOL")


@dataclass(frozen=True)
class UnitTest:
    folder: str
    file: str
    index: int
    document: bytes
    success: tuple[str, ...]
    error: tuple[str, ...]
    warning: tuple[str, ...]


def _unit_files() -> list[tuple[str, str]]:
    # every file of the folders, whatever its extension (one official file is named `.xm`)
    return [(folder, path.name) for folder in UNIT_FOLDERS if (PEPPOL / folder).is_dir()
            for path in sorted((PEPPOL / folder).iterdir()) if path.is_file()]


def load_tests(peppol: Path, folder: str, file: str) -> list[UnitTest]:
    root = etree.parse(str(peppol / folder / file)).getroot()
    tests = []
    for index, test in enumerate(root.findall(f"{VEFA}test")):
        expected = test.find(f"{VEFA}assert")
        documents = [child for child in test if isinstance(child.tag, str) and not child.tag.startswith(VEFA)]
        assert expected is not None and len(documents) == 1, f"{file} test {index}: unexpected layout"

        def ids(kind: str, expected: etree._Element = expected) -> tuple[str, ...]:
            return tuple((e.text or "").strip() for e in expected.findall(f"{VEFA}{kind}"))

        tests.append(UnitTest(folder, file, index, etree.tostring(documents[0]), ids("success"), ids("error"),
                              ids("warning")))
    return tests


@pytest.fixture(scope="module")
def official_rules(rules: SchematronValidator) -> SchematronValidator:
    return rules


@pytest.mark.parametrize(("folder", "file"), _unit_files() or [("unit-UBL-NL", "missing")])
def test_official_unit_tests(shared_dir: Path, official_rules: SchematronValidator, folder: str, file: str) -> None:
    tests = load_tests(shared_dir / "peppol-bis-3", folder, file)
    wrong = []
    for test in tests:
        findings = official_rules.validate(test.document)
        fired = {(f.rule_id, f.flag.value) for f in findings}
        ids = {f.rule_id for f in findings}
        wrong += [f"test {test.index}: {rule} should pass" for rule in test.success if rule in ids]
        wrong += [f"test {test.index}: {rule} should be fatal" for rule in test.error if (rule, "fatal") not in fired]
        wrong += [f"test {test.index}: {rule} should warn" for rule in test.warning if (rule, "warning") not in fired]
    assert not wrong, f"{file}: " + "; ".join(wrong)


def test_every_official_unit_test_is_collected(shared_dir: Path) -> None:
    counted = sum(len(load_tests(shared_dir / "peppol-bis-3", folder, file)) for folder, file in _unit_files())
    expected_outcomes = sum(
        len(t.success) + len(t.error) + len(t.warning)
        for folder, file in _unit_files() for t in load_tests(shared_dir / "peppol-bis-3", folder, file)
    )
    assert counted >= 240
    assert expected_outcomes >= counted


@pytest.mark.parametrize("example", sorted(p.name for p in (PEPPOL / "examples").glob("*.xml")) or ["missing"])
def test_official_examples_have_no_fatal_finding(shared_dir: Path, rules: SchematronValidator, example: str) -> None:
    document = (shared_dir / "peppol-bis-3" / "examples" / example).read_bytes()
    findings = rules.validate(document)
    assert [f.rule_id for f in findings if f.is_fatal] == []


def test_packaged_rule_files_are_the_official_ones(shared_dir: Path) -> None:
    for packaged in rule_files():
        assert packaged.read_bytes() == (shared_dir / "peppol-bis-3" / "sch" / packaged.name).read_bytes()


def test_product_validator_checks_xsd_and_rules(shared_dir: Path) -> None:
    document = (shared_dir / "peppol-bis-3" / "examples" / "base-example.xml").read_bytes()
    assert validate_document(document).valid
    broken = document.replace(b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>",
                              b"<cbc:IssueDate>13-11-2017</cbc:IssueDate>")
    report = validate_document(broken)
    assert not report.valid
    assert report.schema_errors and "IssueDate" in report.schema_errors[0]
