"""What the hub's routes share: its configuration, registry, catalog, flow and KPI report ledgers, authenticator."""

from dataclasses import dataclass

from fastapi import Header, HTTPException, Request

from fabnet.domain.company import Fieldlab, Hub
from fabnet.exchange.tokens import AuthError
from fabnet.network.programme import FIVE_HUBS
from fabnet.service.config_layers import ConfigError
from fabnet.service.hub_api_auth import HubAuthenticator, HubCaller, admin_token
from fabnet.service.hub_api_catalog import HubCatalog
from fabnet.service.hub_api_flows import FlowLedger
from fabnet.service.hub_api_kpi_reports import KpiReportLedger
from fabnet.service.hub_config import HubConfig
from fabnet.service.hub_registry import HubRegistry


@dataclass
class HubState:
    config: HubConfig
    registry: HubRegistry
    catalog: HubCatalog
    flows: FlowLedger
    kpi_reports: KpiReportLedger
    auth: HubAuthenticator
    hubs: tuple[Hub, ...]
    fieldlabs: tuple[Fieldlab, ...]

    @classmethod
    def open(cls, config: HubConfig) -> "HubState":
        hubs, fieldlabs = _programme_records(config)
        registry = HubRegistry(config)
        return cls(config=config, registry=registry, catalog=HubCatalog(registry.store, registry, hubs),
                   flows=FlowLedger(registry.store), kpi_reports=KpiReportLedger(registry.store),
                   auth=HubAuthenticator(registry, admin_token(config)),
                   hubs=hubs, fieldlabs=fieldlabs)

    def close(self) -> None:
        self.registry.close()


def _programme_records(config: HubConfig) -> tuple[tuple[Hub, ...], tuple[Fieldlab, ...]]:
    if config.scenario is None:
        return FIVE_HUBS, ()
    from fabnet.scenarios.loader import load_scenario

    try:
        network = load_scenario(config.scenario)
    except ValueError as error:
        raise ConfigError(f"scenario: {error}") from None
    return network.hubs or FIVE_HUBS, network.fieldlabs


def hub_state(request: Request) -> HubState:
    return request.app.state.hub


def hub_caller(request: Request, authorization: str | None = Header(default=None)) -> HubCaller:
    """FastAPI dependency: the authenticated caller of a write endpoint (401/403 JSON otherwise)."""
    try:
        return hub_state(request).auth.caller(authorization)
    except AuthError as error:
        raise HTTPException(error.status, error.reason) from None


def hub_viewer(request: Request, authorization: str | None = Header(default=None)) -> HubCaller | None:
    """FastAPI dependency of a read endpoint: None (the public) without an Authorization header, else the caller
    as for a write; a credential that fails is refused (401/403), never taken as no credential at all."""
    if authorization is None:
        return None
    return hub_caller(request, authorization)
