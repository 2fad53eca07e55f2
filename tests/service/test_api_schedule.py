"""Schedule and forecast over the JSON API: CP-SAT over the company's open orders (changeovers included), the twin's
Monte Carlo forecast of that schedule, their bounds, and what is refused before there is anything to forecast."""

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from fabnet.domain.access import Role
from service.api_support import COMPANY, ApiNode, api_node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiNode]:
    with api_node(tmp_path_factory.mktemp("schedule-node")) as node:
        yield node


@pytest.fixture(scope="module")
def schedule(node: ApiNode) -> dict:
    response = node.client.post("/api/v1/schedule", json={"time_limit_s": 2, "seed": 7},
                                headers=node.as_(Role.PLANNER))
    assert response.status_code == 200, response.text
    return response.json()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_forecast_before_any_schedule_is_refused(tmp_path: Path) -> None:
    with api_node(tmp_path) as fresh:
        assert fresh.client.get("/api/v1/schedule", headers=fresh.admin).status_code == 404
        assert fresh.client.get("/api/v1/forecast", headers=fresh.admin).status_code == 404
        refused = fresh.client.post("/api/v1/forecast", json={"replications": 3}, headers=fresh.admin)
        assert refused.status_code == 409 and "schedule" in refused.json()["error"]


def test_schedule_covers_the_open_orders_without_overlaps(node: ApiNode, schedule: dict) -> None:
    assert schedule["company_id"] == COMPANY and schedule["status"] in ("OPTIMAL", "FEASIBLE")
    assert node.client.get("/api/v1/schedule", headers=node.as_(Role.VIEWER)).json() == schedule
    orders = {o["id"] for o in node.client.get("/api/v1/orders?limit=1000", headers=node.admin).json()["items"]}
    scheduled = {op["order_id"] for op in schedule["operations"]}
    assert scheduled and scheduled <= orders
    by_machine: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for op in schedule["operations"]:
        start, end = _at(op["start"]), _at(op["end"])
        assert start <= end and start.tzinfo is not None
        busy_from = _at(op["setup_start"]) if op["setup_start"] else start
        if op["setup_start"]:
            assert _at(op["setup_end"]) == start and busy_from < start
        by_machine[op["machine_id"]].append((busy_from, end))
    for machine, spans in by_machine.items():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start, machine
    assert any(op["setup_start"] for op in schedule["operations"]), "brainport shops change over between families"


def test_schedule_reports_the_checkers_figures_and_the_dispatch_baselines(node: ApiNode, schedule: dict) -> None:
    check = schedule["check"]
    assert check["feasible"] and check["violations"] == []
    assert check["total_setup_min"] == schedule["total_setup_min"]
    assert check["makespan_min"] == schedule["makespan_min"]
    assert schedule["jobs"] == len({op["order_id"] for op in schedule["operations"]})
    assert schedule["machines"] >= len({op["machine_id"] for op in schedule["operations"]})
    assert schedule["solve_seconds"] > 0
    for baseline in ("fcfs", "atcs"):
        figures = schedule[baseline]
        assert figures["makespan_min"] > 0 and figures["total_setup_min"] >= 0


def test_schedule_documents_are_what_the_solver_saw_and_wrote(node: ApiNode, schedule: dict) -> None:
    from fabnet.planning.check import check
    from fabnet.planning.problem import Problem, Solution

    response = node.client.get("/api/v1/schedule/documents", headers=node.as_(Role.VIEWER))
    assert response.status_code == 200, response.text
    documents = response.json()
    assert documents["company_id"] == COMPANY and documents["solved_at"] == schedule["solved_at"]
    problem, solution = Problem.model_validate(documents["problem"]), Solution.model_validate(documents["solution"])
    assert {a.id for a in solution.operations} == {op["operation_id"] for op in schedule["operations"]}
    assert len(problem.jobs) == schedule["jobs"]
    assert check(problem, solution).feasible


def test_schedule_documents_before_any_schedule_are_not_found(tmp_path: Path) -> None:
    with api_node(tmp_path) as fresh:
        missing = fresh.client.get("/api/v1/schedule/documents", headers=fresh.admin)
        assert missing.status_code == 404 and "schedule" in missing.json()["error"]


def test_scheduled_orders_are_marked_with_a_timeline_entry(node: ApiNode, schedule: dict) -> None:
    order_id = schedule["operations"][0]["order_id"]
    order = node.client.get(f"/api/v1/orders/{order_id}", headers=node.admin).json()
    assert order["status"] == "scheduled"
    assert order["timeline"][-1]["status"] == "scheduled" and order["timeline"][-1]["actor"] == "planner"


def test_forecast_gives_percentiles_per_order_and_oee_per_machine(node: ApiNode, schedule: dict) -> None:
    response = node.client.post("/api/v1/forecast", json={"replications": 8, "seed": 3},
                                headers=node.as_(Role.PLANNER))
    assert response.status_code == 200, response.text
    forecast = response.json()
    assert forecast["replications"] == 8
    assert {o["order_id"] for o in forecast["orders"]} == {op["order_id"] for op in schedule["operations"]}
    for order in forecast["orders"]:
        assert _at(order["p50_completion"]) <= _at(order["p90_completion"]) <= _at(order["p95_completion"])
        assert 0.0 <= order["on_time_probability"] <= 1.0
    for machine in forecast["machines"]:
        for share in ("utilisation", "availability", "performance", "quality", "oee"):
            assert 0.0 <= machine[share] <= 1.0, (machine["machine_id"], share)
        assert machine["oee"] <= min(machine["availability"], machine["performance"], machine["quality"]) + 1e-4
    assert node.client.get("/api/v1/forecast", headers=node.as_(Role.VIEWER)).json() == forecast
    again = node.client.post("/api/v1/forecast", json={"replications": 8, "seed": 3}, headers=node.admin).json()
    assert again["orders"] == forecast["orders"], "the same seeds give the same forecast"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/schedule", {"time_limit_s": 0}, "time_limit_s"),
    ("/api/v1/schedule", {"time_limit_s": 3600}, "time_limit_s"),
    ("/api/v1/schedule", {"workers": 64}, "workers"),
    ("/api/v1/schedule", {"time_limit": 5}, "time_limit"),
    ("/api/v1/schedule", {"seed": -1}, "seed"),
    ("/api/v1/forecast", {"replications": 0}, "replications"),
    ("/api/v1/forecast", {"replications": 100000}, "replications"),
    ("/api/v1/forecast", {"replications": "ten"}, "replications"),
])
def test_effort_is_bounded(node: ApiNode, path: str, body: dict, field: str) -> None:
    response = node.client.post(path, json=body, headers=node.admin)
    assert response.status_code == 422
    assert field in response.json()["error"]


def test_operators_and_viewers_may_not_schedule(node: ApiNode) -> None:
    for role in (Role.OPERATOR, Role.VIEWER):
        assert node.client.post("/api/v1/schedule", json={}, headers=node.as_(role)).status_code == 403
        assert node.client.post("/api/v1/forecast", json={}, headers=node.as_(role)).status_code == 403
