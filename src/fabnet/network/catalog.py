"""The hub's capability catalog: members publish machines' skills, ranges and free capacity; ranked search.

Members publish a `MemberListing` (their company record and, per machine, the `Machine` with its skills and the
free capacity in minutes per week). Onboarding validates the listing (KvK, VAT, known hub, machine ownership)
and indexes every machine skill in a column store per skill: numpy arrays of the ranges (thickness, sorted
envelope, capability), of the owner's site, hub, rate and free capacity, plus postings per material token.
A search is then a handful of vectorised comparisons over the arrays of one skill; the arrays grow in place
(`fabnet.network.skill_index`), so a member joining never forces a rebuild.

Matching follows the process planner (`fabnet.planning.process`), so that what the catalog finds the member's
own planner accepts:
- material: the skill lists grades or groups (`steel`, `stainless`, ...) or nothing (= any material); the
  query's grade matches its own name and its group;
- thickness: `min_thickness_mm <= t <= max_thickness_mm` (no maximum = unbounded);
- part size: for cutting skills the flat blank (the two largest dimensions) must fit the bed (the two largest
  envelope dimensions); otherwise the part must fit the envelope in some axis-aligned orientation;
- tolerance: the skill's capability (its `tolerance_mm`, else the vocabulary's typical figure) must be at
  least as tight as the required tolerance.

Ranking: a weighted sum of four criteria, each scaled to [0, 1] over the matches, higher is better —
fit (right-sizing: how much of the machine's range the part uses, so large machines stay free for large
parts), free capacity, nearness (when a site is given) and cheapness of the hourly rate.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, Self

import numpy as np
import numpy.typing as npt
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from fabnet.domain.base import DomainModel, Identifier
from fabnet.domain.company import Company, Hub
from fabnet.domain.errors import describe
from fabnet.domain.machine import Machine, MachineSkill, SkillCode
from fabnet.domain.region import RegionalNetwork
from fabnet.domain.skills import skill_definition
from fabnet.network.geo import great_circle_km_many
from fabnet.network.skill_index import SkillEntry, SkillIndex
from fabnet.planning.materials import material
from fabnet.planning.process_errors import PlanningError

MINUTES_PER_WEEK = 7 * 24 * 60
_EPSILON_MM = 1e-6
"""Float slack for range comparisons, the same as the process planner's."""


class CatalogError(ValueError):
    """A listing or query the catalog rejects; the message names the field and the reason."""


def material_tokens(name: str) -> frozenset[str]:
    """The tokens a material query matches on: the grade's own name, its table name and its group."""
    tokens = {name.strip().lower()}
    try:
        grade = material(name)
    except PlanningError:
        return frozenset(tokens)  # an unknown grade still matches skills that list it by name
    return frozenset(tokens | {grade.name.lower(), grade.group.value})


# ---------------------------------------------------------------------------------------------------- listings


class MachineListing(DomainModel):
    """One machine as a member publishes it: what it can do and how much of its week is still free."""

    machine: Machine
    free_minutes_per_week: Annotated[float, Field(ge=0, le=MINUTES_PER_WEEK)]


def _unique_machine_ids(machines: tuple[MachineListing, ...]) -> tuple[MachineListing, ...]:
    seen: set[str] = set()
    for listing in machines:
        if listing.machine.id in seen:
            raise ValueError(f"machine id {listing.machine.id!r} appears twice")
        seen.add(listing.machine.id)
    return machines


class MemberListing(DomainModel):
    """A member's publication to the hub: its company record and its machines."""

    company: Company
    machines: Annotated[tuple[MachineListing, ...], AfterValidator(_unique_machine_ids)] = ()

    @model_validator(mode="after")
    def _machines_owned(self) -> Self:
        for listing in self.machines:
            if listing.machine.company_id != self.company.id:
                raise ValueError(f"machine {listing.machine.id!r} belongs to {listing.machine.company_id!r}, "
                                 f"not to the publishing member {self.company.id!r}")
        return self


class OnboardingReceipt(BaseModel):
    model_config = ConfigDict(frozen=True)

    company_id: str
    hub_id: str
    machines: int
    skills: int
    replaced: bool = Field(description="the member was listed before; its old listing was withdrawn")


# ---------------------------------------------------------------------------------------------------- queries


class GeoPoint(BaseModel):
    """A point to measure distances from (decimal degrees)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class RankingWeights(BaseModel):
    """Weights of the ranking criteria (each scaled to [0, 1], higher is better)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fit: float = Field(default=1.0, ge=0)
    capacity: float = Field(default=1.0, ge=0)
    nearness: float = Field(default=1.0, ge=0)
    rate: float = Field(default=1.0, ge=0)


