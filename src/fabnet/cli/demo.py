"""`fabnet demo`: the main job — runs the reference network end to end and reports what it measured."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fabnet.cli.root import app, console, err_console, fail

if TYPE_CHECKING:  # the CLI root stays fast: the demo's modules load only when the command runs
    from rich.console import Console

    from fabnet.scenarios.demo.results import DemoSummary
    from fabnet.scenarios.demo_network.nodes import RunningNetwork


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the databases, documents and reports.")] = Path(
        "out/demo"
    ),
    time_limit: Annotated[float, typer.Option(
        "--time-limit", min=0.1, max=60.0,
        help="CP-SAT seconds per company, model building included (at most 60: each node solves within one HTTP "
             "request).")] = 15.0,
    replications: Annotated[int, typer.Option("--replications", min=1, help="Twin replications per company.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the solver, the twin and the signal simulator.")] = 2026,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Smallest settings, overriding the others (1 s solves, 5 "
                                                         "replications, 3 invoices validated): for tests.")] = False,
    in_process: Annotated[bool, typer.Option("--in-process", help="Run every stage in this one process with one "
                                                                   "database, without hub and node services.")] = False,
    keep_running: Annotated[bool, typer.Option("--keep-running", help="Leave the hub and nodes up at the end, print "
                                                                       "their dashboards and a login; Ctrl-C stops "
                                                                       "them.")] = False,
) -> None:
    """Run the reference network (brainport) end to end: the hub and one node per company as separate processes
    on loopback; partners found in the hub's catalog, RFQs over HTTP, contracts and design transfers over DSP (a
    partner failing there is replaced), each node scheduling its orders with CP-SAT and forecasting them in its
    twin, zero-defect loop with telemetry over MQTT, Peppol invoices and netting; writes summary.json and
    report.html."""
    from fabnet.scenarios.demo.settings import STAGES, DemoError, DemoOptions

    if in_process and keep_running:
        fail("--keep-running: there are no services to keep running with --in-process")
    try:
        if quick:
            options = DemoOptions.quick(out, seed)
        else:
            options = DemoOptions(out=out, time_limit=time_limit, replications=replications, seed=seed)
    except ValueError as error:
        fail(str(error))
    # with --json, stdout carries only the JSON document: the progress goes to stderr
    screen = err_console if as_json else console
    running = None
    try:
        if in_process:
            from fabnet.scenarios.demo_run import run_demo

            with _RichObserver(screen, STAGES, "in one process with one database") as observer:
                summary = run_demo(options, observer)
        else:
            import signal

            from fabnet.scenarios.demo_network.run import run_network_demo
            from fabnet.scenarios.demo_network.settings import NETWORK_STAGES

            # SIGTERM (and SIGINT, even where a shell started us with it ignored) unwinds like Ctrl-C, so that every
            # hub and node process started is stopped on the way out
            signal.signal(signal.SIGTERM, _interrupt)
            signal.signal(signal.SIGINT, _interrupt)

            with _RichObserver(screen, NETWORK_STAGES, "the hub and one node per company as separate processes "
                                                       "on loopback") as observer:
                finished = run_network_demo(options, observer, keep_running=keep_running)
            summary, running = finished.summary, finished.running
    except DemoError as error:
        fail(str(error), code=1)
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
    else:
        _print_summary(screen, summary)
    if running is not None:
        _serve_until_interrupted(screen, running)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _serve_until_interrupted(screen: Console, running: RunningNetwork) -> None:
    """Print where the dashboards are and how to log in, then wait for Ctrl-C and stop every process."""
    import time

    from rich.table import Table

    table = Table(title="fabnet network — running until Ctrl-C", title_justify="left")
    for column in ("service", "dashboard", "login"):
        table.add_column(column)
    from fabnet.service.hub_api_auth import admin_token

    registry = running.testbed.registry
    # the public hub page hides members' commercial figures; "Operator sign-in" with this token shows them
    table.add_row("hub", running.hub_url + "/", "Operator sign-in: the token below" if registry else "")
    for node in running.nodes.values():
        table.add_row(node.company_id, node.url + "/", f"admin / {node.admin_password}")
    screen.print(table)
    if registry:
        screen.print(f"hub operator token: {admin_token(registry.config)}", highlight=False, soft_wrap=True)
    try:
        while all(service.process is not None and service.process.poll() is None for service in running.services):
            time.sleep(0.5)
        screen.print("[yellow]a service stopped on its own; stopping the others[/]")
    except KeyboardInterrupt:
        screen.print("stopping the hub and the nodes …")
    finally:
        running.stop()


class _RichObserver:
    """A live progress display: one line per stage with a bar, the item being worked on and the elapsed time."""

    def __init__(self, screen: Console, stages: dict[str, str], how: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._stages = stages
        self._how = how
        self._screen = screen
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
                                  MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("[dim]{task.fields[detail]}"),
                                  console=screen, transient=True)
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> _RichObserver:
        self._screen.print(f"[bold]fabnet demo[/] — the brainport network end to end, {self._how}")
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def stage_started(self, stage: str, total: int) -> None:
        self._tasks[stage] = self._progress.add_task(self._stages[stage], total=max(total, 1), detail="")

    def advanced(self, stage: str, detail: str, steps: int = 1) -> None:
        self._progress.update(self._tasks[stage], advance=steps, detail=detail)

    def stage_finished(self, stage: str, headline: str, seconds: float) -> None:
        task = self._tasks[stage]
        self._progress.update(task, completed=self._progress.tasks[task].total, visible=False)
        self._progress.console.print(f"[green]✓[/] {self._stages[stage]} [dim]({seconds:.1f} s)[/] — {headline}",
                                     highlight=False)


def _print_summary(screen: Console, summary: DemoSummary) -> None:
    from rich.table import Table

    from fabnet.scenarios.demo.figures import summary_figures

    table = Table(title=f"fabnet demo — {summary.scenario}", title_justify="left")
    table.add_column("stage", style="dim")
    table.add_column("figure")
    table.add_column("value", overflow="fold")
    for figure in summary_figures(summary):
        table.add_row(figure.stage, figure.label, figure.value)
    screen.print(table)
    screen.print(f"summary  {summary.summary_file}\nreport   {summary.report_file}\n"
                 f"database {summary.database.path}\nGantt    {Path(summary.report_file).parent / 'schedules'}/",
                 highlight=False)
    if summary.network is not None:
        screen.print(f"nodes    {Path(summary.report_file).parent / 'network'}/ (each node's folder: config, keys, "
                     f"database, log)", highlight=False)
    screen.print(f"[dim]{summary.note}[/]")
