"""Keeps the node's trust store current: fetches the hub's trust and revocation lists and verifies them."""

import asyncio
import logging

import httpx

from fabnet.network.trust import TrustError, build_trust_store
from fabnet.service.node_runtime import NodeRuntime, now_utc

log = logging.getLogger("fabnet.node.trust")


async def refresh(runtime: NodeRuntime, client: httpx.AsyncClient) -> bool:
    bundle = runtime.identity.bundle
    hub_url = runtime.config.hub_url or (bundle.hub_url if bundle else None)
    if bundle is None or not hub_url:
        return False
    try:
        trust_list = (await client.get(f"{hub_url.rstrip('/')}/trust/list")).raise_for_status().text
        revocations = (await client.get(f"{hub_url.rstrip('/')}/trust/revocations")).raise_for_status().text
        runtime.trust = build_trust_store(bundle.anchor, trust_list, revocations, now_utc(), own=[runtime.identity.own])
        return True
    except (httpx.HTTPError, TrustError) as error:
        log.warning("trust lists from %s not refreshed: %s", hub_url, error)
        return False


async def keep_fresh(runtime: NodeRuntime, client: httpx.AsyncClient) -> None:
    while True:
        await asyncio.sleep(runtime.config.trust_refresh_s)
        await refresh(runtime, client)
