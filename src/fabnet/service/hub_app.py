"""The hub's FastAPI app: trust anchor routes now; the catalog and marketplace routers join later."""

from fastapi import FastAPI

from fabnet.service import routes_trust
from fabnet.service.hub_registry import HubConfig, HubRegistry


def create_hub_app(config: HubConfig) -> FastAPI:
    app = FastAPI(title="fabnet hub", version="1")
    app.state.registry = HubRegistry(config)
    app.state.config = config
    app.include_router(routes_trust.router)
    return app