def _dimensions(value: tuple[float, float, float]) -> tuple[float, float, float]:
    if any(v <= 0 for v in value):
        raise ValueError(f"part dimensions must be positive, got {value}")
    return value


class CapabilityQuery(BaseModel):
    """What a search asks for; every constraint left None is not checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    skill: SkillCode
    material: str | None = Field(default=None, min_length=1)
    thickness_mm: float | None = Field(default=None, gt=0)
    part_size_mm: Annotated[tuple[float, float, float], AfterValidator(_dimensions)] | None = None
    tolerance_mm: float | None = Field(default=None, gt=0)
    hub_ids: tuple[Identifier, ...] = ()
    near: GeoPoint | None = None
    max_distance_km: float | None = Field(default=None, gt=0)
    min_free_minutes_per_week: float = Field(default=0.0, ge=0)
    exclude_companies: tuple[Identifier, ...] = ()
    limit: int = Field(default=20, ge=1, le=10_000)
    ranking: RankingWeights = RankingWeights()

    @model_validator(mode="after")
    def _distance_needs_site(self) -> Self:
        if self.max_distance_km is not None and self.near is None:
            raise ValueError("max_distance_km needs a site to measure from (near)")
        return self


class CatalogMatch(BaseModel):
    """One capable machine, with the figures it was ranked on."""

    model_config = ConfigDict(frozen=True)

    company_id: str
    company_name: str
    hub_id: str
    machine_id: str
    machine_name: str
    skill: str
    hourly_rate_eur: float
    free_minutes_per_week: float
    distance_km: float | None
    fit: float
    score: float


class SearchResult(BaseModel):
    format: str = "fabnet.catalog-search/1"
    query: CapabilityQuery
    total_matches: int
    matches: tuple[CatalogMatch, ...]

    def companies(self) -> list[str]:
        """The distinct companies of the matches, best first."""
        return list(dict.fromkeys(m.company_id for m in self.matches))


class CapabilitySearch(Protocol):
    """Where allocation finds candidates: a catalog in this process, or the hub's catalog over HTTP."""

    def search(self, query: CapabilityQuery) -> SearchResult:
        """The capable machines for the query, best first; CatalogError for a query the catalog rejects."""
        ...


class CatalogStats(BaseModel):
    members: int
    machines: int
    skill_entries: dict[str, int]
    hubs: dict[str, int]


# ---------------------------------------------------------------------------------------------------- index


@dataclass(frozen=True)
class _MachineRow:
    company_row: int
    machine_id: str
    name: str
    rate: float
    free: float


@dataclass(frozen=True)
class _CompanyRow:
    company: Company
    hub_code: int
    machine_rows: tuple[int, ...]
    skill_rows: tuple[tuple[str, int], ...]  # (skill, row in that skill's index)


def _sorted_envelope(skill: MachineSkill) -> tuple[float, float, float]:
    if skill.envelope_mm is None:
        return (np.inf, np.inf, np.inf)
    small, middle, large = sorted(skill.envelope_mm)
    return (small, middle, large)


def _capability(skill: MachineSkill) -> float:
    if skill.tolerance_mm is not None:
        return skill.tolerance_mm
    return skill_definition(skill.skill).capability_tolerance_mm


