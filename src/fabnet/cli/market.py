"""`fabnet market`: the hub's capability catalog and the marketplace that splits orders over members."""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel
from rich.table import Table

from fabnet.cli.bench import app as bench_app
from fabnet.cli.root import console, err_console, fail, group

if TYPE_CHECKING:
    from fabnet.domain import RegionalNetwork
    from fabnet.network.catalog import CapabilityCatalog

app = group("market", "Capability catalog search and order allocation over the network's members.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
ScenarioOption = Annotated[str, typer.Option("--scenario", help="Reference scenario to work on.")]


def _print_json(document: BaseModel | dict[str, Any]) -> None:
    if isinstance(document, BaseModel):
        typer.echo(document.model_dump_json(indent=2))
    else:
        import json

        typer.echo(json.dumps(document, indent=2))


def _scenario(name: str) -> RegionalNetwork:
    from fabnet.scenarios import load_scenario

    try:
        return load_scenario(name)
    except ValueError as error:
        fail(f"--scenario: {error}")


def _synthetic_catalog(members: int, seed: int) -> CapabilityCatalog:
    from rich.progress import Progress

    from fabnet.network.catalog import CapabilityCatalog
    from fabnet.network.programme import FIVE_HUBS
    from fabnet.network.synthetic import synthetic_listings

    catalog = CapabilityCatalog(FIVE_HUBS)
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("generating members", total=None)
        listings = synthetic_listings(members, seed=seed)
        progress.update(task, description="onboarding members", total=len(listings))
        for listing in listings:
            catalog.onboard(listing)
            progress.advance(task)
    return catalog


@app.command("search")
def search(
    skill: Annotated[str, typer.Option(help="Skill code, e.g. cut.laser.")],
    material: Annotated[str | None, typer.Option(help="Material grade, e.g. S235.")] = None,
    thickness: Annotated[float | None, typer.Option(help="Sheet or part thickness in mm.")] = None,
    size: Annotated[tuple[float, float, float] | None, typer.Option(help="Part size x y z in mm.")] = None,
    tolerance: Annotated[float | None, typer.Option(help="Required tolerance (± mm).")] = None,
    hub: Annotated[list[str] | None, typer.Option(help="Only members of this hub (repeatable).")] = None,
    near: Annotated[str | None, typer.Option(help="Rank by distance from this company's site.")] = None,
    max_distance: Annotated[float | None, typer.Option(help="Only members within this many km of --near.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many machines.")] = 20,
    scenario: ScenarioOption = "brainport",
    synthetic: Annotated[int | None, typer.Option(help="Search a synthetic network of this many members instead.")
                         ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic network.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Search the capability catalog for machines that can do a skill within the given constraints."""
    from fabnet.network.catalog import CapabilityCatalog, CapabilityQuery, CatalogError

    if synthetic is not None:
        if synthetic < 1:
            fail(f"--synthetic: need at least 1 member, got {synthetic}")
        catalog = _synthetic_catalog(synthetic, seed)
        site = None
        if near is not None:
            try:
                company = catalog.member(near)
            except KeyError as error:
                fail(f"--near: {error.args[0]}")
            site = {"latitude": company.address.latitude, "longitude": company.address.longitude}
    else:
        network = _scenario(scenario)
        catalog = CapabilityCatalog.from_network(network)
        site = None
        if near is not None:
            try:
                address = network.company(near).address
            except KeyError as error:
                fail(f"--near: {error.args[0]}")
            site = {"latitude": address.latitude, "longitude": address.longitude}
    raw = {"skill": skill, "material": material, "thickness_mm": thickness, "part_size_mm": size,
           "tolerance_mm": tolerance, "hub_ids": tuple(hub or ()), "near": site, "max_distance_km": max_distance,
           "limit": limit}
    try:
        query = CapabilityQuery.model_validate({k: v for k, v in raw.items() if v is not None})
        result = catalog.search(query)
    except CatalogError as error:
        fail(str(error))
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        from pydantic import ValidationError

        from fabnet.domain.errors import describe

        fail(describe(error, source="query") if isinstance(error, ValidationError) else str(error))
    if as_json:
        _print_json(result)
        return
    table = Table(title=f"{skill}: {result.total_matches} capable machines (best {len(result.matches)})")
    for column in ("company", "hub", "machine", "€/h", "free min/wk", "km", "fit", "score"):
        table.add_column(column)
    for m in result.matches:
        table.add_row(m.company_id, m.hub_id, m.machine_id, f"{m.hourly_rate_eur:.2f}",
                      f"{m.free_minutes_per_week:.0f}", "" if m.distance_km is None else f"{m.distance_km:.1f}",
                      f"{m.fit:.2f}", f"{m.score:.3f}")
    console.print(table)


@app.command("allocate")
def allocate(
    order_id: Annotated[str, typer.Argument(help="The customer order to allocate.")],
    scenario: ScenarioOption = "brainport",
    down: Annotated[list[str] | None, typer.Option(help="Treat this member's node as down (repeatable).")] = None,
    decline: Annotated[list[str] | None, typer.Option(help="This member declines every RFQ (repeatable).")] = None,
    lateness_eur_per_hour: Annotated[float, typer.Option(help="Weight of lateness, € per hour late.")] = 25.0,
    co2_eur_per_kg: Annotated[float, typer.Option(help="Weight of transport CO2, € per kg.")] = 0.2,
    max_members: Annotated[int | None, typer.Option(help="Split a package over at most this many members.")] = None,
    twin_replications: Annotated[int, typer.Option(
        help="Members promise the P90 completion of this many digital-twin runs (0: the dispatched plan).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Allocate the work an order's supplier cannot do (or not in time) to members of the network."""
    from pydantic import ValidationError

    from fabnet.domain.errors import describe
    from fabnet.network.allocation import AllocationWeights, Marketplace
    from fabnet.network.allocation import allocate as run_allocation
    from fabnet.network.catalog import CapabilityCatalog
    from fabnet.network.members import InProcessQuoteProvider

    network = _scenario(scenario)
    try:
        network.order(order_id)
    except KeyError as error:
        fail(f"ORDER_ID: {error.args[0]}")
    try:
        weights = AllocationWeights(lateness_eur_per_hour=lateness_eur_per_hour, co2_eur_per_kg=co2_eur_per_kg,
                                    max_members=max_members)
    except ValidationError as error:
        fail(describe(error, source="weights"))
    if twin_replications < 0:
        fail(f"--twin-replications: must be at least 0, got {twin_replications}")
    provider = InProcessQuoteProvider(network, unavailable=down or (), declining=decline or (),
                                      twin_replications=twin_replications)
    market = Marketplace(network, CapabilityCatalog.from_network(network), provider, weights)
    with console.status(f"allocating {order_id}: planning, requests for quotation, split"):
        try:
            result = run_allocation(market, order_id)
        except ValueError as error:  # e.g. a design the planner cannot read
            fail(f"order {order_id}: {error}")
    if as_json:
        _print_json(result)
        return
    console.print(f"order [bold]{result.order_id}[/] at {result.receiver_id}: [bold]{result.status.value}[/]; "
                  f"in house: {', '.join(result.in_house_operations) or '—'}")
    for package in result.packages:
        answers = ", ".join(f"{q.member_id} {q.status.value}" for q in package.quotes) or "no candidates"
        console.print(f"  package {package.package.id} ({', '.join(package.package.operation_keys)}) × "
                      f"{package.package.quantity}: {package.status.value} — quotes: {answers}"
                      + (f" — {package.note}" if package.note else ""))
    table = Table(title="sub-orders")
    for column in ("sub-order", "partner", "design", "qty", "price €", "promised (min)", "late (min)", "CO2 kg"):
        table.add_column(column)
    for sub in result.sub_orders:
        table.add_row(sub.order.id, sub.order.supplier_id, sub.order.design_id, str(sub.order.quantity),
                      f"{sub.price_eur:.2f}", str(sub.promised_completion_minute), str(sub.lateness_minutes),
                      f"{sub.co2_kg:.3f}")
    console.print(table)
    console.print(f"total €{result.total_price_eur:.2f}, transport CO2 {result.total_co2_kg:.3f} kg, lateness "
                  f"{result.total_lateness_minutes} min, waiting units {result.waiting_quantity}")


@app.command("kpis")
def kpis(
    scenario: ScenarioOption = "brainport",
    time_limit: Annotated[float, typer.Option(help="CP-SAT seconds per company schedule.")] = 3.0,
    period: Annotated[str, typer.Option(help="Name of the period reported.")] = "scenario",
    as_json: JsonOption = False,
) -> None:
    """Network KPIs of a scenario: members, orders, changeover hours saved vs FCFS, energy, netting."""
    from rich.progress import Progress

    from fabnet.network.allocation import Marketplace
    from fabnet.network.allocation import allocate as run_allocation
    from fabnet.network.catalog import CapabilityCatalog
    from fabnet.network.kpis import compare_changeovers, compute_kpis
    from fabnet.network.members import InProcessQuoteProvider
    from fabnet.network.network_figures import kpi_inputs
    from fabnet.planning.orders import CLOSED, problem_from_orders
    from fabnet.planning.schedule import SolveOptions, solve

    if time_limit <= 0:
        fail(f"--time-limit: must be positive, got {time_limit}")
    network = _scenario(scenario)
    suppliers = sorted({o.supplier_id for o in network.orders if o.status not in CLOSED})
    open_orders = [o for o in network.orders if o.status not in CLOSED]
    market = Marketplace(network, CapabilityCatalog.from_network(network), InProcessQuoteProvider(network),
                         check_in_time=False)
    comparisons, allocations = [], []
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("scheduling companies", total=len(suppliers))
        for company in suppliers:
            try:
                problem, _ = problem_from_orders(network, company)
            except ValueError:
                progress.advance(task)
                continue
            schedule = solve(problem, SolveOptions(time_limit=time_limit, workers=2))
            if schedule.total_setup is not None:
                comparisons.append(compare_changeovers(company, problem, schedule))
            progress.advance(task)
        task = progress.add_task("allocating orders", total=len(open_orders))
        for order in open_orders:
            result = run_allocation(market, order)
            if result.packages:
                allocations.append(result)
            progress.advance(task)
    result = compute_kpis(kpi_inputs(network, period=period, changeovers=comparisons, allocations=allocations))
    if as_json:
        _print_json(result)
        return
    table = Table(title=f"network KPIs — {network.name}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("active members", f"{result.active_members} (target {result.members_target})"),
        ("orders handled / allocated to partners", f"{result.orders_handled} / {result.orders_allocated}"),
        ("changeover hours FCFS → scheduled", f"{result.changeover_hours_fcfs:.1f} → "
                                              f"{result.changeover_hours_scheduled:.1f}"),
        ("changeover hours saved", f"{result.changeover_hours_saved:.1f} ({result.changeover_saving_percent:.1f} %)"),
        ("parts", str(result.parts_made)),
        ("defects stopped / escaped", f"{result.defects_stopped} / {result.defects_escaped}"),
        ("energy per part (kWh, planned)", f"{result.energy_kwh_per_part or 0:.3f}"),
        ("material per part (kg)", f"{result.material_kg_per_part or 0:.3f}"),
        ("payments saved by netting", f"{result.payments_saved_by_netting} ({result.payments_saved_percent:.1f} %)"),
        ("money movement saved (€)", f"{result.money_movement_saved_eur:.2f} "
                                     f"({result.money_movement_saved_percent:.1f} %)"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


@app.command("programme")
def programme(
    scenario: Annotated[str | None, typer.Option(help="Set this scenario's figures against the programme.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The Smart Industry programme's starting point, its five hubs, and the network's figures against it."""
    from fabnet.network.programme import FIVE_HUBS, NetworkFigures, compare

    if scenario is not None:
        network = _scenario(scenario)
        view = compare(NetworkFigures.of(network), hubs=network.hubs or FIVE_HUBS, fieldlabs=network.fieldlabs)
    else:
        view = compare(NetworkFigures(fieldlabs=0, investment_eur=0, private_investment_eur=0, companies=0,
                                      active_members=0, hubs=len(FIVE_HUBS)))
    if as_json:
        _print_json(view)
        return
    b = view.baseline
    console.print(f"Smart Industry programme: ~{b.fieldlabs} fieldlabs, €{b.investment_eur / 10**6:.0f} M invested "
                  f"(€{b.private_investment_eur / 10**6:.0f} M private), ~{b.companies_participating} companies, "
                  f"{b.jobs_in_fieldlabs} + {b.jobs_outside_fieldlabs} jobs, aim {b.companies_target} companies, "
                  f"R&D ~€{b.rnd_budget_eur_per_year / 10**6:.0f} M/year")
    console.print("hubs: " + "; ".join(f"{h.name} ({h.city})" for h in view.hubs))
    table = Table(title="network against the programme")
    for column in ("measure", "programme", "network", "%"):
        table.add_column(column)
    for line in view.lines:
        table.add_row(line.measure, f"{line.programme:,.0f}", f"{line.network:,.0f}", f"{line.share_percent:.2f}")
    console.print(table)
    console.print(f"progress from {b.companies_participating} to {b.companies_target} companies: "
                  f"{view.progress_to_target_percent:.1f} %")


class CatalogBenchmark(BaseModel):
    format: str = "fabnet.bench-catalog/1"
    members: int
    machines: int
    seed: int
    onboarding_s: float
    onboarding_members_per_s: float
    queries: int
    search_p50_ms: float
    search_p95_ms: float
    search_max_ms: float
    mean_matches: float
    searches_after_join: int
    search_after_join_p95_ms: float


def run_catalog_benchmark(members: int, queries: int, seed: int, machines_per_member: int = 10) -> CatalogBenchmark:
    """Onboard a synthetic network (validation + indexing, timed), then time random ranked searches."""
    import random

    import numpy as np

    from fabnet.domain.skills import SKILLS
    from fabnet.network.catalog import CapabilityCatalog, CapabilityQuery
    from fabnet.network.programme import FIVE_HUBS
    from fabnet.network.synthetic import synthetic_listings

    late_joiners = max(1, min(100, members // 10))
    listings = synthetic_listings(members + late_joiners, machines_per_member=machines_per_member, seed=seed)
    listings, joining = listings[:members], listings[members:]
    catalog = CapabilityCatalog(FIVE_HUBS)
    started = time.perf_counter()
    for listing in listings:
        catalog.onboard(listing)
    stats = catalog.stats()  # reads every skill index, so copying the last joiners into the arrays is timed too
    onboarding = time.perf_counter() - started
    listed_members, listed_machines = stats.members, stats.machines
    rng = random.Random(seed + 1)
    skills = sorted(SKILLS)
    grades = ("S235", "S355", "304", "316L", "AlMg3", "6082", "PA12", None)
    sites = [(c.address.latitude, c.address.longitude) for c in catalog.members()]
    latencies, found = [], []
    for _ in range(queries):
        lat, lon = rng.choice(sites)
        query = CapabilityQuery(
            skill=rng.choice(skills), material=rng.choice(grades),
            thickness_mm=rng.choice((None, 1.5, 3.0, 6.0, 10.0)),
            part_size_mm=rng.choice((None, (120.0, 80.0, 40.0), (600.0, 400.0, 30.0), (1500.0, 800.0, 300.0))),
            tolerance_mm=rng.choice((None, None, 0.05, 0.02)),
            hub_ids=rng.choice(((), (), (rng.choice(FIVE_HUBS).id,))),
            near={"latitude": lat, "longitude": lon}, max_distance_km=rng.choice((None, 50.0, 150.0)), limit=20)
        started = time.perf_counter()
        result = catalog.search(query)
        latencies.append(time.perf_counter() - started)
        found.append(result.total_matches)
    ms = np.asarray(latencies) * 1000
    # a live hub: every search right after a member joined pays for refreshing the search arrays of that skill
    after_change = []
    for listing in joining:
        catalog.onboard(listing)
        skill = listing["machines"][0]["machine"]["skills"][0]["skill"]
        started = time.perf_counter()
        catalog.search(CapabilityQuery(skill=skill, limit=20))
        after_change.append(time.perf_counter() - started)
    changed_ms = np.asarray(after_change) * 1000
    return CatalogBenchmark(
        members=listed_members, machines=listed_machines, seed=seed, onboarding_s=round(onboarding, 3),
        onboarding_members_per_s=round(members / onboarding, 1), queries=queries,
        search_p50_ms=round(float(np.percentile(ms, 50)), 3), search_p95_ms=round(float(np.percentile(ms, 95)), 3),
        search_max_ms=round(float(ms.max()), 3), mean_matches=round(statistics.fmean(found), 1),
        searches_after_join=len(joining), search_after_join_p95_ms=round(float(np.percentile(changed_ms, 95)), 3))


@bench_app.command("catalog")
def bench_catalog(
    members: Annotated[int, typer.Option(help="Member companies to onboard.")] = 6000,
    machines_per_member: Annotated[int, typer.Option(help="Machines per member on average.")] = 10,
    queries: Annotated[int, typer.Option(help="Searches to time.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic network and the queries.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Catalog at the programme's target size: onboarding rate and search latency (p50/p95)."""
    if members < 1 or queries < 1 or machines_per_member < 1:
        fail("--members, --machines-per-member and --queries must be at least 1")
    with console.status(f"onboarding {members} synthetic members and timing {queries} searches"):
        result = run_catalog_benchmark(members, queries, seed, machines_per_member)
    if as_json:
        _print_json(result)
        return
    console.print(f"{result.members} members, {result.machines} machines: onboarding {result.onboarding_s:.2f} s = "
                  f"[bold]{result.onboarding_members_per_s:.0f} members/s[/] (validation + indexing)")
    console.print(f"{result.queries} searches: p50 [bold]{result.search_p50_ms:.2f} ms[/], p95 "
                  f"[bold]{result.search_p95_ms:.2f} ms[/], max {result.search_max_ms:.2f} ms; "
                  f"{result.mean_matches:.0f} matches on average")
    console.print(f"search right after a member joined ({result.searches_after_join}×): p95 "
                  f"{result.search_after_join_p95_ms:.2f} ms")
