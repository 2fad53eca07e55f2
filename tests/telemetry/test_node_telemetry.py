"""The node's own telemetry subscriber: a real node process and a real Mosquitto; in-control parts raise nothing,
a shift raises the alarm, holds the part and adds the rework to the repaired schedule; bad payloads are counted;
the node outlives its broker."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from fabnet.domain.access import Role
from fabnet.service import users
from fabnet.service.node_runtime import open_node_store
from fabnet.service.node_telemetry import client_id
from fabnet.service.testbed import Service, free_port, serve_command
from fabnet.standards.mqtt import MqttPublisher, discard_session, topic_for
from telemetry.conftest import OwnMosquitto, wait_until

SCENARIO = "brainport"
COMPANY = "kempenplaat"
PHASE1 = 30
CHARACTERISTIC = "bore_diameter"
NOMINAL, SIGMA = 12.0, 0.004


@dataclass
class TelemetryNode:
    service: Service
    member_id: str
    headers: dict[str, str]
    http: httpx.Client

    def get(self, path: str) -> httpx.Response:
        return self.http.get(self.service.url + path, headers=self.headers)

    def status(self) -> dict:
        response = self.get("/api/v1/quality/telemetry")
        assert response.status_code == 200, response.text
        return response.json()


@contextmanager
def telemetry_node(folder: Path, broker: tuple[str, int], *, company: bool = True) -> Iterator[TelemetryNode]:
    """A node process watching `broker`, with an admin token and (unless not `company`) kempenplaat imported."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    member = f"urn:fabnet:member:tel-{uuid.uuid4().hex[:8]}"
    (folder / "node.json").write_text(json.dumps({
        "port": port, "data_dir": "data", "member_id": member, "mqtt_url": f"mqtt://{broker[0]}:{broker[1]}",
        "monitor_phase1_samples": PHASE1}), encoding="utf-8")
    service = Service("node", f"http://127.0.0.1:{port}", folder,
                      [*serve_command(), "node", "--config", str(folder / "node.json")])
    service.start()
    try:
        service.wait_ready("/.well-known/dspace-version")
        store = open_node_store(f"sqlite:///{folder / 'data' / 'node.sqlite'}")
        try:
            users.add_user(store, "admin", Role.ADMIN)
            token = users.issue_token(store, "admin", timedelta(days=1))
        finally:
            store.close()
        with httpx.Client(timeout=httpx.Timeout(10.0, read=60.0)) as http:
            node = TelemetryNode(service, member, {"Authorization": f"Bearer {token}"}, http)
            if company:
                response = http.post(service.url + "/api/v1/import", headers=node.headers,
                                     json={"scenario": SCENARIO, "company_id": COMPANY})
                assert response.status_code == 200, response.text
            yield node
    finally:
        service.stop()
        discard_session(broker[0], broker[1], client_id(member))


@contextmanager
def publisher(broker: tuple[str, int]) -> Iterator[MqttPublisher]:
    client = MqttPublisher(*broker)
    client.connect()
    try:
        yield client
    finally:
        client.flush(10)
        client.close()


def measured(part_id: str, value: float, at: datetime) -> str:
    return json.dumps({"timestamp": at.isoformat(), "value": value, "unit": "mm", "part_id": part_id,
                       "lower_limit": NOMINAL - 0.05, "upper_limit": NOMINAL + 0.05})


@pytest.fixture(scope="module")
def scheduled_node(tmp_path_factory: pytest.TempPathFactory, broker: tuple[str, int]) -> Iterator[TelemetryNode]:
    with telemetry_node(tmp_path_factory.mktemp("node"), broker) as node:
        response = node.http.post(node.service.url + "/api/v1/schedule", headers=node.headers,
                                  json={"time_limit_s": 2})
        assert response.status_code == 200, response.text
        assert wait_until(lambda: node.status()["connected"], 30), node.status()
        yield node


def _operation(node: TelemetryNode) -> dict:
    """The longest scheduled operation (its parts are registered for its order)."""
    schedule = node.get("/api/v1/schedule").json()
    return max(schedule["operations"], key=lambda o: (datetime.fromisoformat(o["end"])
                                                     - datetime.fromisoformat(o["start"]), o["operation_id"]))


def test_in_control_parts_raise_no_alarm(scheduled_node: TelemetryNode, broker: tuple[str, int]) -> None:
    node = scheduled_node
    machine = _operation(node)["machine_id"]
    before = node.status()
    rng = random.Random(1)
    start = datetime.fromisoformat(_operation(node)["start"])
    with publisher(broker) as client:
        for k in range(PHASE1 + 40):
            client.publish_payload(topic_for(COMPANY, machine, "flatness"),
                                   measured(f"ic-{k}", rng.gauss(NOMINAL, SIGMA), start + timedelta(seconds=k)))
            # a process signal (no limits): counted, not monitored
            client.publish_payload(topic_for(COMPANY, machine, "spindle_load"),
                                   json.dumps({"timestamp": start.isoformat(), "value": 40.0, "unit": "%"}))
    assert wait_until(lambda: node.status()["measurements"] - before["measurements"] >= PHASE1 + 40, 30)
    after = node.status()
    assert after["alarms"] == before["alarms"]
    assert after["signals"] - before["signals"] == PHASE1 + 40
    alarms = node.get(f"/api/v1/quality/alarms?machine_id={machine}&characteristic=flatness").json()
    assert alarms["total"] == 0
    chart = node.get(f"/api/v1/quality/charts/flatness?machine_id={machine}").json()
    assert len(chart["points"]) == PHASE1 + 40 and chart["phase1"] == PHASE1  # the node's phase-I setting


