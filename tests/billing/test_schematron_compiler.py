"""The Schematron compiler on small schemas: rule order within a pattern, let, functions, report, flags, phases."""

from pathlib import Path

import pytest

from fabnet.standards.schematron import Flag, SchematronError, SchematronValidator, compile_schematron

SCHEMA = b"""<?xml version="1.0"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" xmlns:f="urn:test:functions" queryBinding="xslt2">
  <ns prefix="o" uri="urn:test:order"/>
  <ns prefix="f" uri="urn:test:functions"/>
  <let name="limit" value="xs:decimal(100)"/>
  <function xmlns="http://www.w3.org/1999/XSL/Transform" name="f:double" as="xs:decimal">
    <param name="x" as="xs:decimal"/>
    <sequence select="$x * 2"/>
  </function>
  <phase id="only-totals"><active pattern="totals"/></phase>
  <pattern id="lines">
    <rule context="o:line[@special]">
      <assert id="SPECIAL" test="@qty = '1'" flag="warning">special lines come one at a time</assert>
    </rule>
    <rule context="o:line">
      <let name="qty" value="xs:decimal(@qty)"/>
      <assert id="QTY" test="$qty &gt; 0" flag="fatal">quantity must be positive, got <value-of select="@qty"/></assert>
      <report id="BIG" test="f:double($qty) &gt; $limit" flag="warning">a big line</report>
    </rule>
  </pattern>
  <pattern id="totals">
    <rule context="o:order">
      <assert id="COUNT" test="count(o:line) &gt;= 1">an order has lines</assert>
    </rule>
  </pattern>
</schema>
"""


def write(tmp_path: Path, schema: bytes = SCHEMA) -> Path:
    path = tmp_path / "test.sch"
    path.write_bytes(schema)
    return path


def run(validator: SchematronValidator, body: str) -> list[tuple[str, Flag]]:
    document = f'<order xmlns="urn:test:order">{body}</order>'.encode()
    return [(f.rule_id, f.flag) for f in validator.validate(document)]


def test_first_matching_rule_of_a_pattern_wins(tmp_path: Path) -> None:
    validator = SchematronValidator([write(tmp_path)], cache_dir=tmp_path / "cache")
    # the special line is matched by the first rule only: QTY is not tested on it, though its qty is -5
    assert run(validator, '<line qty="-5" special="y"/>') == [("SPECIAL", Flag.WARNING)]
    assert run(validator, '<line qty="-5"/>') == [("QTY", Flag.FATAL)]


def test_let_function_report_and_default_flag(tmp_path: Path) -> None:
    validator = SchematronValidator([write(tmp_path)], cache_dir=tmp_path / "cache")
    assert run(validator, '<line qty="51"/><line qty="50"/>') == [("BIG", Flag.WARNING)]
    assert run(validator, "") == [("COUNT", Flag.FATAL)]


def test_findings_carry_location_and_message(tmp_path: Path) -> None:
    validator = SchematronValidator([write(tmp_path)], cache_dir=tmp_path / "cache")
    finding = validator.validate(b'<order xmlns="urn:test:order"><line qty="2"/><line qty="0"/></order>')[0]
    assert finding.rule_id == "QTY"
    assert finding.location.endswith("line[2]")
    assert finding.message == "quantity must be positive, got 0"


def test_phase_limits_the_patterns() -> None:
    xslt = compile_schematron(SCHEMA, phase="only-totals")
    assert "COUNT" in xslt and "QTY" not in xslt
    with pytest.raises(SchematronError, match="unknown phase"):
        compile_schematron(SCHEMA, phase="nope")


def test_compiled_stylesheet_is_cached_by_content(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    SchematronValidator([write(tmp_path)], cache_dir=cache)
    cached = list(cache.glob("*.xslt"))
    assert len(cached) == 1
    cached[0].write_text(cached[0].read_text().replace("an order has lines", "from the cache"))
    validator = SchematronValidator([write(tmp_path)], cache_dir=cache)
    assert validator.validate(b'<order xmlns="urn:test:order"/>')[0].message == "from the cache"


def test_unsupported_query_binding_is_refused() -> None:
    with pytest.raises(SchematronError, match="queryBinding"):
        compile_schematron(SCHEMA.replace(b'queryBinding="xslt2"', b'queryBinding="xpath"'))
