"""schemathesis against a real node process: every DSP operation its OpenAPI document names is called with valid
and with invalid messages (each request carrying a fresh token of a trusted member, so the calls get past the
token check into parsing and the state machines); no answer may be a 5xx, and each must match the documented
status codes, content type and schema."""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import fabnet.service.testbed as testbeds
from exchange.dsp_support import Probe, member
from fabnet.exchange.tokens import issue_token
from fabnet.service.testbed import NodeSpec, Service

pytestmark = pytest.mark.slow
DSP_PATHS = r"^/(catalog|negotiations|transfers|data|\.well-known)"
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 20}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
RAN: Counter[str] = Counter()
"""Cases run per operation and mode, summed up by the last test (and shown by `pytest -rA`)."""


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Probe]]:
    """A hub and one node of its own, so the fuzzed processes and outbox entries disturb no other test."""
    root = tmp_path_factory.mktemp("schemathesis")
    design = root / "design.step"
    design.write_bytes(b"ISO-10303-21;" * 100)
    testbed = testbeds.Testbed(root / "net")
    try:
        testbed.start_hub()
        asset = {"id": "urn:fabnet:asset:fuzz-design", "title": "design", "kind": "design", "path": str(design)}
        (node,) = testbed.start_nodes([NodeSpec("target", "12345678", assets=[asset],
                                                extra={"retry_max_delay_s": 1.0})])
        probe_keys, _ = testbed.onboard("fuzzer", "11223344", "http://127.0.0.1:9")
        testbed.refresh_trust()
        yield node, Probe("urn:fabnet:member:fuzzer", probe_keys)
    finally:
        testbed.stop()


@pytest.fixture(scope="module")
def operations(target: tuple[Service, Probe]) -> list[schemathesis.APIOperation]:
    """The DSP operations of the node's own `/openapi.json`."""
    schema = schemathesis.openapi.from_url(target[0].url + "/openapi.json").include(path_regex=DSP_PATHS)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_openapi_document_names_every_dsp_message(operations: list[schemathesis.APIOperation]) -> None:
    labels = {operation.label for operation in operations}
    assert "POST /transfers/{pid}/start" in labels and "POST /negotiations/request" in labels
    bodies = [operation for operation in operations if operation.method.upper() == "POST"]
    assert bodies and all(operation.body for operation in bodies), "every DSP POST documents its message"


def _fuzz(node: Service, probe: Probe, operation: schemathesis.APIOperation, mode: GenerationMode) -> None:
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS
    label = f"{mode.value} {operation.label}"

    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: schemathesis.Case) -> None:
        token = issue_token(probe.keys, probe.member_id, member(node), datetime.now(UTC))
        response = case.call(base_url=node.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        case.validate_response(response, checks=checks)
        RAN[label] += 1

    call()


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda mode: mode.value)
def test_dsp_endpoints_answer_as_documented(target: tuple[Service, Probe], operations: list[schemathesis.APIOperation],
                                            mode: GenerationMode) -> None:
    node, probe = target
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.body:
            continue  # a free-form string in the path has no invalid form: only messages are mutated
        _fuzz(node, probe, operation, mode)
    assert node.process is not None and node.process.poll() is None, "the node keeps serving"


def test_cases_were_run_on_every_operation(operations: list[schemathesis.APIOperation]) -> None:
    total = sum(RAN.values())
    print(f"schemathesis: {total} cases over {len(operations)} DSP operations, both modes")
    for operation in operations:
        assert RAN[f"positive {operation.label}"] > 0, operation.label
        assert RAN[f"negative {operation.label}"] > 0 or not operation.body, operation.label
    assert total >= len(operations) * 10
