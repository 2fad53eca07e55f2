"""`fabnet schedule`: Changeover-aware scheduling with CP-SAT (solve, check, gantt, repair) and `bench schedule`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.live import Live
from rich.table import Table
from rich.text import Text

from fabnet.cli.bench import app as bench_app
from fabnet.cli.root import console, err_console, fail, group, write_text
from fabnet.domain.errors import describe
from fabnet.planning.benchmark import SOLVERS, mean_gap, parse_bks_csv, parse_bks_json, run_benchmark
from fabnet.planning.benchmark import Result as BenchResult
from fabnet.planning.benchmark import Row as BenchRow
from fabnet.planning.benchmark import to_json as benchmark_json
from fabnet.planning.check import check as check_solution
from fabnet.planning.diagnose import explain_infeasibility
from fabnet.planning.gantt import build_gantt
from fabnet.planning.instances import READERS
from fabnet.planning.problem import Problem, Solution, describe_error
from fabnet.planning.reschedule import Breakdown, EventFile, RepairOptions, RescheduleError, repair
from fabnet.planning.schedule import Progress, ScheduleData, SolveOptions, solve
from fabnet.planning.synthetic import ShopShape, random_problem
from fabnet.standards.gantt_html import render_gantt_html

app = group("schedule", "Changeover-aware scheduling with CP-SAT.")

Model = TypeVar("Model", bound=BaseModel)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{path}: file not found")
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})")


def load_problem(path: Path) -> Problem:
    raw = read_json(path)
    try:
        return Problem.model_validate(raw)
    except ValidationError as error:
        fail(describe_error(raw, error, str(path)))


def load_model(path: Path, model: type[Model]) -> Model:
    raw = read_json(path)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        fail(describe(error, str(path)))


def write_json(path: Path, document: BaseModel | dict[str, Any]) -> None:
    """Write atomically: a half-written result file never replaces a good one."""
    text = document.model_dump_json(indent=1, by_alias=True) if isinstance(document, BaseModel) else json.dumps(
        document, indent=1
    )
    write_text(path, text + "\n")


class ProgressLine:
    """A live status line fed by the solver's solution callback."""

    def __init__(self, live: Live, time_limit: float) -> None:
        self._live = live
        self._time_limit = time_limit

    def __call__(self, progress: Progress) -> None:
        gap = (progress.objective - progress.bound) / progress.objective if progress.objective else 0.0
        if progress.solutions == 0:
            source = "warm start"
        elif progress.solutions < 0:
            source = "LNS"
        else:
            source = f"solution {progress.solutions}"
        self._live.update(
            Text(f"{progress.elapsed_s:6.1f}/{self._time_limit:.0f} s  {source:>13}  objective {progress.objective:.0f}"
                 f"  bound {progress.bound:.0f}  gap {gap:6.1%}", style="cyan")
        )


def summary_table(solution: Solution, title: str) -> Table:
    table = Table(title=title, show_header=False)
    for name in ("status", "objective", "lower_bound", "makespan", "total_setup", "total_weighted_tardiness",
                 "runtime_s"):
        table.add_row(name, str(getattr(solution, name)))
    table.add_row("operations", str(len(solution.operations)))
    return table


