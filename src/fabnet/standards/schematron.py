"""A compact ISO Schematron (XSLT 2 query binding) to XSLT 3 compiler, and a Saxon runner that returns findings.

Covers the subset the EN 16931 and Peppol BIS 3 rule files use: `ns`, `let` (schema, pattern and rule level),
embedded `xsl:function`, `pattern`, `rule context`, `assert` / `report` with `id` and `flag`, and phases
(all patterns run unless a phase is named). A node matched by one rule of a pattern is not tested by the later
rules of that same pattern, exactly as the Schematron standard says; that is why each pattern gets its own mode
with descending template priorities.
"""

import hashlib
import os
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
COMPILER_VERSION = "fabnet-sch2xslt/2"


class Flag(StrEnum):
    FATAL = "fatal"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired: a failed assert or a successful report."""

    rule_id: str
    flag: Flag
    location: str
    message: str
    test: str

    @property
    def is_fatal(self) -> bool:
        return self.flag is Flag.FATAL

    def to_json(self) -> dict[str, str]:
        return {
            "rule_id": self.rule_id,
            "flag": self.flag.value,
            "location": self.location,
            "message": self.message,
            "test": self.test,
        }


class SchematronError(ValueError):
    """The Schematron file uses something this compiler does not understand."""


def _sch(tag: str) -> str:
    return f"{{{SCH}}}{tag}"


def _xsl(tag: str) -> etree._Element:
    return etree.Element(f"{{{XSL}}}{tag}")


def _avt_literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _message(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def compile_schematron(sch_source: bytes, phase: str | None = None) -> str:
    """Compile a Schematron schema (bytes of the .sch) to the text of an XSLT 3 stylesheet emitting SVRL."""
    root = etree.fromstring(sch_source)
    if root.tag != _sch("schema"):
        raise SchematronError(f"not an ISO Schematron schema: root element is {root.tag}")
    binding = root.get("queryBinding", "xslt2").lower()
    if binding not in {"xslt2", "xslt3"}:
        raise SchematronError(f"queryBinding {binding!r} is not supported (only xslt2/xslt3)")

    namespaces: dict[str, str] = {"xsl": XSL, "svrl": SVRL, "xs": "http://www.w3.org/2001/XMLSchema"}
    for ns in root.iter(_sch("ns")):
        namespaces[ns.get("prefix", "")] = ns.get("uri", "")
    for prefix, uri in root.nsmap.items():
        if prefix and prefix not in namespaces and uri != SCH:
            namespaces[prefix] = uri

    stylesheet = etree.Element(f"{{{XSL}}}stylesheet", nsmap=namespaces)
    stylesheet.set("version", "3.0")
    stylesheet.set("exclude-result-prefixes", " ".join(p for p in namespaces if p not in {"xsl", "svrl"}))
    output = etree.SubElement(stylesheet, f"{{{XSL}}}output")
    output.set("method", "xml")
    output.set("indent", "no")

    for function in root.iter(f"{{{XSL}}}function"):
        stylesheet.append(_copy(function))
    for let in root.findall(_sch("let")):
        stylesheet.append(_variable(let))

    patterns = _active_patterns(root, phase)
    for pattern in patterns:
        for let in pattern.findall(_sch("let")):
            stylesheet.append(_variable(let))

    entry = etree.SubElement(stylesheet, f"{{{XSL}}}template")
    entry.set("match", "/")
    report = etree.SubElement(entry, f"{{{SVRL}}}schematron-output")
    title = root.find(_sch("title"))
    report.set("title", _avt_literal(_message(title)) if title is not None else "")
    for index, _pattern in enumerate(patterns):
        apply = etree.SubElement(report, f"{{{XSL}}}apply-templates")
        apply.set("select", "/")
        apply.set("mode", f"M{index}")

    for index, pattern in enumerate(patterns):
        _compile_pattern(stylesheet, pattern, f"M{index}")
    return etree.tostring(stylesheet, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


def _variable(let: etree._Element) -> etree._Element:
    variable = _xsl("variable")
    variable.set("name", let.get("name", ""))
    if let.get("value") is None:
        raise SchematronError(f"let {let.get('name')!r} without a value attribute is not supported")
    variable.set("select", let.get("value", ""))
    return variable


def _active_patterns(root: etree._Element, phase: str | None) -> list[etree._Element]:
    patterns = [p for p in root.iter(_sch("pattern")) if p.get("abstract") != "true"]
    if phase in (None, "#ALL"):
        return patterns
    for candidate in root.iter(_sch("phase")):
        if candidate.get("id") == phase:
            active = {a.get("pattern") for a in candidate.iter(_sch("active"))}
            return [p for p in patterns if p.get("id") in active]
    raise SchematronError(f"unknown phase {phase!r}")


def _compile_pattern(stylesheet: etree._Element, pattern: etree._Element, mode: str) -> None:
    rules = pattern.findall(_sch("rule"))
    for position, rule in enumerate(rules):
        if rule.get("abstract") == "true" or rule.find(_sch("extends")) is not None:
            raise SchematronError("abstract rules and extends are not supported")
        template = etree.SubElement(stylesheet, f"{{{XSL}}}template")
        template.set("match", rule.get("context", ""))
        template.set("mode", mode)
        template.set("priority", str(1000 - position))
        for let in rule.findall(_sch("let")):
            template.append(_variable(let))
        for check in rule:
            if check.tag in (_sch("assert"), _sch("report")):
                template.append(_check(check, rule.get("flag")))
        _recurse(template, mode)
    skip_text = etree.SubElement(stylesheet, f"{{{XSL}}}template")
    skip_text.set("match", "text()")
    skip_text.set("mode", mode)
    skip_text.set("priority", "-1")
    default = etree.SubElement(stylesheet, f"{{{XSL}}}template")
    default.set("match", "@*|node()")
    default.set("mode", mode)
    default.set("priority", "-2")
    _recurse(default, mode)


def _recurse(template: etree._Element, mode: str) -> None:
    apply = etree.SubElement(template, f"{{{XSL}}}apply-templates")
    apply.set("select", "@*|*")
    apply.set("mode", mode)


def _check(check: etree._Element, rule_flag: str | None) -> etree._Element:
    is_assert = check.tag == _sch("assert")
    test = check.get("test", "")
    condition = _xsl("if")
    condition.set("test", f"not({test})" if is_assert else test)
    result = etree.SubElement(condition, f"{{{SVRL}}}{'failed-assert' if is_assert else 'successful-report'}")
    result.set("id", _avt_literal(check.get("id", "")))
    result.set("flag", _avt_literal(check.get("flag") or rule_flag or "fatal"))
    result.set("test", _avt_literal(test))
    location = etree.SubElement(result, f"{{{XSL}}}attribute")
    location.set("name", "location")
    location.set("select", "path()")
    _message_template(etree.SubElement(result, f"{{{SVRL}}}text"), check)
    return condition


def _message_template(target: etree._Element, check: etree._Element) -> None:
    """The assert's text with its `value-of` and `name` elements evaluated at run time."""
    target.text = check.text
    for child in check:
        if child.tag == _sch("value-of"):
            dynamic = etree.SubElement(target, f"{{{XSL}}}value-of")
            dynamic.set("select", child.get("select", ""))
        elif child.tag == _sch("name"):
            dynamic = etree.SubElement(target, f"{{{XSL}}}value-of")
            dynamic.set("select", f"name({child.get('path', '.')})")
        else:
            dynamic = etree.SubElement(target, f"{{{XSL}}}text")
            dynamic.text = "".join(child.itertext())
        dynamic.tail = child.tail


