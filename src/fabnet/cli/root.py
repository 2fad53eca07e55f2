"""The root Typer app, the shared console and the one way every command reports a user error.

Command groups load lazily: `fabnet --help` lists them from `GROUPS` without importing anything heavy, and
`fabnet schedule solve …` imports only the modules that make up the `schedule` group.
"""

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

import fabnet


@dataclass(frozen=True)
class GroupEntry:
    help: str
    modules: tuple[str, ...]
    """modules under fabnet.cli to import; the first defines the group, the rest add commands to it"""


_ALL = (
    "aas", "billing", "db", "exchange", "hub", "invoice", "market", "node", "plan", "quality", "scenario",
    "schedule", "telemetry", "twin",
)

GROUPS: dict[str, GroupEntry] = {
    "scenario": GroupEntry("Reference scenarios.", ("scenario",)),
    "db": GroupEntry("Database migrations.", ("db",)),
    "aas": GroupEntry("Export and import Asset Administration Shell documents.", ("aas",)),
    "plan": GroupEntry("Zero-programming process planning.", ("plan",)),
    "schedule": GroupEntry("Changeover-aware scheduling with CP-SAT.", ("schedule",)),
    "twin": GroupEntry("The SimPy digital twin.", ("twin",)),
    "telemetry": GroupEntry("Machine-signal simulator over OPC UA and MQTT.", ("telemetry",)),
    "quality": GroupEntry("SPC charts, capability, live quality monitor.", ("quality", "telemetry")),
    "node": GroupEntry("A company's node service.", ("node",)),
    "exchange": GroupEntry("Dataspace Protocol client: catalog, negotiate, transfer.", ("exchange",)),
    "audit": GroupEntry("The connector's hash-chained audit log.", ("exchange",)),
    "hub": GroupEntry("The regional hub: members, trust, catalog.", ("hub",)),
    "market": GroupEntry("Capability catalog search and order allocation over the network.", ("market",)),
    "invoice": GroupEntry("Peppol BIS 3 invoices: create, list, show, export, validate.", ("invoice",)),
    "billing": GroupEntry("Metering, quotes, ledger and network netting.", ("billing",)),
    "bench": GroupEntry("Benchmarks (run on demand).", ("bench", *_ALL, "bench_api")),
}

_group_apps: dict[str, typer.Typer] = {}


def _load(name: str) -> Any:
    for module in GROUPS[name].modules:
        importlib.import_module(f"fabnet.cli.{module}")
    sub = _group_apps.get(name) or next(
        (info.typer_instance for info in app.registered_groups if info.name == name and info.typer_instance), None
    )
    if sub is None:
        raise RuntimeError(f"command group {name!r} did not register itself")
    command = typer.main.get_command(sub)
    command.name = name
    return command


class _LazyRoot(TyperGroup):
    """Lists lazy groups by their help text; imports a group's modules only when it is invoked."""

    def list_commands(self, ctx: Any) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in GROUPS if name not in eager)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in GROUPS and cmd_name not in super().list_commands(ctx):
            return TyperGroup(name=cmd_name, help=GROUPS[cmd_name].help)  # a cheap stand-in for listings
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in GROUPS and args[0] not in super().list_commands(ctx):
            return args[0], _load(args[0]), args[1:]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="fabnet",
    cls=_LazyRoot,
    help="fabnet — a flexible, zero-defect, digitally integrated production network.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error naming the field or file and the reason, then exit (2 = bad input)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def write_text(path: Path, text: str) -> None:
    """Write a result file whole-or-nothing (a temporary file renamed into place); a one-line error otherwise."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        fail(f"{path}: cannot write ({error.strerror or error})")


def group(name: str, help_text: str | None = None, **options: Any) -> typer.Typer:
    """The Typer app of the command group `fabnet <name> …` (declared in GROUPS, loaded lazily)."""
    if name not in GROUPS:
        raise KeyError(f"command group {name!r} is not declared in fabnet.cli.root.GROUPS")
    sub = typer.Typer(name=name, help=help_text or GROUPS[name].help, no_args_is_help=True, **options)
    # A group callback keeps a one-command group a group (`fabnet twin run`, not `fabnet twin`).
    sub.callback()(_no_options)
    _group_apps[name] = sub
    return sub


def _no_options() -> None:
    pass


@app.command()
def version() -> None:
    """Print the fabnet version."""
    console.print(f"fabnet {fabnet.__version__}")
