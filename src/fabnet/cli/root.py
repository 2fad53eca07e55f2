"""The root Typer app, the shared console and the one way every command reports a user error."""

from typing import NoReturn

import typer
from rich.console import Console

import fabnet

app = typer.Typer(
    name="fabnet",
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


def group(name: str, help_text: str) -> typer.Typer:
    """A command group `fabnet <name> …` registered on the root app."""
    sub = typer.Typer(name=name, help=help_text, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub


@app.command()
def version() -> None:
    """Print the fabnet version."""
    console.print(f"fabnet {fabnet.__version__}")
