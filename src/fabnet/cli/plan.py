"""`fabnet plan`: Zero-programming process planning."""

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fabnet.cli.bench import app as bench_app
from fabnet.cli.root import console, err_console, fail, group, write_text
from fabnet.cli.scenario import load_or_fail
from fabnet.domain import ProcessPlan

app = group("plan", "Zero-programming process planning.")




def _plan_table(plan: ProcessPlan) -> Table:
    table = Table(title=f"Process plan {plan.design_id} × {plan.quantity} at {plan.company_id}")
    for column in ("operation", "after", "setup family", "machines (minutes)", "instructions"):
        table.add_column(column, no_wrap=column == "operation")
    for op in plan.operations:
        modes = "\n".join(f"{m.machine_id}: {m.duration_min}" for m in op.modes)
        fastest = min(op.modes, key=lambda m: m.duration_min)
        shown = {**op.instructions, **fastest.instructions}
        instructions = "\n".join(f"{k}={v}" for k, v in list(shown.items())[:8])
        table.add_row(f"{op.id}\n[dim]{op.skill}[/]", ", ".join(op.predecessors) or "—", op.setup_family, modes,
                      instructions)
    return table


@app.command("process")
def process(
    design_id: Annotated[str, typer.Argument(metavar="DESIGN", help="design id, e.g. br-100")],
    scenario: Annotated[str, typer.Option(help="scenario that holds the design and the machines")] = "brainport",
    company: Annotated[str | None, typer.Option(help="plan on this company's machines (default: all)")] = None,
    quantity: Annotated[int, typer.Option(min=1, help="units to make")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write the plan as JSON to this file")] = None,
) -> None:
    """Derive the process plan of a design: operations, precedences, eligible machines, times, instructions."""
    from fabnet.planning.process import PlanningError, plan_process

    network = load_or_fail(scenario)
    designs = {d.id: d for d in network.designs}
    if design_id not in designs:
        fail(f"DESIGN: unknown design {design_id!r} in scenario {scenario!r}; designs: {', '.join(designs)}")
    if company is not None and company not in {c.id for c in network.companies}:
        fail(f"--company: unknown company {company!r}; companies: {', '.join(c.id for c in network.companies)}")
    machines = network.machines_of(company) if company else list(network.machines)
    if not machines:
        fail(f"--company: {company!r} has no machines")
    try:
        plan = plan_process(designs[design_id], machines, quantity=quantity, designs=designs)
    except PlanningError as error:
        fail(str(error))
    text = plan.model_dump_json(indent=2)
    if output is not None:
        _write_announced(output, text + "\n")
    if as_json:
        typer.echo(text)
    elif output is None:
        console.print(_plan_table(plan))


@app.command("orders")
def orders(
    scenario: Annotated[str, typer.Option(help="scenario that holds the orders")] = "brainport",
    company: Annotated[str, typer.Option(help="the supplier whose open orders are planned")] = ...,  # type: ignore[assignment]
    horizon_days: Annotated[int, typer.Option(min=1, help="days of shift calendar and maintenance to include")] = 35,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write the problem (fabnet.problem/1)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the problem as JSON")] = False,
) -> None:
    """Turn a company's open orders into a scheduling problem (fabnet.problem/1) via process planning."""
    from fabnet.planning.orders import problem_from_orders

    network = load_or_fail(scenario)
    try:
        problem, warnings = problem_from_orders(network, company, horizon_days=horizon_days)
    except ValueError as error:
        fail(f"--company: {error}")
    for warning in warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    text = json.dumps(problem.model_dump(mode="json", by_alias=True, exclude_none=True), indent=1)
    if output is not None:
        _write_announced(output, text + "\n")
    if as_json:
        typer.echo(text)
        return
    summary = Table(title=f"Scheduling problem of {company} ({scenario})")
    for column in ("jobs", "operations", "modes", "machines", "setup pairs", "warnings"):
        summary.add_column(column, justify="right")
    operations = [op for job in problem.jobs for op in job.operations]
    summary.add_row(str(len(problem.jobs)), str(len(operations)), str(sum(len(op.modes) for op in operations)),
                    str(len(problem.machines)), str(len(problem.setups)), str(len(warnings)))
    console.print(summary)


@bench_app.command("plan")
def bench_plan(
    scenario: Annotated[str, typer.Option(help="scenario whose designs and orders are planned")] = "brainport",
    repeat: Annotated[int, typer.Option(min=1, help="runs; the best is reported")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """Process-planning throughput: every design on every company's machines, and every company's orders as a
    scheduling problem."""
    from fabnet.planning.orders import problem_from_orders
    from fabnet.planning.process import plan_what_is_possible

    network = load_or_fail(scenario)
    designs = {d.id: d for d in network.designs}
    companies = [c.id for c in network.companies if network.machines_of(c.id)]
    suppliers = sorted({o.supplier_id for o in network.orders} & set(companies))
    plan_times, problem_times = [], []
    operations = 0
    for _ in range(repeat):
        started = time.perf_counter()
        operations = 0
        for company in companies:
            machines = network.machines_of(company)
            for design in designs.values():
                plan = plan_what_is_possible(design, machines, quantity=10, designs=designs).plan
                operations += len(plan.operations) if plan else 0
        planned = time.perf_counter()
        for company in suppliers:
            problem_from_orders(network, company)
        plan_times.append(planned - started)
        problem_times.append(time.perf_counter() - planned)
    plans = len(companies) * len(designs)
    row = {"scenario": scenario, "plans": plans, "operations": operations, "plans_s": round(min(plan_times), 4),
           "plans_per_s": round(plans / min(plan_times)), "problems": len(suppliers),
           "orders": sum(1 for o in network.orders if o.supplier_id in suppliers),
           "problems_s": round(min(problem_times), 4), "repeat": repeat}
    if as_json:
        typer.echo(json.dumps(row, indent=2))
        return
    table = Table(title=f"Process planning on scenario {scenario} (best of {repeat})")
    for column in row:
        table.add_column(column, justify="right")
    table.add_row(*(str(value) for value in row.values()))
    console.print(table)


def _write_announced(path: Path, text: str) -> None:
    write_text(path, text)
    err_console.print(f"wrote {path}")
