"""Quality and parts over the JSON API: measurements watched by the live monitor (alarms, held parts, state kept
across requests), every chart kind, parts with their AAS passports (checked by aas-core3.1), holds and verdicts."""

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from fabnet.domain.access import Role
from fabnet.service.api_quality import MONITOR
from fabnet.standards.aas.verify import verify_bytes
from service.api_support import COMPANY, SCENARIO, ApiNode, api_node, measurement

MACHINE = "kp-laser-12"
IN_CONTROL = MONITOR.phase1_samples + 20
VALUES = IN_CONTROL + 40
SIMULATED = MONITOR.phase1_samples * 2


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiNode]:
    with api_node(tmp_path_factory.mktemp("quality-node")) as node:
        yield node


@pytest.fixture(scope="module")
def drifted(node: ApiNode) -> list[dict]:
    """In-control values past the monitor's phase I, then a shift of 3 σ: sent in batches of 20, so the monitor's
    state must persist between requests."""
    rng = random.Random(7)
    values = [10.0 + rng.gauss(0, 0.01) for _ in range(IN_CONTROL)] + [10.03 + rng.gauss(0, 0.01) for _ in range(40)]
    alarms: list[dict] = []
    for start in range(0, len(values), 20):
        batch = [measurement(MACHINE, v) for v in values[start:start + 20]]
        response = node.client.post("/api/v1/quality/measurements", json={"measurements": batch},
                                    headers=node.as_(Role.OPERATOR))
        assert response.status_code == 201, response.text
        assert response.json()["stored"] == len(batch)
        alarms += response.json()["alarms"]
    return alarms


def _part(node: ApiNode, part_id: str) -> dict:
    order = node.client.get("/api/v1/orders?limit=1", headers=node.admin).json()["items"][0]
    return {"id": part_id, "order_id": order["id"], "design_id": order["design_id"], "serial": f"{part_id}-0001"}


def test_the_shift_raises_alarms_that_are_stored(node: ApiNode, drifted: list[dict]) -> None:
    assert drifted, "a 3 σ shift must be caught"
    stored = node.client.get("/api/v1/quality/alarms?limit=1000", headers=node.as_(Role.VIEWER)).json()
    assert stored["total"] == len(drifted)
    assert {a["id"] for a in stored["items"]} == {a["id"] for a in drifted}
    assert all(a["machine_id"] == MACHINE and a["rule"] for a in drifted)
    assert any(action["action"] == "FlagMachine" for a in drifted for action in a["actions"])
    characteristics = node.client.get("/api/v1/quality/characteristics", headers=node.admin).json()
    assert characteristics == [{"machine_id": MACHINE, "characteristic": "hole_diameter", "values": VALUES,
                                "alarms": len(drifted)}]


