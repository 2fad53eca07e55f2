"""Each node sends its KPI report to the hub (`POST /api/v1/network/kpi-report` on the node, which computes it from
its own database and sends it member-signed to the hub's `POST /api/v1/kpi-reports`); then the hub's `/kpis`."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from fabnet.network.kpi_reports import HubKpis
from fabnet.scenarios.demo_network.nodes import RunningNetwork
from fabnet.service.hub_api_auth import admin_token

HORIZON_DAYS = 35
"""The scheduling horizon from the network's origin: the years it touches are the periods reported."""


class HubKpiResult(BaseModel):
    """What the nodes sent and what the hub's KPIs say of them."""

    periods: tuple[str, ...]
    reports_sent: int
    kpis: HubKpis

    @property
    def headline(self) -> str:
        k, cover = self.kpis, self.kpis.coverage
        saved = "not reported" if k.changeover_hours_saved is None else f"{k.changeover_hours_saved:g} h"
        return (f"{self.reports_sent} KPI reports to the hub from {k.members_reporting} members: changeover saved "
                f"{saved} ({cover.changeover.members_reporting} members), defects stopped by "
                f"{cover.defects.members_reporting}, energy per part by {cover.energy.members_reporting}, netting by "
                f"{cover.netting.members_reporting}")


def report_periods(origin: datetime) -> tuple[str, ...]:
    """The calendar years the horizon from `origin` touches (reports of disjoint periods add up at the hub)."""
    return tuple(str(year) for year in range(origin.year, (origin + timedelta(days=HORIZON_DAYS)).year + 1))


def send_kpi_reports(running: RunningNetwork, origin: datetime) -> HubKpiResult:
    """Ask every node to send its reports; RuntimeError naming the node if one refuses."""
    periods = report_periods(origin)
    sent = 0
    for node in running.nodes.values():
        for period in periods:
            response = running.http.post(f"{node.url}/api/v1/network/kpi-report", params={"period": period},
                                         headers=node.auth)
            if response.status_code != 200:
                raise RuntimeError(f"node {node.company_id}: KPI report of {period} not sent "
                                   f"({response.status_code}): {response.text[:200]}")
            sent += 1
    assert running.testbed.registry is not None
    # the demo runs the hub: as its operator it sees the figures fewer than three members report (public: withheld)
    operator = {"Authorization": f"Bearer {admin_token(running.testbed.registry.config)}"}
    answer = running.http.get(f"{running.hub_url}/api/v1/kpis", headers=operator)
    answer.raise_for_status()
    return HubKpiResult(periods=periods, reports_sent=sent, kpis=HubKpis.model_validate(answer.json()))
