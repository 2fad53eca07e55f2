"""Members' KPI reports at a real hub process: `POST /api/v1/kpi-reports` member-signed, refused with 401/403/409/422
and nothing stored, a re-sent report replacing the earlier one, and `GET /api/v1/kpis` combining flows and reports."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fabnet.exchange.keys import KeyPairs
from fabnet.exchange.tokens import issue_token
from fabnet.network.kpi_reports import KpiReport
from fabnet.service.hub_api_client import HubApiError, HubClient
from service.hub_support import HUB_ID, RunningHub, json_keys, start_hub

A, B, STRANGER = "urn:fabnet:member:ka", "urn:fabnet:member:kb", "urn:fabnet:member:stranger"
T0 = datetime(2026, 12, 2, 9, tzinfo=UTC)


def _report(member: str = A, company: str = "ka", at: datetime = T0, **figures: object) -> dict:
    body: dict = {"member_id": member, "company_id": company, "period": "2026-11", "generated_at": at.isoformat(),
                  "orders_completed": 4, "parts_made": 40,
                  "changeover": {"company_id": company, "operations": 30, "scheduled_minutes": 300,
                                 "fcfs_minutes": 480},
                  "defects": {"parts_held": 3, "parts_rejected": 1, "alarms_raised": 2},
                  "resources": {"source": "parts", "parts": 40, "energy_kwh": 60.0, "material_kg": 20.0}}
    return body | figures


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and "\n" not in body["error"]
    return body["error"]



@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    running = start_hub(tmp_path_factory.mktemp("hub-kpis"))
    try:
        running.onboard(A, "KA B.V.", "91000001")
        running.onboard(B, "KB B.V.", "91000002")
        yield running
    finally:
        running.stop()


def test_bad_reports_are_refused_and_nothing_is_stored(hub: RunningHub) -> None:
    url = "/api/v1/kpi-reports"
    forged = issue_token(KeyPairs.generate(), A, HUB_ID, datetime.now(UTC))  # A's id, someone else's key
    assert _error(hub.post(url, _report(), {"Authorization": f"Bearer {forged}"}), 401)
    assert "bearer" in _error(hub.post(url, _report()), 401).lower()
    stranger = issue_token(KeyPairs.generate(), STRANGER, HUB_ID, datetime.now(UTC))
    assert "not registered" in _error(hub.post(url, _report(), {"Authorization": f"Bearer {stranger}"}), 403)
    assert "member_id" in _error(hub.post(url, _report(), hub.as_member(B)), 403)  # B sending A's figures
    assert _error(hub.post(url, _report(parts_made=-1), hub.as_member(A)), 422).startswith("parts_made:")
    assert "energy_kwh" in _error(hub.post(url, _report(resources={"source": "parts", "parts": 4, "energy_kwh": -2}),
                                           hub.as_member(A)), 422)
    assert "defects" in _error(hub.post(url, _report(parts_made=2), hub.as_member(A)), 422)
    assert "period" in _error(hub.post(url, _report(period="Nov"), hub.as_member(A)), 422)
    assert "surplus" in _error(hub.post(url, _report(surplus=1), hub.as_member(A)), 422)
    assert "member_id" in _error(hub.post(url, _report(member=STRANGER), hub.as_operator), 422)
    headers = hub.as_member(A)
    assert hub.post(url, _report(parts_made=-1), headers).status_code == 422
    assert "replay" in _error(hub.post(url, _report(), headers), 401)  # a token is good for one request
    kpis = hub.get("/api/v1/kpis").json()
    assert kpis["members_reporting"] == 0 and kpis["changeover_hours_saved"] is None
    assert kpis["coverage"]["changeover"] == {"source": "not reported", "members_reporting": 0}


def test_reports_are_stored_replaced_and_combined_with_flows(hub: RunningHub) -> None:
    client = HubClient(hub.url, HUB_ID, A, hub.keys[A])
    first = client.report_kpis(KpiReport.model_validate(_report()))
    assert not first.replaced
    again = client.report_kpis(KpiReport.model_validate(_report(at=T0 + timedelta(hours=1), parts_made=44)))
    assert again.replaced
    with pytest.raises(HubApiError, match="409"):  # older than the stored one
        client.report_kpis(KpiReport.model_validate(_report(at=T0 - timedelta(days=1), parts_made=41)))
    b = _report(B, "kb", parts_made=10, changeover={"company_id": "kb", "operations": 8, "scheduled_minutes": 60,
                                                    "fcfs_minutes": 60},
                defects=None, resources=None,
                netting={"invoices": 3, "invoiced_eur": "900.00", "payments_after_netting": 1,
                         "settled_after_netting_eur": "400.00"})
    assert hub.post("/api/v1/kpi-reports", b, hub.as_member(B)).json()["replaced"] is False
    flow = {"from": A, "to": B, "order_id": "PO-7", "value_eur": "900.00", "quantity": 9, "ordered_on": "2026-11-05"}
    assert hub.post("/api/v1/flows", flow, hub.as_member(A)).status_code == 200

    kpis = hub.get("/api/v1/kpis", hub.as_operator, period="2026-11").json()
    assert kpis["format"] == "fabnet.hub-kpis/1" and kpis["members_reporting"] == 2
    assert kpis["active_members"] == 2 and kpis["orders_handled"] == 1  # from the flow
    assert kpis["parts_made"] == 54  # 44 (the re-sent report, not 40 + 44) + 10
    assert kpis["changeover_hours_fcfs"] == 9.0 and kpis["changeover_hours_saved"] == 3.0
    assert kpis["coverage"]["changeover"] == {"source": "reports", "members_reporting": 2}
    assert (kpis["defects_stopped"], kpis["alarms_raised"]) == (4, 2)
    assert kpis["coverage"]["defects"]["members_reporting"] == 1
    assert kpis["energy_kwh_per_part"] == 1.5 and kpis["coverage"]["energy"]["members_reporting"] == 1
    assert kpis["payments_saved_by_netting"] == 2 and kpis["money_movement_saved_eur"] == "500.00"
    assert kpis["coverage"]["netting"] == {"source": "reports", "members_reporting": 1}
    assert hub.get("/api/v1/kpis", period="2026-12").json()["members_reporting"] == 0
    assert "period" in _error(hub.get("/api/v1/kpis", period="later"), 422)

    hub.restart()  # kept in the hub's database
    assert hub.get("/api/v1/kpis", hub.as_operator, period="2026-11").json()["parts_made"] == 54


def test_each_caller_sees_the_totals_and_only_the_rows_it_may(hub: RunningHub) -> None:
    public = hub.get("/api/v1/kpis", period="2026-11").json()
    assert public["view"] == "public" and public["members_reporting"] == 2 and public["min_members"] == 3
    assert public["changeovers_by_company"] == [] and public["member_reports"] == []
    assert not {"company_id", "member_id", "scheduled_minutes"} & json_keys(public)  # no single company's row anywhere
    # two members' total is each one's figure to the other: withheld, saying so and by how many members
    assert public["changeover_hours_saved"] is None and public["parts_made"] is None
    assert public["coverage"]["changeover"] == {"source": "withheld", "members_reporting": 2}
    assert public["defects_stopped"] is None and public["coverage"]["defects"]["source"] == "withheld"
    assert public["money_movement_saved_eur"] is None and public["coverage"]["netting"]["source"] == "withheld"
    assert (public["active_members"], public["orders_handled"]) == (2, 1)  # counts stay
    own = hub.get("/api/v1/kpis", hub.as_member(A), period="2026-11").json()
    assert own["view"] == "member"
    assert [c["company_id"] for c in own["changeovers_by_company"]] == ["ka"]
    assert [(r["member_id"], r["parts_made"]) for r in own["member_reports"]] == [(A, 44)]
    # the same totals as the public's: subtracting its own from a two-member total would give the other's figure
    assert {k: v for k, v in own.items() if k not in ("view", "changeovers_by_company", "member_reports")} == {
        k: v for k, v in public.items() if k not in ("view", "changeovers_by_company", "member_reports")}
    other = hub.get("/api/v1/kpis", hub.as_member(B), period="2026-11").json()
    assert [c["company_id"] for c in other["changeovers_by_company"]] == ["kb"]
    everything = hub.get("/api/v1/kpis", hub.as_operator, period="2026-11").json()
    assert everything["view"] == "operator" and everything["changeover_hours_saved"] == 3.0
    assert everything["coverage"]["changeover"] == {"source": "reports", "members_reporting": 2}
    assert sorted(c["company_id"] for c in everything["changeovers_by_company"]) == ["ka", "kb"]
    assert sorted(r["member_id"] for r in everything["member_reports"]) == [A, B]
    # a broken credential is refused, not taken for the public view
    assert "malformed" in _error(hub.get("/api/v1/kpis", {"Authorization": "Bearer nonsense"}), 401)
    assert "bearer" in _error(hub.get("/api/v1/kpis", {"Authorization": "Basic YTpi"}), 401)
    expired = hub.token(A, at=datetime.now(UTC) - timedelta(hours=1))
    assert "expired" in _error(hub.get("/api/v1/kpis", {"Authorization": f"Bearer {expired}"}), 401)
    used = hub.as_member(A)
    assert hub.get("/api/v1/kpis", used).status_code == 200
    assert "replay" in _error(hub.get("/api/v1/kpis", used), 401)


def test_openapi_lists_the_kpi_reports(hub: RunningHub) -> None:
    paths = hub.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/kpi-reports"]
    assert set(paths["/api/v1/kpi-reports"]["post"]["responses"]) >= {"200", "401", "403", "409", "422"}


def test_the_operator_sets_how_many_members_a_public_total_needs(hub: RunningHub) -> None:
    hub.service.environ["FABNET_PUBLIC_MIN_MEMBERS"] = "2"
    try:
        hub.restart()
        public = hub.get("/api/v1/kpis", period="2026-11").json()
        assert public["min_members"] == 2 and public["changeover_hours_saved"] == 3.0
        assert public["coverage"]["changeover"] == {"source": "reports", "members_reporting": 2}
        assert public["coverage"]["defects"]["source"] == "withheld"  # one member's figure stays withheld
        assert public["changeovers_by_company"] == [] and public["member_reports"] == []
    finally:
        del hub.service.environ["FABNET_PUBLIC_MIN_MEMBERS"]
        hub.restart()
    assert hub.get("/api/v1/kpis", period="2026-11").json()["min_members"] == 3