@pytest.mark.parametrize("kind", ["imr", "xbar-r", "xbar-s", "ewma", "cusum"])
def test_every_chart_kind_flags_the_shift(node: ApiNode, drifted: list[dict], kind: str) -> None:
    response = node.client.get(f"/api/v1/quality/charts/hole_diameter?chart={kind}", headers=node.admin)
    assert response.status_code == 200, response.text
    chart = response.json()
    size = 5 if kind.startswith("xbar") else 1
    assert len(chart["points"]) == VALUES // size and chart["subgroup_size"] == size
    assert [p["index"] for p in chart["points"]] == list(range(len(chart["points"])))
    assert chart["ucl"] is not None and chart["ucl"] > chart["center"]
    assert chart["alarms"], kind
    late = [a["index"] for a in chart["alarms"] if a["index"] >= IN_CONTROL // size]
    assert late, f"{kind}: no alarm after the shift"
    flagged = {p["index"] for p in chart["points"] if p["alarm"]}
    assert flagged == {a["index"] for a in chart["alarms"]}


def test_chart_errors_name_the_problem(node: ApiNode, drifted: list[dict]) -> None:
    unknown = node.client.get("/api/v1/quality/charts/flatness", headers=node.admin)
    assert unknown.status_code == 404 and "flatness" in unknown.json()["error"]
    wrong_kind = node.client.get("/api/v1/quality/charts/hole_diameter?chart=pie", headers=node.admin)
    assert wrong_kind.status_code == 422 and "chart" in wrong_kind.json()["error"]
    too_few = node.client.get("/api/v1/quality/charts/hole_diameter?chart=xbar-r&last=6", headers=node.admin)
    assert too_few.status_code == 409


@pytest.mark.parametrize(("change", "field"), [
    ({"machine_id": "no-such-machine"}, "machine_id"),
    ({"machine_id": None}, "machine_id"),
    ({"part_id": "no-such-part"}, "part_id"),
    ({"value": "high"}, "value"),
    ({"timestamp": "yesterday"}, "timestamp"),
    ({"characteristic": ""}, "characteristic"),
])
def test_bad_measurements_store_nothing(node: ApiNode, change: dict, field: str) -> None:
    before = node.client.get("/api/v1/quality/characteristics", headers=node.admin).json()
    batch = [measurement(MACHINE, 10.0), {**measurement(MACHINE, 10.0), **change}]
    response = node.client.post("/api/v1/quality/measurements", json={"measurements": batch}, headers=node.admin)
    assert response.status_code == 422
    assert field in response.json()["error"]
    assert node.client.get("/api/v1/quality/characteristics", headers=node.admin).json() == before


def test_viewers_may_not_measure(node: ApiNode) -> None:
    response = node.client.post("/api/v1/quality/measurements", json={"measurements": [measurement(MACHINE, 1.0)]},
                                headers=node.as_(Role.VIEWER))
    assert response.status_code == 403


def test_an_out_of_spec_measurement_holds_its_part(node: ApiNode) -> None:
    assert node.client.post("/api/v1/parts", json=_part(node, "p-spec"), headers=node.as_(Role.OPERATOR)).status_code \
        == 201
    bad = measurement(MACHINE, 12.0, "bend_angle", part_id="p-spec", lower_limit=9.0, upper_limit=11.0)
    response = node.client.post("/api/v1/quality/measurements", json={"measurements": [bad]}, headers=node.admin)
    assert [a["rule"] for a in response.json()["alarms"]] == ["SPEC"]
    part = node.client.get("/api/v1/parts/p-spec", headers=node.admin).json()
    assert part["verdict"] == "held" and part["measurements"][0]["value"] == 12.0
    held = node.client.get("/api/v1/parts?verdict=held", headers=node.admin).json()["items"]
    assert "p-spec" in {p["id"] for p in held}


def test_passport_is_an_aas_environment_that_aas_core_accepts(node: ApiNode) -> None:
    node.client.post("/api/v1/parts", json=_part(node, "p-pass"), headers=node.admin)
    node.client.post("/api/v1/quality/measurements",
                     json={"measurements": [measurement(MACHINE, 10.0, "flatness", part_id="p-pass")]},
                     headers=node.admin)
    response = node.client.get("/api/v1/parts/p-pass/passport", headers=node.as_(Role.VIEWER))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert verify_bytes(response.content, "json") == []
    environment = response.json()
    assert any("p-pass" in shell["id"] for shell in environment["assetAdministrationShells"])


def test_hold_and_verdict(node: ApiNode) -> None:
    node.client.post("/api/v1/parts", json=_part(node, "p-hold"), headers=node.admin)
    assert node.client.post("/api/v1/parts/p-hold/hold", headers=node.as_(Role.VIEWER)).status_code == 403
    held = node.client.post("/api/v1/parts/p-hold/hold", headers=node.as_(Role.OPERATOR))
    assert held.status_code == 200 and held.json()["verdict"] == "held"
    scrapped = node.client.post("/api/v1/parts/p-hold/verdict", json={"verdict": "scrapped"},
                                headers=node.as_(Role.OPERATOR))
    assert scrapped.json()["verdict"] == "scrapped"
    again = node.client.post("/api/v1/parts/p-hold/hold", headers=node.admin)
    assert again.status_code == 409 and "scrapped" in again.json()["error"]
    assert node.client.post("/api/v1/parts/p-hold/verdict", json={"verdict": "perfect"},
                            headers=node.admin).status_code == 422
    assert node.client.post("/api/v1/parts/nope/hold", headers=node.admin).status_code == 404


def test_parts_must_belong_to_an_order_of_the_company(node: ApiNode) -> None:
    orphan = {**_part(node, "p-orphan"), "order_id": "no-such-order"}
    response = node.client.post("/api/v1/parts", json=orphan, headers=node.admin)
    assert response.status_code == 422 and "order_id" in response.json()["error"]
    wrong_design = {**_part(node, "p-wrong"), "design_id": "other-design"}
    response = node.client.post("/api/v1/parts", json=wrong_design, headers=node.admin)
    assert response.status_code == 422 and "design_id" in response.json()["error"]


def test_import_can_simulate_production_with_a_late_drift(tmp_path: Path) -> None:
    with api_node(tmp_path, company=None) as fresh:
        body = {"scenario": SCENARIO, "company_id": COMPANY, "simulate_parts": SIMULATED}
        imported = fresh.client.post("/api/v1/import", json=body, headers=fresh.admin)
        assert imported.status_code == 200, imported.text
        assert imported.json()["parts_simulated"] == SIMULATED
        parts = fresh.client.get("/api/v1/parts?limit=1000", headers=fresh.admin).json()["items"]
        assert len(parts) == SIMULATED and all(p["route"] and p["measurements"] for p in parts)
        held = [p for p in parts if p["verdict"] == "held"]
        assert held, "the drift must hold parts"
        first_drifted = max(SIMULATED * 6 // 10, MONITOR.phase1_samples)
        assert all(int(p["id"].rsplit("-", 1)[1]) >= MONITOR.phase1_samples for p in held)  # none while learning
        assert any(int(p["id"].rsplit("-", 1)[1]) >= first_drifted for p in held)
        passport = fresh.client.get(f"/api/v1/parts/{held[0]['id']}/passport", headers=fresh.admin)
        assert verify_bytes(passport.content, "json") == []
        again = fresh.client.post("/api/v1/import", json=body, headers=fresh.admin)
        assert again.status_code == 409 and "simulate_parts" in again.json()["error"]
        assert len(fresh.client.get("/api/v1/parts?limit=1000", headers=fresh.admin).json()["items"]) == SIMULATED
