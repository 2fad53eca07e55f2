"""domain → AAS → domain is lossless for every record kind, in memory and through JSON, XML and AASX files."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabnet.standards.aas import FORMATS, export_environment, read_document, read_environment, write_document
from fabnet.standards.aas.verify import verify_document
from standards.aas_strategies import companies, designs, machines, orders, parts, process_plans

KINDS = {
    "company": companies,
    "machine": machines(),
    "design": designs(),
    "order": orders(),
    "plan": process_plans(),
    "passport": parts,
}


def identical(before: object, after: object) -> None:
    assert after == before
    # identical, not merely equal: Decimal digits, float bits and datetime offsets survive
    assert after.model_dump_json() == before.model_dump_json()  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_kind_round_trips_in_memory(kind: str, data: st.DataObject) -> None:
    record = data.draw(KINDS[kind])
    (back,) = read_environment(export_environment([record]))
    identical(record, back)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_kind_round_trips_through_every_format_and_verifies(kind: str, data: st.DataObject,
                                                                   tmp_path: Path) -> None:
    record = data.draw(KINDS[kind])
    for fmt in FORMATS:
        path = tmp_path / f"{kind}.{fmt}"
        write_document([record], path, fmt)
        assert verify_document(path) == []
        (back,) = read_document(path)
        identical(record, back)