@app.command("solve")
def solve_command(
    problem_file: Annotated[Path, typer.Argument(help="problem.json (fabnet.problem/1)")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write solution.json here")] = None,
    time_limit: Annotated[float, typer.Option(help="seconds")] = 30.0,
    workers: Annotated[int, typer.Option(min=1, help="CP-SAT worker threads")] = 2,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    no_warm_start: Annotated[bool, typer.Option("--no-warm-start", help="do not hint the ATCS/NEH schedule")] = False,
) -> None:
    """Schedule a problem with CP-SAT (warm-started from a dispatching heuristic)."""
    problem = load_problem(problem_file)
    options = SolveOptions(time_limit=time_limit, workers=workers, seed=seed, warm_start=not no_warm_start)
    with Live(Text("building the model…", style="cyan"), console=err_console, transient=True) as live:
        solution = solve(problem, options, ProgressLine(live, time_limit))
    if output is not None:
        write_json(output, solution)
    console.print(summary_table(solution, f"{problem_file.name}"))
    if solution.status == "INFEASIBLE":
        reasons = explain_infeasibility(ScheduleData.from_problem(problem)) or [
            "no schedule satisfies the frozen operations, releases, precedences and unavailability together"
        ]
        for reason in reasons:
            err_console.print(f"[bold red]INFEASIBLE:[/] {reason}", highlight=False)
        raise typer.Exit(1)
    if solution.status == "UNKNOWN":
        err_console.print("[bold yellow]UNKNOWN:[/] no schedule found within the time limit")
        raise typer.Exit(1)


@app.command("check")
def check_command(
    problem_file: Annotated[Path, typer.Argument(help="problem.json")],
    solution_file: Annotated[Path, typer.Argument(help="solution.json")],
    json_out: Annotated[Path | None, typer.Option("--json", help="write the report as JSON")] = None,
) -> None:
    """Independently check a solution and recompute its objective (exit 1 on any violation)."""
    problem = load_problem(problem_file)
    solution = load_model(solution_file, Solution)
    report = check_solution(problem, solution)
    if json_out is not None:
        write_json(json_out, {
            "feasible": report.feasible,
            "violations": [{"kind": v.kind, "operation": v.operation, "message": v.message} for v in report.violations],
            "metrics": None if report.metrics is None else vars(report.metrics),
        })
    for violation in report.violations:
        err_console.print(f"[red]{violation.kind}[/]: {violation.message}", highlight=False)
    if report.metrics is not None:
        m = report.metrics
        console.print(f"objective {m.objective}  makespan {m.makespan}  total setup {m.total_setup}  "
                      f"weighted tardiness {m.total_weighted_tardiness}")
    if report.violations:
        err_console.print(f"[bold red]{len(report.violations)} violation(s)[/]")
        raise typer.Exit(1)
    console.print("[green]feasible[/]")


@app.command("gantt")
def gantt_command(
    problem_file: Annotated[Path, typer.Argument(help="problem.json")],
    solution_file: Annotated[Path, typer.Argument(help="solution.json")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write")] = Path("gantt.html"),
) -> None:
    """Write an offline, interactive Gantt chart (changeovers and unavailable time shown)."""
    problem = load_problem(problem_file)
    solution = load_model(solution_file, Solution)
    known = problem.operations()
    unknown = [a.id for a in solution.operations if a.id not in known]
    if unknown:
        fail(f"{solution_file}: operation {unknown[0]!r} is not in {problem_file}")
    html = render_gantt_html(build_gantt(problem, solution, title=f"{problem_file.stem}: {solution.status}"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    console.print(f"wrote {output}")


@app.command("repair")
def repair_command(
    problem_file: Annotated[Path, typer.Argument(help="problem.json")],
    solution_file: Annotated[Path, typer.Argument(help="solution.json (the plan being executed)")],
    event_file: Annotated[Path, typer.Argument(help='event.json, e.g. {"event": {"kind": "breakdown", ...}}')],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write the repaired solution.json")] = None,
    problem_out: Annotated[Path | None, typer.Option(help="write the problem after the event")] = None,
    time_limit: Annotated[float, typer.Option(help="seconds")] = 2.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    stability_weight: Annotated[int, typer.Option(min=0, help="objective units per moved operation")] = 1,
) -> None:
    """Repair a schedule after a breakdown, rush order, delay or rework (started operations stay)."""
    problem = load_problem(problem_file)
    solution = load_model(solution_file, Solution)
    event = load_model(event_file, EventFile).event
    options = RepairOptions(time_limit=time_limit, workers=workers, stability_weight=stability_weight)
    try:
        with Live(Text("repairing…", style="cyan"), console=err_console, transient=True) as live:
            result = repair(problem, solution, event, options, ProgressLine(live, time_limit))
    except RescheduleError as error:
        fail(f"{event_file}: {error}")
    if output is not None:
        write_json(output, result.solution)
    if problem_out is not None:
        write_json(problem_out, result.problem)
    console.print(summary_table(result.solution, f"repair after {event.kind}"))
    console.print(f"frozen {result.frozen} operations, moved {result.moved}")
    if result.solution.status in ("INFEASIBLE", "UNKNOWN"):
        err_console.print(f"[bold red]{result.solution.status}:[/] no repaired schedule found")
        raise typer.Exit(1)


ALL_SOLVERS = "fabnet,pyjobshop,dispatch"
DEFAULT_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "benchmarks"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


@bench_app.command("schedule")
def bench_schedule(
    suite: Annotated[str, typer.Option(help="fjsp | jsp | sdst-pfsp | tt-pfsp")] = "fjsp",
    instances: Annotated[str | None, typer.Option(help="comma-separated names, e.g. mk01,mk02 (default: all)")] = None,
    time_limit: Annotated[float, typer.Option(help="seconds per instance and solver")] = 60.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    solvers: Annotated[str, typer.Option(help="comma-separated subset of fabnet,pyjobshop,dispatch")] = ALL_SOLVERS,
    data: Annotated[Path, typer.Option(help="the benchmarks folder")] = DEFAULT_DATA,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the table as JSON")] = None,
) -> None:
    """Run fabnet, PyJobShop and the ATCS rule on published instances; print value and gap to the best known."""
    if suite not in READERS:
        fail(f"--suite: unknown suite {suite!r} (choose from {', '.join(READERS)})")
    chosen = [s.strip() for s in solvers.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SOLVERS]
    if unknown:
        fail(f"--solvers: unknown solver {unknown[0]!r} (choose from {', '.join(SOLVERS)})")
    folder = data / suite
    if not folder.is_dir():
        fail(f"--data: {folder} is not a folder")
    files = {p.stem: p for p in folder.glob("*.txt")}
    names = [n.strip() for n in instances.split(",")] if instances else sorted(files, key=_natural)
    missing = [n for n in names if n not in files]
    if missing:
        fail(f"--instances: {missing[0]!r} is not in {folder}")
    try:
        problems = [(n, READERS[suite](files[n].read_text(encoding="utf-8"), files[n].name)) for n in names]
    except (ValueError, ValidationError) as error:
        fail(f"{folder}: {error}")
    if suite in ("fjsp", "jsp"):
        best = parse_bks_json((data / "bks-scheduleopt.json").read_text(encoding="utf-8"))
    else:
        best = parse_bks_csv((data / "bks-pyjobshop-experiments.csv").read_text(encoding="utf-8"), suite)

    total = len(problems) * len(chosen)
    with Live(Text(f"0/{total} runs", style="cyan"), console=err_console, transient=True) as live:
        done = 0

        def progress(instance: str, result: BenchResult) -> None:
            nonlocal done
            done += 1
            live.update(Text(f"{done}/{total} runs — {instance} {result.solver}: {result.value} "
                             f"({_percent(result.gap)})", style="cyan"))

        rows = run_benchmark(problems, best, chosen, time_limit, workers, progress)
    table = Table(title=f"{suite}: {time_limit:g} s per run, {workers} workers")
    table.add_column("instance")
    table.add_column("best known", justify="right")
    for solver in chosen:
        table.add_column(solver, justify="right")
        table.add_column("gap", justify="right")
    for row in rows:
        cells = [row.instance, str(row.best_known or "—")]
        for solver in chosen:
            r = row.results[solver]
            cells += [str(r.value) if r.value is not None else r.status, _percent(r.gap)]
        table.add_row(*cells)
    table.add_section()
    table.add_row("mean", "", *[c for s in chosen for c in ("", _mean_cell(rows, s))])
    console.print(table)
    if json_out is not None:
        write_json(json_out, benchmark_json(rows, suite, time_limit, workers, chosen))


def _mean_cell(rows: list[BenchRow], solver: str) -> str:
    value = mean_gap(rows, solver)
    if value is not None:
        return _percent(value)
    solved = sum(1 for row in rows if row.results[solver].value is not None)
    return f"— ({solved}/{len(rows)} solved)"


def _natural(name: str) -> tuple[int, str]:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 0, name)


@bench_app.command("reschedule")
def bench_reschedule(
    seed: Annotated[int, typer.Option(help="random problem seed")] = 1,
    jobs: Annotated[int, typer.Option(help="jobs (10 operations each)")] = 20,
    repair_limit: Annotated[float, typer.Option(help="seconds for the repair")] = 2.0,
    scratch_limit: Annotated[float, typer.Option(help="seconds for the from-scratch reference solve")] = 60.0,
    plan_limit: Annotated[float, typer.Option(help="seconds for the original plan")] = 10.0,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the figures as JSON")] = None,
) -> None:
    """Breakdown on a random flexible job shop: repair (warm-started) vs a from-scratch solve of the same state."""
    problem = random_problem(seed, ShopShape(jobs=jobs))
    with Live(Text("planning…", style="cyan"), console=err_console, transient=True) as live:
        plan = solve(problem, SolveOptions(time_limit=plan_limit, workers=workers))
        busiest = max(problem.machines, key=lambda m: sum(a.end - a.start for a in plan.operations
                                                            if a.machine == m.id)).id
        at = (plan.makespan or 0) // 4
        event = Breakdown(machine=busiest, **{"from": at}, duration=max(30, (plan.makespan or 0) // 10))
        live.update(Text("repairing…", style="cyan"))
        started = time.monotonic()
        repaired = repair(problem, plan, event, RepairOptions(time_limit=repair_limit, workers=workers))
        repair_s = time.monotonic() - started
        live.update(Text(f"solving the post-event state from scratch for {scratch_limit:g} s…", style="cyan"))
        scratch = solve(repaired.problem, SolveOptions(time_limit=scratch_limit, workers=workers))
    feasible = check_solution(repaired.problem, repaired.solution).feasible
    ratio = (repaired.solution.objective or 0) / scratch.objective if scratch.objective else None
    figures = {
        "operations": sum(len(j.operations) for j in problem.jobs), "event": event.model_dump(by_alias=True),
        "plan_objective": plan.objective, "repair_seconds": round(repair_s, 3), "repair_feasible": feasible,
        "repair_objective": repaired.solution.objective, "moved": repaired.moved, "frozen": repaired.frozen,
        "scratch_objective": scratch.objective, "scratch_seconds": scratch.runtime_s,
        "repair_over_scratch": None if ratio is None else round(ratio, 4),
    }
    table = Table(title="repair after a breakdown", show_header=False)
    for key, value in figures.items():
        table.add_row(key, str(value))
    console.print(table)
    if json_out is not None:
        write_json(json_out, figures)
