"""Support of the connector tests: a hub and two nodes as real processes on loopback, started once per session."""

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from fabnet.exchange.keys import KeyPairs
from fabnet.exchange.schemas import validate
from fabnet.exchange.tokens import issue_token
from fabnet.service.testbed import NodeSpec, Service, Testbed

CLIENT = httpx.Client(timeout=60.0)
"""One client for the whole session: a new client per request costs more than the request."""
DESIGN_BYTES = 3 * 1024 * 1024 + 12345
AUTO = "urn:fabnet:asset:bracket-design"
MANUAL = "urn:fabnet:asset:housing-design"
GUARDED = "urn:fabnet:asset:shaft-instructions"
HIDDEN = "urn:fabnet:asset:secret-order"
SHAREABLE = "urn:fabnet:asset:part-passport"
BIG = "urn:fabnet:asset:large-cad-assembly"
BIG_BYTES = 64 * 1024 * 1024

GUARDED_POLICY = {
    "permission": [
        {
            "action": "use",
            "constraint": [
                {"leftOperand": "purpose", "operator": "eq", "rightOperand": "order-4711"},
                {"leftOperand": "count", "operator": "lteq", "rightOperand": "2"},
            ],
            "duty": [{"action": "compensate",
                      "constraint": [{"leftOperand": "payAmount", "operator": "eq", "rightOperand": "12.50"}]}],
        }
    ],
    "prohibition": [{"action": "distribute"}],
    "obligation": [
        {"action": "delete", "constraint": [{"leftOperand": "dateTime", "operator": "eq",
                                             "rightOperand": "2030-01-01T00:00:00Z"}]}
    ],
}


@dataclass
class Probe:
    """A member of the hub that is not a node: the tests speak raw DSP with its key."""

    member_id: str
    keys: KeyPairs

    def token(self, audience: str, now: datetime | None = None) -> str:
        return issue_token(self.keys, self.member_id, audience, now or datetime.now(UTC))

    def post(self, node: Service, path: str, message: dict | bytes, audience: str | None = None,
             token: str | None = None, content_type: str = "application/json") -> httpx.Response:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        headers = {"Content-Type": content_type}
        auth = token if token is not None else self.token(audience or member(node))
        if auth:
            headers["Authorization"] = f"Bearer {auth}"
        return CLIENT.post(node.url + path, content=body, headers=headers)

    def get(self, node: Service, path: str) -> httpx.Response:
        return CLIENT.get(node.url + path, headers={"Authorization": f"Bearer {self.token(member(node))}"})


def member(node: Service) -> str:
    return f"urn:fabnet:member:{node.name}"


@dataclass
class Network:
    testbed: Testbed
    provider: Service
    consumer: Service
    probe: Probe
    design: Path
    big: Path


def _asset(asset_id: str, path: Path, **fields: object) -> dict:
    return {"id": asset_id, "title": asset_id.rsplit(":", 1)[-1], "kind": "design", "path": str(path), **fields}


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("dsp")
    design = root / "bracket.step"
    design.write_bytes(os.urandom(DESIGN_BYTES))
    big = root / "assembly.step"
    with big.open("wb") as out:
        block = os.urandom(1 << 20)
        for index in range(BIG_BYTES >> 20):
            out.write(index.to_bytes(8, "big") + block[8:])
    testbed = Testbed(root / "net")
    try:
        testbed.start_hub()
        assets = [
            _asset(AUTO, design),
            _asset(MANUAL, design, auto_agree=False),
            _asset(GUARDED, design, kind="instruction", policy=GUARDED_POLICY),
            _asset(BIG, big),
            _asset(SHAREABLE, design, kind="passport",
                   policy={"permission": [{"action": "use"}, {"action": "distribute"}]}),
            _asset(HIDDEN, design, kind="order", access={"permission": [{"action": "use", "constraint": [
                {"leftOperand": "hub", "operator": "eq", "rightOperand": "urn:fabnet:hub:elsewhere"}]}]}),
        ]
        quick_retries = {"retry_max_delay_s": 1.0}
        provider, consumer = testbed.start_nodes([NodeSpec("provider", "12345678", assets=assets, extra=quick_retries),
                                                  NodeSpec("consumer", "87654321", extra=quick_retries)])
        probe_keys, _ = testbed.onboard("probe", "11223344", "http://127.0.0.1:9")
        testbed.refresh_trust()
        yield Network(testbed, provider, consumer, Probe("urn:fabnet:member:probe", probe_keys), design, big)
    finally:
        testbed.stop()


# ---- management-API helpers ---------------------------------------------------------------------------------


def manage(node: Service, method: str, path: str, **kwargs: object) -> httpx.Response:
    return CLIENT.request(method, node.url + "/manage" + path, **kwargs)  # type: ignore[arg-type]


def wait_state(node: Service, kind: str, pid: str, *states: str, timeout: float = 30.0) -> dict:
    response = manage(node, "GET", f"/{kind}/{pid}", params={"wait_for": ",".join(states), "timeout": timeout})
    assert response.status_code == 200, response.text
    return response.json()


def wait_peer_pid(node: Service, kind: str, pid: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = manage(node, "GET", f"/{kind}/{pid}").json()
        if row["peer_pid"]:
            return row["peer_pid"]
        time.sleep(0.05)
    raise AssertionError(f"{kind} {pid} never learned its counterparty's pid")


def assert_dsp(document: dict, message_type: str) -> None:
    assert validate(document) == message_type
