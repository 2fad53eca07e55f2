"""Requests this node makes to a peer directly (catalog queries), signed with a self-issued token."""

import httpx

from fabnet.exchange import messages
from fabnet.exchange.errors import ProtocolError
from fabnet.exchange.schemas import InvalidMessage, validate
from fabnet.exchange.tokens import issue_token
from fabnet.network.trust import Member
from fabnet.service.node_runtime import NodeRuntime, now_utc


def peer_member(runtime: NodeRuntime, peer_url: str) -> Member:
    member = runtime.trust.by_endpoint(peer_url)
    if member is None:
        raise ProtocolError(400, "unknown-peer", f"peer_url: no trusted member has the endpoint {peer_url}")
    return member


def _headers(runtime: NodeRuntime, audience: str) -> dict[str, str]:
    token = issue_token(runtime.identity.keys, runtime.member_id, audience, now_utc())
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def fetch_catalog(runtime: NodeRuntime, client: httpx.AsyncClient, peer_url: str) -> dict:
    member = peer_member(runtime, peer_url)
    request = messages.catalog_request()
    validate(request)
    response = await client.post(f"{peer_url.rstrip('/')}/catalog/request", json=request,
                                 headers=_headers(runtime, member.credential.member_id))
    if response.status_code != 200:
        raise ProtocolError(502, "peer-refused", f"peer answered {response.status_code}: {response.text[:200]}")
    document = response.json()
    try:
        validate(document, "Catalog")
    except InvalidMessage as error:
        raise ProtocolError(502, "peer-invalid", f"peer catalog does not validate: {error}") from None
    return document


async def fetch_dataset(runtime: NodeRuntime, client: httpx.AsyncClient, peer_url: str, dataset_id: str) -> dict:
    member = peer_member(runtime, peer_url)
    response = await client.get(f"{peer_url.rstrip('/')}/catalog/datasets/{dataset_id}",
                                headers=_headers(runtime, member.credential.member_id))
    if response.status_code != 200:
        raise ProtocolError(response.status_code if response.status_code < 500 else 502, "peer-refused",
                            f"peer answered {response.status_code}: {response.text[:200]}")
    return response.json()
