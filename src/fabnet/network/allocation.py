"""The marketplace: a customer order → process plan → work packages → RFQs → chosen (and split) sub-orders.

1. The receiving company plans the order on its own machines (`plan_what_is_possible`). Operations it cannot
   do become work packages, one per design of the bill of materials (e.g. cutting and bending of component
   `fr-210` go out together). With `check_in_time`, the receiver also quotes its own in-house work; a design
   whose in-house completion misses the due date goes out too, with the receiver among the candidates.
2. Candidates per package come from the hub catalog: members with a machine for every operation of the package
   (any of its alternative skills), material, thickness, size and tolerance permitting; the best
   `max_candidates` by catalog rank get a request for quotation. A package no member can do in one piece is
   split into one package per operation.
3. Each candidate answers through the `QuoteProvider` (in process, or the member's node over HTTP): a linear
   quote, a decline, or no answer (`MemberUnavailable`).
4. `split.choose_split` picks members and quantities minimising cost + lateness + transport CO2.
5. Each chosen line becomes a sub-order (a domain `Order` from the receiver to the member). A package no
   member offers for stays WAITING with the reasons — never dropped; `reallocate` retries waiting packages
   and replaces a partner that declined or failed.

Package release and due are the order's own (minutes from the network's origin); precedences between packages
and in-house work are left to each company's scheduler.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, Field

from fabnet.domain import Design, Order, OrderStatus, RegionalNetwork
from fabnet.domain.skills import skill_definition
from fabnet.network.catalog import CapabilityQuery, CapabilitySearch
from fabnet.network.quotes import (
    MemberQuote,
    MemberUnavailable,
    QuoteProvider,
    QuoteStatus,
    RequestForQuotation,
    Site,
    WorkPackage,
)
from fabnet.network.split import AllocationWeights, SplitResult, choose_split
from fabnet.planning.process import plan_what_is_possible

CANDIDATE_POOL = 500
"""Catalog matches read per operation before members are intersected and the best few asked to quote."""
_THICKNESS_BOUND = frozenset({"cut", "bend", "weld"})
_PRECISION = frozenset({"mill", "turn"})


class PackageStatus(StrEnum):
    ALLOCATED = "allocated"
    PARTLY_WAITING = "partly_waiting"
    WAITING = "waiting"


class AllocationStatus(StrEnum):
    IN_HOUSE = "in_house"
    ALLOCATED = "allocated"
    WAITING = "waiting"


class PackageAllocation(BaseModel):
    package: WorkPackage
    candidates: tuple[str, ...]
    quotes: tuple[MemberQuote, ...]
    split: SplitResult
    status: PackageStatus
    note: str = ""


class SubOrder(BaseModel):
    order: Order
    package_id: str
    operation_keys: tuple[str, ...]
    price_eur: float
    promised_completion_minute: int
    lateness_minutes: int
    co2_kg: float


class AllocationResult(BaseModel):
    format: str = "fabnet.allocation/1"
    order_id: str
    receiver_id: str
    status: AllocationStatus
    in_house_operations: tuple[str, ...]
    packages: tuple[PackageAllocation, ...]
    sub_orders: tuple[SubOrder, ...]
    excluded_members: tuple[str, ...] = ()
    weights: AllocationWeights
    total_price_eur: float
    total_co2_kg: float
    total_lateness_minutes: int
    objective_cents: int
    waiting_quantity: int = Field(description="units of packages no member has taken yet")

    def waiting(self) -> list[PackageAllocation]:
        return [p for p in self.packages if p.status is not PackageStatus.ALLOCATED]


@dataclass(frozen=True)
class Marketplace:
    """What allocation works with: the network's records, the hub catalog (in process or the hub's over HTTP) and
    the RFQ channel."""

    network: RegionalNetwork
    catalog: CapabilitySearch
    provider: QuoteProvider
    weights: AllocationWeights = field(default_factory=AllocationWeights)
    max_candidates: int = 6
    check_in_time: bool = True
    split_time_limit_s: float = 5.0
    excluded: frozenset[str] = field(default_factory=frozenset)


def allocate(market: Marketplace, order: Order | str, *, exclude: Iterable[str] = ()) -> AllocationResult:
    """Plan the order at its supplier, send out what it cannot do (or not in time), choose and split."""
    network = market.network
    if isinstance(order, str):
        order = network.order(order)
    excluded = frozenset(exclude) | market.excluded
    packages, in_house, own_quotes = _work_packages(market, order)
    allocations = [_allocate_package(market, order, p, excluded, own_quotes.get(p.id)) for p in packages]
    return _result(market, order, in_house, allocations, excluded)


def reallocate(market: Marketplace, result: AllocationResult, failed_member: str | None = None) -> AllocationResult:
    """Replace `failed_member` (declined or failed after allocation): its packages and the waiting ones are
    re-run without it; every other package keeps its allocation. Without a failed member, only the waiting
    packages are retried (e.g. once a member that was down answers again)."""
    order = market.network.order(result.order_id)
    excluded = frozenset(result.excluded_members) | market.excluded
    if failed_member is not None:
        excluded |= {failed_member}
    allocations = []
    for allocation in result.packages:
        members = {line.member_id for line in allocation.split.lines}
        if failed_member in members or allocation.status is not PackageStatus.ALLOCATED:
            own = next((q for q in allocation.quotes if q.member_id == result.receiver_id), None)
            allocations.append(_allocate_package(market, order, allocation.package, excluded, own))
        else:
            allocations.append(allocation)
    return _result(market, order, result.in_house_operations, allocations, excluded)


# ---------------------------------------------------------------------------------------------------- packages


def _design_at(network: RegionalNetwork, top: Design, path: Sequence[str], quantity: int) -> tuple[Design, int]:
    """The design at a BoM path below `top` and the quantity of it that the order needs."""
    design = top
    for component_id in path:
        count = sum(line.quantity for line in design.bom if line.design_id == component_id)
        design = network.design(component_id)
        quantity *= count
    return design, quantity


def _split_id(operation_id: str) -> tuple[tuple[str, ...], str]:
    *path, key = operation_id.split("/")
    return tuple(path), key


def _work_packages(market: Marketplace, order: Order
                   ) -> tuple[list[WorkPackage], tuple[str, ...], dict[str, MemberQuote]]:
    network = market.network
    designs = {d.id: d for d in network.designs}
    top = designs[order.design_id]
    machines = network.machines_of(order.supplier_id)
    release, due = (max(0, m) for m in order.minutes_from(network.origin))
    groups: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {}
    reasons: dict[tuple[str, ...], str] = {}
    in_house: tuple[str, ...] = ()
    late_groups: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {}
    if machines:
        partial = plan_what_is_possible(top, machines, quantity=order.quantity, designs=designs)
        for skipped in partial.skipped:
            path, key = _split_id(skipped.operation_id)
            groups.setdefault(path, {})[key] = skipped.skills
            reasons[path] = skipped.reason
        if partial.plan is not None:
            in_house = tuple(op.id for op in partial.plan.operations)
            for op in partial.plan.operations:
                path, key = _split_id(op.id)
                skills = tuple(dict.fromkeys(m.skill or op.skill for m in op.modes))
                late_groups.setdefault(path, {})[key] = skills
    else:
        partial_all = plan_what_is_possible(top, network.machines, quantity=order.quantity, designs=designs)
        for op in partial_all.plan.operations if partial_all.plan is not None else ():
            path, key = _split_id(op.id)
            groups.setdefault(path, {})[key] = tuple(dict.fromkeys(m.skill or op.skill for m in op.modes))
            reasons[path] = f"{order.supplier_id} has no machines"
    packages = []
    for path, operations in groups.items():
        design, quantity = _design_at(network, top, path, order.quantity)
        packages.append(WorkPackage(
            id=_package_id(order, path), order_id=order.id, design=design, operation_keys=tuple(operations),
            skills=tuple(operations.values()), quantity=quantity, release_minute=release, due_minute=due,
            reason=f"cannot do: {reasons[path]}"))
    own_quotes: dict[str, MemberQuote] = {}
    late: set[str] = set()
    if market.check_in_time and late_groups:
        receiver = _site(network, order.supplier_id)
        for path, operations in late_groups.items():
            design, quantity = _design_at(network, top, path, order.quantity)
            package = WorkPackage(
                id=_package_id(order, path) + ":in-house", order_id=order.id, design=design,
                operation_keys=tuple(operations), skills=tuple(operations.values()), quantity=quantity,
                release_minute=release, due_minute=due, reason="in house too late")
            own = _ask(market.provider, package, order.supplier_id, receiver)
            if own.status is QuoteStatus.OFFERED and own.completion_minute(quantity) > due:
                packages.append(package.model_copy(update={
                    "reason": f"not in time: in house completes at minute {own.completion_minute(quantity)}, "
                              f"due {due}"}))
                own_quotes[package.id] = own
                late.update("/".join([*path, key]) for key in operations)
        in_house = tuple(op for op in in_house if op not in late)
    return packages, in_house, own_quotes


def _package_id(order: Order, path: tuple[str, ...]) -> str:
    """`order:design`, with the BoM path (`a>b`) for a component."""
    return f"{order.id}:{'>'.join(path) or order.design_id}"


def _site(network: RegionalNetwork, company_id: str) -> Site:
    address = network.company(company_id).address
    return Site(company_id=company_id, latitude=address.latitude, longitude=address.longitude)


def _ask(provider: QuoteProvider, package: WorkPackage, member: str, deliver_to: Site) -> MemberQuote:
    request = RequestForQuotation(package=package, member_id=member, deliver_to=deliver_to)
    try:
        answer = provider.quote(request)
    except MemberUnavailable as error:
        return MemberQuote.unavailable(member, package.id, str(error) or "no answer")
    if answer.member_id != member or answer.package_id != package.id:
        return MemberQuote.declined(request, f"answer names {answer.member_id}/{answer.package_id}, not this RFQ")
    return answer


# ---------------------------------------------------------------------------------------------------- candidates


def _queries(package: WorkPackage, skills: Sequence[str], exclude: Iterable[str]) -> list[CapabilityQuery]:
    design = package.design
    queries = []
    for skill in skills:
        process = skill_definition(skill).process
        queries.append(CapabilityQuery(
            skill=skill, material=design.material,
            thickness_mm=design.thickness_mm if process in _THICKNESS_BOUND else None,
            part_size_mm=design.bounding_box.as_tuple(),
            tolerance_mm=design.tightest_tolerance_mm if process in _PRECISION else None,
            exclude_companies=tuple(exclude), limit=CANDIDATE_POOL))
    return queries


def candidates(catalog: CapabilitySearch, package: WorkPackage, exclude: Iterable[str] = ()) -> list[str]:
    """Members with a capable machine for every operation of the package, best ranked first."""
    excluded = tuple(sorted(set(exclude)))
    ranked: list[str] | None = None
    for skills in package.skills:
        found: list[str] = []
        for query in _queries(package, skills, excluded):
            found.extend(catalog.search(query).companies())
        found = list(dict.fromkeys(found))
        keep = set(found)
        ranked = found if ranked is None else [c for c in ranked if c in keep]
    return ranked or []


def _allocate_package(market: Marketplace, order: Order, package: WorkPackage, excluded: frozenset[str],
                      own_quote: MemberQuote | None) -> PackageAllocation:
    receiver = order.supplier_id
    # the receiver competes only for work it can do but not in time
    exclude = excluded | ({receiver} if own_quote is None else set())
    members = candidates(market.catalog, package, exclude)
    if not members and len(package.operation_keys) > 1:
        note = "no single member can do every operation; sent out per operation"
        parts = [_single(package, k) for k in range(len(package.operation_keys))]
        allocations = [_allocate_package(market, order, part, excluded, None) for part in parts]
        return _merge(package, allocations, note)
    members = [m for m in members if m != receiver][: market.max_candidates]
    site = _site(market.network, receiver)
    quotes = [_ask(market.provider, package, member, site) for member in members]
    if own_quote is not None and receiver not in excluded:
        quotes.append(own_quote)
    split = choose_split(quotes, package.quantity, package.due_minute, market.weights,
                         time_limit_s=market.split_time_limit_s)
    if split.quantity_allocated == 0:
        status, note = PackageStatus.WAITING, _waiting_note(members, quotes)
    elif split.quantity_waiting:
        status, note = PackageStatus.PARTLY_WAITING, f"{split.quantity_waiting} units beyond the offered capacity"
    else:
        status, note = PackageStatus.ALLOCATED, ""
    return PackageAllocation(package=package, candidates=tuple(members), quotes=tuple(quotes), split=split,
                             status=status, note=note)


def _single(package: WorkPackage, k: int) -> WorkPackage:
    key = package.operation_keys[k]
    return package.model_copy(update={"id": f"{package.id}/{key}", "operation_keys": (key,),
                                      "skills": (package.skills[k],)})


def _merge(package: WorkPackage, parts: list[PackageAllocation], note: str) -> PackageAllocation:
    """Per-operation allocations shown as one package: its lines are the parts' lines."""
    lines = tuple(line.model_copy(update={"operation_keys": part.package.operation_keys})
                  for part in parts for line in part.split.lines)
    waiting = max(part.split.quantity_waiting for part in parts)
    objective = sum(part.split.objective_cents or 0 for part in parts)
    status = (PackageStatus.WAITING if all(p.status is PackageStatus.WAITING for p in parts) else
              PackageStatus.ALLOCATED if all(p.status is PackageStatus.ALLOCATED for p in parts) else
              PackageStatus.PARTLY_WAITING)
    statuses = {p.split.status for p in parts}
    split = SplitResult(status=statuses.pop() if len(statuses) == 1 else "FEASIBLE", lines=lines,
                        quantity_allocated=package.quantity - waiting, quantity_waiting=waiting,
                        objective_cents=objective)
    return PackageAllocation(package=package, candidates=tuple(dict.fromkeys(c for p in parts for c in p.candidates)),
                             quotes=tuple(q for p in parts for q in p.quotes), split=split, status=status, note=note)


