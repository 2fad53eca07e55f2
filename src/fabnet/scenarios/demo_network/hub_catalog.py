"""The hub's capability catalog over HTTP: every node publishes its company's machines to the hub
(`POST /api/v1/catalog/capabilities`, signed with its own key), and allocation finds its candidates with the hub's
search (`GET /api/v1/catalog/search`), the same query the in-process catalog answers."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from fabnet.domain import RegionalNetwork
from fabnet.network.catalog import (
    CapabilityQuery,
    CatalogError,
    MachineListing,
    MemberListing,
    RankingWeights,
    SearchResult,
    weekly_shift_minutes,
)
from fabnet.service.hub_api_client import HubClient
from fabnet.service.testbed import Testbed

HUB_LIMIT = 1000
"""The most matches the hub's search returns at once."""


def publish_listings(testbed: Testbed, hub_url: str, network: RegionalNetwork,
                     company_ids: Iterable[str] | None = None) -> int:
    """Each company's listing (its machines, with their weekly shift minutes free) published by its own node's
    member credential (`company_ids`: only those); how many machines the hub indexed."""
    assert testbed.registry is not None
    indexed = 0
    wanted = None if company_ids is None else set(company_ids)
    for company in network.companies:
        if wanted is not None and company.id not in wanted:
            continue
        client = HubClient(hub_url, testbed.registry.config.hub_id, testbed.member_id(company.id),
                           testbed.keys[company.id])
        listing = MemberListing(company=company, machines=tuple(
            MachineListing(machine=m, free_minutes_per_week=weekly_shift_minutes(m))
            for m in network.machines_of(company.id)))
        indexed += client.publish(listing).machines
    return indexed


@dataclass
class HubCatalogSearch:
    """A `CapabilitySearch` answered by the hub's catalog over HTTP. The catalog does not change while the demo
    allocates, so each distinct query is asked once (`searches` counts the requests sent)."""

    http: httpx.Client
    hub_url: str
    searches: int = 0
    _answers: dict[str, SearchResult] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def search(self, query: CapabilityQuery) -> SearchResult:
        key = query.model_dump_json()
        with self._lock:
            known = self._answers.get(key)
        if known is not None:
            return known
        response = self.http.get(self.hub_url + "/api/v1/catalog/search", params=self.parameters(query))
        if response.status_code == 422:
            raise CatalogError(response.json().get("error", response.text))
        if response.status_code != 200:
            raise RuntimeError(f"hub catalog search answered {response.status_code}: {response.text[:200]}")
        result = SearchResult.model_validate(response.json())
        with self._lock:
            self.searches += 1
            self._answers[key] = result
        return result

    @staticmethod
    def parameters(query: CapabilityQuery) -> dict[str, str]:
        """The query as the hub's search parameters; CatalogError for what they cannot say."""
        if query.ranking != RankingWeights():
            raise CatalogError("ranking: the hub ranks with its default weights")
        if len(query.hub_ids) > 1:
            raise CatalogError("hub_ids: the hub searches one region at a time")
        if query.limit > HUB_LIMIT:
            raise CatalogError(f"limit: the hub returns at most {HUB_LIMIT} matches, asked for {query.limit}")
        params = {"skill": query.skill, "limit": str(query.limit),
                  "min_free_minutes_per_week": repr(query.min_free_minutes_per_week)}
        optional = {"material": query.material, "thickness_mm": query.thickness_mm,
                    "tolerance_mm": query.tolerance_mm, "max_distance_km": query.max_distance_km}
        params |= {name: str(value) if isinstance(value, str) else repr(value)
                   for name, value in optional.items() if value is not None}
        if query.part_size_mm is not None:
            params["envelope"] = ",".join(repr(v) for v in query.part_size_mm)
        if query.near is not None:
            params["near"] = f"{query.near.latitude!r},{query.near.longitude!r}"
        if query.hub_ids:
            params["region"] = query.hub_ids[0]
        if query.exclude_companies:
            params["exclude"] = ",".join(query.exclude_companies)
        return params
