"""The hub's capability catalog kept in its database: listings are stored as published and indexed in memory.

At start every stored listing is indexed again (`fabnet.network.catalog`); a publication is written and indexed in
one step, so that what the search finds is what the database holds. Members revoked since (by `fabnet hub
revoke-member`, another process) drop out of the search within `REVOKED_REFRESH_S`.
"""

import logging
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Text, cast, select

from fabnet.domain.company import Company, Hub
from fabnet.domain.errors import describe
from fabnet.network.catalog import (
    CapabilityCatalog,
    CapabilityQuery,
    CatalogError,
    MemberListing,
    OnboardingReceipt,
    SearchResult,
)
from fabnet.service.hub_registry import HubRegistry
from fabnet.store import Store
from fabnet.store.hub_tables import HubListingRow

REVOKED_REFRESH_S = 2.0
log = logging.getLogger("fabnet.hub")


class ListedCompany(BaseModel):
    """A company in the catalog: its record, the member that published it, how many machines it listed and their
    skill codes."""

    model_config = ConfigDict(frozen=True)

    company: Company
    member_id: str | None
    machines: int
    skills: tuple[str, ...]
    published_at: datetime


def _skills(listing: MemberListing) -> tuple[str, ...]:
    return tuple(sorted({skill.skill for entry in listing.machines for skill in entry.machine.skills}))


class HubCatalog:
    """Publication and search over the hub's stored listings (thread-safe: FastAPI runs sync routes in threads)."""

    def __init__(self, store: Store, registry: HubRegistry, hubs: Iterable[Hub]) -> None:
        self.store = store
        self.registry = registry
        hubs = tuple(hubs)
        self.hub_ids = tuple(h.id for h in hubs)
        self.catalog = CapabilityCatalog(hubs)
        self._listed: dict[str, ListedCompany] = {}
        self._lock = threading.Lock()
        self._revoked_companies: tuple[str, ...] = ()
        self._revoked_checked = 0.0
        # the documents as JSON text: pydantic parses and validates them in one pass, faster than json.loads first
        columns = (HubListingRow.company_id, HubListingRow.member_id, cast(HubListingRow.document, Text),
                   HubListingRow.published_at)
        with store.transaction() as uow:
            rows = uow.session.execute(select(*columns).order_by(HubListingRow.published_at)).all()
        for company_id, member_id, document, published_at in rows:
            try:
                listing = MemberListing.model_validate_json(document)
                self.catalog.onboard(listing)
            except (ValidationError, CatalogError) as error:
                # e.g. a hub taken out of the configuration: the hub still starts, the listing waits in the database
                log.warning("listing of %s not indexed: %s", company_id, str(error).splitlines()[0])
                continue
            self._listed[company_id] = ListedCompany(company=listing.company, member_id=member_id,
                                                     machines=len(listing.machines), skills=_skills(listing),
                                                     published_at=published_at)

    def publish(self, document: object, member_id: str | None) -> OnboardingReceipt:
        """Validate, store and index a listing; CatalogError (one line, naming the field) leaves nothing behind."""
        try:
            listing = MemberListing.model_validate(document)
        except ValidationError as error:
            raise CatalogError(describe(error)) from None
        company = listing.company
        if self.hub_ids and company.hub_id not in self.hub_ids:
            raise CatalogError(f"company.hub_id: unknown hub {company.hub_id!r} (hubs: {', '.join(self.hub_ids)})")
        now = datetime.now(UTC)
        with self._lock:
            previous = self._listed.get(company.id)
            if previous is not None and member_id is not None and previous.member_id not in (None, member_id):
                raise CatalogError(f"company.id: {company.id!r} was published by member {previous.member_id!r}")
            with self.store.transaction() as uow:
                holder = uow.session.scalar(select(HubListingRow.company_id).where(
                    HubListingRow.kvk == company.kvk, HubListingRow.company_id != company.id))
                if holder is not None:
                    raise CatalogError(f"company.kvk: KvK number {company.kvk} is already registered to company "
                                       f"{holder!r}")
                row = uow.session.get(HubListingRow, company.id)
                document = listing.model_dump(mode="json", exclude_computed_fields=True)
                if row is None:
                    uow.session.add(HubListingRow(company_id=company.id, kvk=company.kvk, member_id=member_id,
                                                  document=document, published_at=now))
                else:
                    row.kvk, row.document, row.published_at = company.kvk, document, now
                    row.member_id = member_id or row.member_id
            # stored first: the checks above are the ones onboarding makes, so indexing what is stored cannot fail
            receipt = self.catalog.onboard(listing)
            self._listed[company.id] = ListedCompany(
                company=company, member_id=member_id or (previous.member_id if previous else None),
                machines=len(listing.machines), skills=_skills(listing), published_at=now)
        return receipt

    def search(self, query: CapabilityQuery) -> SearchResult:
        revoked = self._revoked()
        if revoked:
            query = query.model_copy(update={"exclude_companies": (*query.exclude_companies, *revoked)})
        with self._lock:
            result = self.catalog.search(query)
        if revoked:  # the caller's query, not the one with the revoked members added
            result = result.model_copy(update={"query": query.model_copy(
                update={"exclude_companies": tuple(c for c in query.exclude_companies if c not in revoked)})})
        return result

    def listed(self) -> list[ListedCompany]:
        with self._lock:
            return list(self._listed.values())

    def listed_by_member(self) -> dict[str, ListedCompany]:
        return {entry.member_id: entry for entry in self.listed() if entry.member_id is not None}

    def listing(self, company_id: str) -> MemberListing | None:
        with self.store.transaction() as uow:
            row = uow.session.get(HubListingRow, company_id)
            return None if row is None else MemberListing.model_validate(row.document)

    def _revoked(self) -> tuple[str, ...]:
        """Companies whose publishing member is revoked (re-read at most every REVOKED_REFRESH_S)."""
        now = time.monotonic()
        if now - self._revoked_checked >= REVOKED_REFRESH_S:
            revoked = self.registry.revoked()
            self._revoked_companies = tuple(entry.company.id for entry in self.listed() if entry.member_id in revoked)
            self._revoked_checked = now
        return self._revoked_companies