def _waiting_note(members: Sequence[str], quotes: Sequence[MemberQuote]) -> str:
    if not members and not quotes:
        return "no capable member in the catalog; waiting for one to join or free up"
    answers = "; ".join(f"{q.member_id}: {q.status.value}{' — ' + q.reason if q.reason else ''}" for q in quotes)
    return f"no member offered ({answers}); waiting for re-allocation"


# ---------------------------------------------------------------------------------------------------- result


def _result(market: Marketplace, order: Order, in_house: tuple[str, ...], allocations: list[PackageAllocation],
            excluded: frozenset[str]) -> AllocationResult:
    sub_orders = []
    for n, allocation in enumerate(allocations, start=1):
        package = allocation.package
        for k, line in enumerate(allocation.split.lines, start=1):
            operations = line.operation_keys or package.operation_keys
            sub_orders.append(SubOrder(
                order=Order(id=f"{order.id}-p{n}.{k}-{line.member_id}"[:120], customer_id=order.supplier_id,
                            supplier_id=line.member_id, design_id=package.design.id, quantity=line.quantity,
                            release=order.release, due=order.due,
                            weight=order.weight, status=OrderStatus.ALLOCATED,
                            customer_reference=f"{order.id}:{','.join(operations)}"),
                package_id=package.id, operation_keys=operations, price_eur=line.price_eur,
                promised_completion_minute=line.completion_minute, lateness_minutes=line.lateness_minutes,
                co2_kg=line.co2_kg))
    waiting = sum(a.split.quantity_waiting for a in allocations)
    status = (AllocationStatus.WAITING if waiting else
              AllocationStatus.ALLOCATED if allocations else AllocationStatus.IN_HOUSE)
    return AllocationResult(
        order_id=order.id, receiver_id=order.supplier_id, status=status, in_house_operations=in_house,
        packages=tuple(allocations), sub_orders=tuple(sub_orders), excluded_members=tuple(sorted(excluded)),
        weights=market.weights,
        total_price_eur=round(sum(s.price_eur for s in sub_orders), 2),
        total_co2_kg=round(sum(s.co2_kg for s in sub_orders), 4),
        total_lateness_minutes=sum(s.lateness_minutes for s in sub_orders),
        objective_cents=sum(a.split.objective_cents or 0 for a in allocations),
        waiting_quantity=waiting,
    )


__all__ = [
    "AllocationResult",
    "AllocationStatus",
    "AllocationWeights",
    "Marketplace",
    "PackageAllocation",
    "PackageStatus",
    "SubOrder",
    "allocate",
    "candidates",
    "reallocate",
]
