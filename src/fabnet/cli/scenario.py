"""`fabnet scenario`: Reference scenarios."""

import json
from typing import Annotated

import typer
from rich.table import Table

from fabnet.cli.root import console, fail, group
from fabnet.domain import RegionalNetwork

app = group("scenario", "Reference scenarios.")


def load_or_fail(name: str) -> RegionalNetwork:
    """The named scenario; a one-line error (exit 2) naming the available ones otherwise."""
    from fabnet.scenarios import load_scenario

    try:
        return load_scenario(name)
    except ValueError as error:
        fail(str(error))


def scenario_json(network: RegionalNetwork) -> dict[str, object]:
    """The scenario as one JSON object: header, then lists of records that each carry their `id`."""
    data = network.model_dump(mode="json")
    counts = {kind: len(data[kind]) for kind in ("hubs", "fieldlabs", "companies", "machines", "designs", "orders")}
    return {"name": data["name"], "description": data["description"], "origin": data["origin"], "counts": counts,
            **{kind: data[kind] for kind in counts}}


@app.command("list")
def list_scenarios() -> None:
    """List the scenarios shipped with fabnet and their sizes."""
    from fabnet.scenarios import available, load_scenario

    table = Table(title="Scenarios")
    for column in ("name", "hubs", "companies", "machines", "designs", "orders", "origin"):
        table.add_column(column, justify="right" if column not in ("name", "origin") else "left")
    for name in available():
        network = load_scenario(name)
        table.add_row(name, *(str(len(getattr(network, kind))) for kind in
                              ("hubs", "companies", "machines", "designs", "orders")), network.origin.isoformat())
    console.print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="scenario name, e.g. brainport")],
    as_json: Annotated[bool, typer.Option("--json", help="print the scenario as one JSON object")] = False,
) -> None:
    """Show a scenario: counts, companies and machines (or everything as JSON)."""
    network = load_or_fail(name)
    if as_json:
        typer.echo(json.dumps(scenario_json(network), indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]{network.name}[/] — {network.description}")
    console.print(f"planning origin {network.origin.isoformat()}")
    counts = Table(title="Counts")
    for kind in ("hubs", "fieldlabs", "companies", "machines", "designs", "orders"):
        counts.add_column(kind, justify="right")
    counts.add_row(*(str(len(getattr(network, kind))) for kind in
                     ("hubs", "fieldlabs", "companies", "machines", "designs", "orders")))
    console.print(counts)
    companies = Table(title="Companies")
    for column in ("id", "name", "role", "hub", "city", "KvK", "machines", "orders in"):
        companies.add_column(column, no_wrap=column == "id")
    for company in network.companies:
        companies.add_row(company.id, company.name, company.role, company.hub_id, company.address.city, company.kvk,
                          str(len(network.machines_of(company.id))),
                          str(len(network.orders_for(company.id))))
    console.print(companies)
    machines = Table(title="Machines")
    for column in ("id", "company", "name", "skills", "€/h", "kW", "shifts/week", "changeover rules"):
        machines.add_column(column, justify="right" if column in ("€/h", "kW", "changeover rules") else "left",
                            no_wrap=column == "id")
    for machine in network.machines:
        shift_hours = sum((s.end_minute - s.start_minute) * len(s.weekdays) for s in machine.calendar.shifts) / 60
        machines.add_row(machine.id, machine.company_id, machine.name, ", ".join(s.skill for s in machine.skills),
                         f"{machine.hourly_rate_eur}", f"{machine.power_kw:g}",
                         f"{shift_hours:g} h" if machine.calendar.shifts else "24/7",
                         str(len(machine.changeovers.rules)))
    console.print(machines)
