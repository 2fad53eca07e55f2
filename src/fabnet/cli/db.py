"""`fabnet db`: Database migrations."""

import json
from typing import Annotated

import typer

from fabnet.cli.root import console, fail, group
from fabnet.store import Revisions, StoreError, database_url, revisions, upgrade

app = group("db", "Database migrations.")

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="SQLAlchemy database URL; default $FABNET_DATABASE_URL, else the SQLite file ./fabnet.sqlite.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Write the result as JSON.")]


def _report(state: Revisions, as_json: bool, verb: str) -> None:
    if as_json:
        document = {"url": state.url, "current": list(state.current), "heads": list(state.heads)}
        console.print_json(json.dumps({**document, "up_to_date": state.up_to_date}))
        return
    current = ", ".join(state.current) or "empty (no revision)"
    mark = "[green]up to date[/]" if state.up_to_date else f"[yellow]behind: heads {', '.join(state.heads)}[/]"
    console.print(f"{verb} {state.url}: {current} — {mark}", highlight=False, soft_wrap=True)


@app.command("upgrade")
def upgrade_command(url: UrlOption = None, as_json: JsonOption = False) -> None:
    """Create or migrate the database to the newest schema (every migration branch)."""
    target = database_url(url)
    try:
        upgrade(target)
        state = revisions(target)
    except StoreError as error:
        fail(str(error))
    _report(state, as_json, "upgraded")


@app.command("current")
def current_command(url: UrlOption = None, as_json: JsonOption = False) -> None:
    """Show the schema revision the database is at and whether it is up to date."""
    try:
        state = revisions(database_url(url))
    except StoreError as error:
        fail(str(error))
    _report(state, as_json, "database")