class SchematronValidator:
    """Runs compiled Schematron stylesheets with Saxon; compiled XSLT is cached on disk by content hash."""

    _processor: PySaxonProcessor | None = None
    _lock = threading.Lock()

    def __init__(self, schemas: list[Path], cache_dir: Path | None = None) -> None:
        self.schemas = schemas
        self.cache_dir = cache_dir or default_cache_dir()
        self._executables: list[PyXsltExecutable] = [self._compile(path) for path in schemas]

    @classmethod
    def processor(cls) -> PySaxonProcessor:
        with cls._lock:
            if cls._processor is None:
                cls._processor = PySaxonProcessor(license=False)
            return cls._processor

    def _compile(self, schema: Path) -> PyXsltExecutable:
        source = schema.read_bytes()
        digest = hashlib.sha256(source + COMPILER_VERSION.encode()).hexdigest()[:24]
        cached = self.cache_dir / f"{schema.stem}-{digest}.xslt"
        if not cached.is_file():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(compile_schematron(source), encoding="utf-8")
            partial.replace(cached)
        compiler = self.processor().new_xslt30_processor()
        executable = compiler.compile_stylesheet(stylesheet_file=str(cached))
        if executable is None:
            raise SchematronError(f"Saxon could not compile the XSLT generated from {schema}")
        return executable

    def validate(self, document: bytes) -> list[Finding]:
        """Findings of every schema for one XML document, in document order per schema."""
        node = self.processor().parse_xml(xml_text=document.decode("utf-8"))
        findings: list[Finding] = []
        for executable in self._executables:
            executable.set_global_context_item(xdm_item=node)
            svrl = executable.transform_to_string(xdm_node=node)
            findings.extend(parse_svrl(svrl.encode("utf-8")))
        return findings


def parse_svrl(svrl: bytes) -> list[Finding]:
    """Findings from the SVRL-like output of a compiled stylesheet."""
    root = etree.fromstring(svrl)
    findings = []
    for element in root:
        if element.tag not in (f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
            continue
        text = element.find(f"{{{SVRL}}}text")
        findings.append(
            Finding(
                rule_id=element.get("id", ""),
                flag=Flag(element.get("flag", "fatal")),
                location=_short_path(element.get("location", "")),
                message=_message(text) if text is not None else "",
                test=element.get("test", ""),
            )
        )
    return findings


_PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "",
}


def _short_path(path: str) -> str:
    """`/Q{urn:…cac…}Party[1]` → `/cac:Party[1]` for the UBL namespaces, so locations stay readable."""
    for uri, prefix in _PREFIXES.items():
        path = path.replace(f"Q{{{uri}}}", f"{prefix}:" if prefix else "")
    return path


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fabnet" / "schematron"