class CapabilityCatalog:
    """The hub's catalog of members' machine capabilities (in memory, rebuilt from the registry at start)."""

    def __init__(self, hubs: Iterable[Hub] = ()) -> None:
        self._hubs: dict[str, Hub] = {h.id: h for h in hubs}
        self._hub_codes: dict[str, int] = {}
        self._companies: list[_CompanyRow] = []
        self._current: dict[str, int] = {}  # company id → its current row
        self._kvk_owner: dict[str, str] = {}
        self._machines: list[_MachineRow] = []
        self._skills: dict[str, SkillIndex] = {}

    # ----------------------------------------------------------------------------------------------- building

    @classmethod
    def from_network(
        cls, network: RegionalNetwork, free_minutes: Mapping[str, float] | None = None
    ) -> "CapabilityCatalog":
        """A catalog of a scenario's companies; free capacity per machine id, else its weekly shift minutes."""
        catalog = cls(network.hubs)
        for company in network.companies:
            machines = network.machines_of(company.id)
            listings = tuple(
                MachineListing(machine=m, free_minutes_per_week=(free_minutes or {}).get(m.id, weekly_shift_minutes(m)))
                for m in machines
            )
            catalog.onboard(MemberListing(company=company, machines=listings))
        return catalog

    def onboard(self, listing: MemberListing | Mapping[str, Any]) -> OnboardingReceipt:
        """Validate a member's listing and index its machines; a member listed before is replaced."""
        if not isinstance(listing, MemberListing):
            try:
                listing = MemberListing.model_validate(listing)
            except ValidationError as error:
                raise CatalogError(describe(error, source="member listing")) from None
        company = listing.company
        if self._hubs and company.hub_id not in self._hubs:
            raise CatalogError(f"company.hub_id: unknown hub {company.hub_id!r} (hubs: {', '.join(self._hubs)})")
        owner = self._kvk_owner.get(company.kvk)
        if owner is not None and owner != company.id:
            raise CatalogError(f"company.kvk: KvK number {company.kvk} is already registered to member {owner!r}")
        replaced = company.id in self._current
        if replaced:
            self.withdraw(company.id)
        hub_code = self._hub_codes.setdefault(company.hub_id, len(self._hub_codes))
        company_row = len(self._companies)
        site = company.address
        machine_rows: list[int] = []
        skill_rows: list[tuple[str, int]] = []
        for item in listing.machines:
            machine = item.machine
            row = len(self._machines)
            machine_rows.append(row)
            rate = float(machine.hourly_rate_eur)
            self._machines.append(_MachineRow(company_row, machine.id, machine.name, rate, item.free_minutes_per_week))
            for skill in machine.skills:
                entry = SkillEntry(
                    machine_row=row, company_row=company_row, min_thickness_mm=skill.min_thickness_mm,
                    max_thickness_mm=skill.max_thickness_mm if skill.max_thickness_mm is not None else np.inf,
                    envelope_sorted_mm=_sorted_envelope(skill),
                    capability_mm=_capability(skill), materials=frozenset(m.strip().lower() for m in skill.materials),
                    hub=hub_code, latitude=site.latitude, longitude=site.longitude, rate=rate,
                    free_minutes=item.free_minutes_per_week)
                skill_rows.append((skill.skill, self._index_of(skill.skill).append(entry)))
        self._companies.append(_CompanyRow(company, hub_code, tuple(machine_rows), tuple(skill_rows)))
        self._current[company.id] = company_row
        self._kvk_owner[company.kvk] = company.id
        return OnboardingReceipt(company_id=company.id, hub_id=company.hub_id, machines=len(listing.machines),
                                 skills=len(skill_rows), replaced=replaced)

    def _index_of(self, skill: str) -> SkillIndex:
        index = self._skills.get(skill)
        if index is None:
            index = self._skills[skill] = SkillIndex()
        return index

    def withdraw(self, company_id: str) -> None:
        """Take a member's machines out of the search (e.g. membership revoked); KeyError if not listed."""
        row = self._current.pop(company_id, None)
        if row is None:
            raise KeyError(f"company {company_id!r} is not listed in the catalog")
        listed = self._companies[row]
        self._kvk_owner.pop(listed.company.kvk, None)
        for skill, entry in listed.skill_rows:
            self._skills[skill].deactivate(entry)

    # ----------------------------------------------------------------------------------------------- reading

    def __len__(self) -> int:
        return len(self._current)

    def member(self, company_id: str) -> Company:
        row = self._current.get(company_id)
        if row is None:
            raise KeyError(f"company {company_id!r} is not listed in the catalog")
        return self._companies[row].company

    def members(self) -> list[Company]:
        return [self._companies[row].company for row in self._current.values()]

    def stats(self) -> CatalogStats:
        entries: dict[str, int] = {}
        for code in sorted(self._skills):
            entries[code] = int(self._skills[code].active.sum())
        hubs: dict[str, int] = {}
        for row in self._current.values():
            hub = self._companies[row].company.hub_id
            hubs[hub] = hubs.get(hub, 0) + 1
        machines = sum(len(self._companies[row].machine_rows) for row in self._current.values())
        return CatalogStats(members=len(self._current), machines=machines, skill_entries=entries,
                            hubs=dict(sorted(hubs.items())))

    def search(self, query: CapabilityQuery | Mapping[str, Any]) -> SearchResult:
        """Every capable machine, best first (at most `limit`); CatalogError for a malformed query."""
        if not isinstance(query, CapabilityQuery):
            try:
                query = CapabilityQuery.model_validate(query)
            except ValidationError as error:
                raise CatalogError(describe(error, source="query")) from None
        if self._hubs:
            unknown = [h for h in query.hub_ids if h not in self._hubs]
            if unknown:
                raise CatalogError(f"hub_ids: unknown hub {unknown[0]!r} (hubs: {', '.join(self._hubs)})")
        index = self._skills.get(query.skill)
        if index is None or not len(index):
            return SearchResult(query=query, total_matches=0, matches=())
        mask = index.active.copy()
        if query.material is not None:
            listed = np.zeros(mask.shape, dtype=bool)
            for token in material_tokens(query.material):
                rows = index.listing(token)
                if rows is not None:
                    listed[rows] = True
            mask &= index.any_material | listed
        if query.thickness_mm is not None:
            t = query.thickness_mm
            mask &= (index.min_t <= t + _EPSILON_MM) & (t <= index.max_t + _EPSILON_MM)
        part = sorted(query.part_size_mm) if query.part_size_mm is not None else None
        # cutting works on the flat blank: only the two largest dimensions meet the bed
        axes = (1, 2) if skill_definition(query.skill).process == "cut" else (0, 1, 2)
        if part is not None:
            for axis in axes:
                mask &= part[axis] <= index.envelope[:, axis] + _EPSILON_MM
        if query.tolerance_mm is not None:
            mask &= index.capability <= query.tolerance_mm + _EPSILON_MM
        if query.hub_ids:
            codes = [self._hub_codes[h] for h in query.hub_ids if h in self._hub_codes]
            mask &= np.isin(index.hub, codes)
        if query.min_free_minutes_per_week > 0:
            mask &= index.free >= query.min_free_minutes_per_week
        if query.exclude_companies:
            rows = [self._current[c] for c in query.exclude_companies if c in self._current]
            mask &= ~np.isin(index.company_row, rows)
        found = np.flatnonzero(mask)
        distance = None
        if query.near is not None and found.size:
            distance = great_circle_km_many(query.near.latitude, query.near.longitude,
                                            index.latitude[found], index.longitude[found])
            if query.max_distance_km is not None:
                keep = distance <= query.max_distance_km
                found, distance = found[keep], distance[keep]
        if not found.size:
            return SearchResult(query=query, total_matches=0, matches=())
        fit = self._fit(index, found, query, part, axes)
        score = self._score(index, found, query, fit, distance)
        # best score first; ties by the order of listing, so results are reproducible
        order = np.lexsort((found, -score))[: query.limit]
        matches = []
        for k in order:
            entry = found[k]
            machine = self._machines[int(index.machine_row[entry])]
            company = self._companies[machine.company_row].company
            matches.append(CatalogMatch(
                company_id=company.id, company_name=company.name, hub_id=company.hub_id,
                machine_id=machine.machine_id, machine_name=machine.name, skill=query.skill,
                hourly_rate_eur=machine.rate, free_minutes_per_week=machine.free,
                distance_km=None if distance is None else round(float(distance[k]), 3),
                fit=round(float(fit[k]), 6), score=round(float(score[k]), 6),
            ))
        return SearchResult(query=query, total_matches=int(found.size), matches=tuple(matches))

    @staticmethod
    def _fit(index: SkillIndex, found: npt.NDArray[np.int64], query: CapabilityQuery,
             part: Sequence[float] | None, axes: tuple[int, ...]) -> npt.NDArray[np.float64]:
        ratios: list[npt.NDArray[np.float64]] = []
        with np.errstate(divide="ignore", invalid="ignore"):
            if part is not None:
                envelope = index.envelope[found][:, axes]
                used = np.max(np.asarray(part)[list(axes)][None, :] / envelope, axis=1)
                ratios.append(np.where(np.isfinite(envelope).all(axis=1), used, 0.0))
            if query.thickness_mm is not None:
                ratios.append(np.where(np.isfinite(index.max_t[found]), query.thickness_mm / index.max_t[found], 0.0))
            if query.tolerance_mm is not None:
                ratios.append(index.capability[found] / query.tolerance_mm)
        if not ratios:
            return np.ones(found.size)
        return np.clip(np.mean(ratios, axis=0), 0.0, 1.0)

    @staticmethod
    def _score(index: SkillIndex, found: npt.NDArray[np.int64], query: CapabilityQuery,
               fit: npt.NDArray[np.float64], distance: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64]:
        w = query.ranking
        free = index.free[found]
        score = w.fit * fit + w.capacity * free / max(float(free.max()), 1.0)
        rate = index.rate[found]
        cheapest = float(rate.min())
        score += w.rate * np.where(rate > 0, cheapest / np.maximum(rate, 1e-9), 1.0)
        if distance is not None:
            farthest = float(distance.max())
            score += w.nearness * (1.0 - distance / farthest if farthest > 0 else np.ones(found.size))
        return score


def weekly_shift_minutes(machine: Machine) -> float:
    """Minutes per week the machine's shift calendar staffs it (a whole week when it has no shifts)."""
    return float(sum(end - start for start, end in machine.calendar.working_windows(MINUTES_PER_WEEK)))


__all__ = [
    "CapabilityCatalog",
    "CapabilityQuery",
    "CapabilitySearch",
    "CatalogError",
    "CatalogMatch",
    "CatalogStats",
    "GeoPoint",
    "MachineListing",
    "MemberListing",
    "OnboardingReceipt",
    "RankingWeights",
    "SearchResult",
    "material_tokens",
    "weekly_shift_minutes",
]
