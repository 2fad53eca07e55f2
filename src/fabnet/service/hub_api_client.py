"""A node's client of its hub's JSON API: publish its capability listing, report order flows and KPIs.

Each request carries a fresh self-issued token (`fabnet.exchange.tokens`) with the hub id as audience, signed by
the node's own key — the one its membership credential names.
"""

from datetime import UTC, datetime

import httpx

from fabnet.exchange.keys import KeyPairs
from fabnet.exchange.tokens import issue_token
from fabnet.network.catalog import MemberListing, OnboardingReceipt
from fabnet.network.flows import FlowReport
from fabnet.network.kpi_reports import KpiReport
from fabnet.service.hub_api_models import FlowReceipt, KpiReportReceipt


class HubApiError(RuntimeError):
    """The hub refused a request; the message is the hub's one-line reason with the status."""


class HubClient:
    def __init__(self, hub_url: str, hub_id: str, member_id: str, keys: KeyPairs, timeout: float = 30.0) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.hub_id = hub_id
        self.member_id = member_id
        self.keys = keys
        self.timeout = timeout

    def _post(self, path: str, body: object) -> dict:
        token = issue_token(self.keys, self.member_id, self.hub_id, datetime.now(UTC))
        response = httpx.post(f"{self.hub_url}{path}", json=body, timeout=self.timeout,
                              headers={"Authorization": f"Bearer {token}"})
        if response.status_code >= 400:
            try:
                reason = response.json().get("error", response.text)
            except ValueError:
                reason = response.text
            raise HubApiError(f"hub {self.hub_url} answered {response.status_code}: {reason}")
        return response.json()

    def publish(self, listing: MemberListing) -> OnboardingReceipt:
        document = listing.model_dump(mode="json", exclude_computed_fields=True)
        return OnboardingReceipt.model_validate(self._post("/api/v1/catalog/capabilities", document))

    def report_flow(self, flow: FlowReport) -> FlowReceipt:
        return FlowReceipt.model_validate(self._post("/api/v1/flows", flow.model_dump(mode="json", by_alias=True)))

    def report_kpis(self, report: KpiReport) -> KpiReportReceipt:
        return KpiReportReceipt.model_validate(self._post("/api/v1/kpi-reports", report.model_dump(mode="json")))