def test_a_shift_is_alarmed_the_part_held_and_the_rework_scheduled(scheduled_node: TelemetryNode,
                                                                   broker: tuple[str, int]) -> None:
    node = scheduled_node
    operation = _operation(node)
    machine, order_id = operation["machine_id"], operation["order_id"]
    order = node.get(f"/api/v1/orders/{order_id}").json()["order"]
    start = datetime.fromisoformat(operation["start"])
    rng = random.Random(2)
    parts = [f"{order_id}-p{k:03d}" for k in range(PHASE1 + 10)]
    for k, part_id in enumerate(parts):
        response = node.http.post(node.service.url + "/api/v1/parts", headers=node.headers, json={
            "id": part_id, "order_id": order_id, "design_id": order["design_id"], "serial": str(k + 1),
            "route": [{"operation_id": operation["operation_id"], "machine_id": machine,
                       "start": operation["start"], "end": operation["end"]}]})
        assert response.status_code == 201, response.text
    with publisher(broker) as client:
        for k, part_id in enumerate(parts):
            shift = 10 * SIGMA if k >= PHASE1 + 5 else 0.0  # far beyond the 3.5 σ limit: alarmed at once
            client.publish_payload(topic_for(COMPANY, machine, CHARACTERISTIC),
                                   measured(part_id, rng.gauss(NOMINAL, SIGMA) + shift, start + timedelta(minutes=1)))
    assert wait_until(lambda: node.status()["reworks"] or node.status()["last_error"], 60), node.status()
    status = node.status()
    assert status["reworks"], status["last_error"]
    first_shifted = parts[PHASE1 + 5]
    alarms = node.get(f"/api/v1/quality/alarms?characteristic={CHARACTERISTIC}").json()["items"]
    assert alarms and alarms[-1]["part_id"] == first_shifted  # newest first: the last is the first alarm
    assert node.get(f"/api/v1/parts/{first_shifted}").json()["verdict"] == "held"
    assert node.get(f"/api/v1/parts/{parts[0]}").json()["verdict"] != "held"
    rework = status["reworks"][0]
    assert rework["reworked_operation"] == operation["operation_id"] and rework["feasible"]
    schedule = node.get("/api/v1/schedule").json()
    reworks = [o for o in schedule["operations"] if o["operation_id"] == f"{operation['operation_id']}/rework"]
    assert len(reworks) == 1 and reworks[0]["machine_id"] == machine  # one rework per operation
    assert schedule["check"]["feasible"]
    genealogy = node.get(f"/api/v1/parts/{first_shifted}").json()["measurements"]
    assert [m["characteristic"] for m in genealogy] == [CHARACTERISTIC]


def test_bad_payloads_are_counted_not_fatal(scheduled_node: TelemetryNode, broker: tuple[str, int]) -> None:
    node = scheduled_node
    machine = _operation(node)["machine_id"]
    before = node.status()
    with publisher(broker) as client:
        client.publish_payload(topic_for(COMPANY, machine, "width"), b"not json")
        client.publish_payload(topic_for(COMPANY, machine, "width"), json.dumps({"unit": "mm"}))  # no value
        client.publish_payload(topic_for(COMPANY, "no-such-machine", "width"), measured("x", 1.0, datetime.now()))
        client.publish_payload(topic_for(COMPANY, machine, "width"),
                               measured("ok-1", NOMINAL, datetime.fromisoformat("2025-01-01T00:00:00+00:00")))
    assert wait_until(lambda: node.status()["measurements"] > before["measurements"], 30)
    after = node.status()
    assert after["rejected"] - before["rejected"] == 3
    assert after["connected"] and after["last_error"]
    assert node.get("/api/v1/quality/characteristics").status_code == 200


def test_the_node_outlives_its_broker(own_mosquitto: OwnMosquitto, tmp_path: Path) -> None:
    broker = ("127.0.0.1", own_mosquitto.port)
    with telemetry_node(tmp_path / "node", broker) as node:
        assert wait_until(lambda: node.status()["connected"], 30), node.status()
        own_mosquitto.stop()
        assert wait_until(lambda: not node.status()["connected"], 30)
        assert node.get("/api/v1/quality/alarms").status_code == 200  # HTTP goes on without the broker
        own_mosquitto.start()
        assert wait_until(lambda: node.status()["connected"], 60), node.status()
        assert node.status()["connects"] >= 2
        machine = node.get("/api/v1/machines").json()["items"][0]["id"]
        with publisher(broker) as client:
            client.publish_payload(topic_for(COMPANY, machine, "width"),
                                   measured("after-restart", NOMINAL, datetime.fromisoformat("2025-01-01T00:00+00:00")))
        assert wait_until(lambda: node.status()["measurements"] == 1, 30), node.status()


def test_without_a_broker_setting_the_subscriber_is_off(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    port = free_port()
    (folder / "node.json").write_text(json.dumps({"port": port, "data_dir": "data"}), encoding="utf-8")
    service = Service("node", f"http://127.0.0.1:{port}", folder,
                      [*serve_command(), "node", "--config", str(folder / "node.json")])
    service.start()
    try:
        service.wait_ready("/.well-known/dspace-version")
        store = open_node_store(f"sqlite:///{folder / 'data' / 'node.sqlite'}")
        try:
            users.add_user(store, "viewer", Role.VIEWER)
            users.add_user(store, "planner", Role.PLANNER)
            viewer = users.issue_token(store, "viewer", timedelta(days=1))
            planner = users.issue_token(store, "planner", timedelta(days=1))
        finally:
            store.close()
        url = service.url + "/api/v1/quality/telemetry"
        assert httpx.get(url, headers={"Authorization": f"Bearer {viewer}"}).status_code == 403
        status = httpx.get(url, headers={"Authorization": f"Bearer {planner}"}).json()
        assert status["enabled"] is False and status["connected"] is False
    finally:
        service.stop()
