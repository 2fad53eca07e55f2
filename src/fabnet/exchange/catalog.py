"""Assets offered by a node and the DCAT catalog built from them, filtered by each asset's access policy."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from fabnet.exchange import odrl
from fabnet.exchange.messages import CONTEXT

ASSET_KINDS = ("design", "instruction", "order", "passport", "document")
PULL_FORMAT = "HttpData-PULL"


class Asset(BaseModel):
    """Something a node offers: a design document and files, instructions, an order or a part passport."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1)
    kind: str = Field(default="document", pattern="^(" + "|".join(ASSET_KINDS) + ")$")
    media_type: str = "application/octet-stream"
    path: str = Field(min_length=1, description="the file that holds the asset's content")
    policy: dict = Field(default_factory=lambda: {"permission": [{"action": "use"}]}, description="ODRL usage rules")
    access: dict | None = Field(default=None, description="ODRL policy deciding who sees the asset at all")
    auto_agree: bool = True

    @property
    def offer_id(self) -> str:
        return f"{self.id}:offer"

    def offer(self) -> dict:
        """The catalog form of the offer (no `target`: the dataset it sits in is the target)."""
        rules = {key: value for key, value in self.policy.items() if key in ("permission", "prohibition", "obligation")}
        return {"@id": self.offer_id, "@type": "Offer", **rules}

    def message_offer(self) -> dict:
        """The offer as a consumer requests it: with `target`."""
        return {**self.offer(), "target": self.id}


def visible(asset: Asset, member: str, hub: str | None, now: datetime) -> bool:
    if asset.access is None:
        return True
    return odrl.evaluate(asset.access, odrl.UsageContext(now=now, member=member, hub=hub)).allowed


def dataset(asset: Asset, service_id: str, with_context: bool = False) -> dict:
    document: dict = {
        "@id": asset.id,
        "@type": "Dataset",
        "title": asset.title,
        "hasPolicy": [asset.offer()],
        "distribution": [{"@type": "Distribution", "format": PULL_FORMAT, "accessService": service_id}],
    }
    return {"@context": CONTEXT, **document} if with_context else document


def catalog(participant_id: str, endpoint: str, assets: list[Asset]) -> dict:
    service_id = f"{participant_id}:dsp"
    document: dict = {
        "@context": CONTEXT,
        "@id": f"{participant_id}:catalog",
        "@type": "Catalog",
        "participantId": participant_id,
        "service": [{"@id": service_id, "@type": "DataService", "endpointURL": endpoint}],
    }
    if assets:
        document["dataset"] = [dataset(asset, service_id) for asset in assets]
    return document


def find_offer(catalog_document: dict, offer_id: str) -> dict | None:
    """The offer with `offer_id` in a received catalog, as a message offer (with its dataset as `target`)."""
    for entry in catalog_document.get("dataset", []):
        for offer in entry.get("hasPolicy", []):
            if offer.get("@id") == offer_id:
                return {**offer, "target": entry["@id"]}
    for nested in catalog_document.get("catalog", []):
        found = find_offer(nested, offer_id)
        if found is not None:
            return found
    return None
