"""`fabnet twin`: The SimPy digital twin."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fabnet.cli.bench import app as bench_app
from fabnet.cli.root import console, fail, group, write_text
from fabnet.domain.errors import describe
from fabnet.planning.problem import Problem, Solution
from fabnet.twin.model import FactoryTwin, Repairer
from fabnet.twin.repair import MoveOffBrokenMachine
from fabnet.twin.settings import MachineSettings, TwinSettings
from fabnet.twin.summary import summarise

app = group("twin", "The SimPy digital twin.")

Model = TypeVar("Model", bound=BaseModel)


def _read(path: Path, model: type[Model]) -> Model:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"{path}: cannot read ({error.strerror or error})")
    try:
        return model.model_validate_json(text)
    except ValidationError as error:
        fail(describe(error, str(path)))




def _repairer(name: str, time_limit: float) -> Repairer | None:
    if name == "none":
        return None
    if name == "move":
        return MoveOffBrokenMachine()
    if name == "planning":
        from fabnet.twin.planning_repair import PlanningRepair

        return PlanningRepair(time_limit=time_limit)
    fail(f"--repair: unknown repairer {name!r}; use none, move or planning")


@app.command("run")
def run(
    problem_path: Annotated[Path, typer.Argument(help="fabnet.problem/1 JSON", metavar="PROBLEM.json")],
    solution_path: Annotated[Path, typer.Argument(help="fabnet.solution/1 JSON", metavar="SOLUTION.json")],
    replications: Annotated[int, typer.Option(min=1, help="Monte Carlo replications")] = 200,
    seed: Annotated[int, typer.Option(help="first seed; replication k uses seed + k")] = 0,
    settings_path: Annotated[Path | None, typer.Option("--settings", help="TwinSettings JSON")] = None,
    cv: Annotated[float | None, typer.Option(help="processing-time CV on every machine")] = None,
    mtbf: Annotated[float | None, typer.Option(help="mean processing minutes between failures, every machine")] = None,
    mttr: Annotated[float | None, typer.Option(help="mean minutes to repair, every machine")] = None,
    scrap: Annotated[float | None, typer.Option(help="scrap probability per operation, every machine")] = None,
    rework: Annotated[float | None, typer.Option(help="rework probability per operation, every machine")] = None,
    repair: Annotated[str, typer.Option(help="rescheduling on disruptions: none, move (to a free eligible machine) "
                                            "or planning (CP-SAT repair)")] = "none",
    repair_time_limit: Annotated[float, typer.Option(min=0.05, help="CP-SAT seconds per repair")] = 0.5,
    workers: Annotated[int | None, typer.Option(min=1, help="worker processes (default: CPU count)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the summary as JSON")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="write an offline HTML report")] = None,
) -> None:
    """Simulate a schedule with uncertainty: completion-time percentiles, on-time odds, utilisation, OEE, energy."""
    from fabnet.standards.twin_pool import run_replications

    problem = _read(problem_path, Problem)
    solution = _read(solution_path, Solution)
    settings = _read(settings_path, TwinSettings) if settings_path else TwinSettings()
    changes = {name: value for name, value in (("processing_cv", cv), ("mtbf_minutes", mtbf),
                                                ("mttr_minutes", mttr), ("scrap_probability", scrap),
                                                ("rework_probability", rework)) if value is not None}
    if changes:
        try:
            settings = settings.with_variability(**changes)
        except ValidationError as error:
            fail(describe(error, "options"))
    repairer = _repairer(repair, repair_time_limit)
    try:
        FactoryTwin(problem, solution, settings)
    except ValueError as error:
        fail(f"{solution_path}: {error}")
    seeds = list(range(seed, seed + replications))
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("simulating", total=replications * (2 if repairer else 1))
        results = run_replications(problem, solution, settings, seeds, workers=workers,
                                   progress=lambda n: progress.advance(task, n))
        repaired = None
        if repairer is not None:
            progress.update(task, description="simulating with repair")
            repaired = run_replications(problem, solution, settings, seeds, workers=workers, repairer=repairer,
                                        progress=lambda n: progress.advance(task, n))
    elapsed = time.perf_counter() - started
    summary = summarise(problem, solution, results, repaired)
    table = Table(title=f"{replications} replications in {elapsed:.1f} s ({summary.events:,} events)")
    for column in ("job", "due", "planned", "P50", "P90", "P95", "on time"):
        table.add_column(column, justify="left" if column == "job" else "right")
    for job in summary.jobs[:30]:
        table.add_row(job.id, "" if job.due is None else str(job.due), str(job.planned_completion),
                      f"{job.completion.p50:.0f}", f"{job.completion.p90:.0f}", f"{job.completion.p95:.0f}",
                      f"{job.on_time_probability:.0%}")
    console.print(table)
    if len(summary.jobs) > 30:
        console.print(f"… and {len(summary.jobs) - 30} more jobs (see --json / --html)")
    machines = Table(title="machines (means)")
    for column in ("machine", "utilisation", "OEE", "energy kWh", "scrapped kg"):
        machines.add_column(column, justify="left" if column == "machine" else "right")
    for m in summary.machines:
        machines.add_row(m.id, f"{m.utilisation.mean:.0%}", f"{m.oee.mean:.0%}", f"{m.energy_kwh.mean:.1f}",
                         f"{m.material_scrapped_kg.mean:.1f}")
    console.print(machines)
    console.print(f"makespan P50 {summary.makespan.p50:.0f} / P95 {summary.makespan.p95:.0f} min "
                  f"(planned {summary.planned_makespan}); all jobs on time in {summary.on_time_probability:.0%}")
    if summary.repair is not None:
        console.print(f"weighted tardiness mean without repair {summary.repair.without_repair.mean:.0f}, "
                      f"with repair {summary.repair.with_repair.mean:.0f}")
    if json_out:
        write_text(json_out, summary.model_dump_json(indent=2))
        console.print(f"wrote {json_out}")
    if html_out:
        from fabnet.standards.twin_report_html import render_twin_html

        write_text(html_out, render_twin_html(summary, f"Digital twin: {problem_path.name}"))
        console.print(f"wrote {html_out}")


@bench_app.command("twin")
def bench_twin(
    replications: Annotated[int, typer.Option(min=1, help="timed single replications")] = 5,
    min_operations: Annotated[int, typer.Option(min=1, help="split orders into lots until this many operations")] = 500,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the figures as JSON")] = None,
) -> None:
    """One replication of the four-week brainport scenario (all companies' orders): seconds and events/s."""
    from fabnet.scenarios.loader import load_scenario
    from fabnet.twin.workload import dispatch_schedule, network_problem

    with console.status("building the four-week brainport problem and its ATCS dispatch schedule"):
        network = load_scenario("brainport")
        problem = network_problem(network, horizon_days=28, min_operations=min_operations)
        solution = dispatch_schedule(problem)
    operations = sum(len(job.operations) for job in problem.jobs)
    settings = TwinSettings.from_machines(
        (m for m in network.machines if m.id in {pm.id for pm in problem.machines}),
        MachineSettings(processing_cv=0.2, mtbf_minutes=2400, mttr_minutes=60, scrap_probability=0.01,
                        rework_probability=0.03, drift_per_operation=0.01, material_kg_per_operation=1.0),
    )
    twin = FactoryTwin(problem, solution, settings)
    timings: list[float] = []
    events: list[int] = []
    for seed in range(replications):
        started = time.perf_counter()
        result = twin.run(seed)
        timings.append(time.perf_counter() - started)
        events.append(result.events)
    deterministic = FactoryTwin(problem, solution).run(0)
    planned = {a.id: (a.start, a.end) for a in solution.operations}
    exact = all((r.start, r.end) == planned[r.id] for r in deterministic.operations)
    figures = {
        "machines": len(problem.machines), "operations": operations, "jobs": len(problem.jobs),
        "planned_makespan_min": solution.makespan, "replications": replications,
        "best_seconds": min(timings), "mean_seconds": sum(timings) / len(timings),
        "events": round(sum(events) / len(events)), "events_per_second": sum(events) / sum(timings),
        "deterministic_run_reproduces_schedule": exact,
    }
    console.print(f"brainport: {figures['machines']} machines, {operations} operations, {len(problem.jobs)} jobs; "
                  f"one replication {figures['best_seconds']:.3f} s best / {figures['mean_seconds']:.3f} s mean; "
                  f"{figures['events']:,} events → {figures['events_per_second']:,.0f} events/s; "
                  f"deterministic run reproduces the schedule: {exact}")
    if json_out:
        write_text(json_out, json.dumps(figures, indent=2))
