"""`fabnet bench api`: one node process under many concurrent JSON API clients (reads and writes mixed)."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fabnet.cli.bench import app as bench_app
from fabnet.cli.root import console, fail, write_text


@bench_app.command("api")
def bench_api(
    clients: Annotated[int, typer.Option("--clients", min=1, max=2000, help="Concurrent API clients.")] = 200,
    seconds: Annotated[float, typer.Option("--seconds", min=1, max=3600, help="How long the load runs.")] = 60.0,
    write_share: Annotated[float, typer.Option("--write-share", min=0, max=1, help="Share of writes.")] = 0.3,
    out: Annotated[Path | None, typer.Option("--json", help="Also write the result as JSON to this file.")] = None,
) -> None:
    """Throughput, p50/p99 latency and errors of one node under load on loopback; then every acknowledged write
    is looked up again (lost writes are reported, and fail the command)."""
    from fabnet.service.api_bench import run

    with console.status("starting") as status:
        result = run(clients, seconds, write_share, progress=lambda text: status.update(text))
    if out is not None:
        write_text(out, json.dumps(result.to_json(), indent=1) + "\n")
    table = Table(title=f"fabnet bench api ({clients} clients, {seconds:g} s, one node process, loopback)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.to_json().items():
        if key != "per_kind_p99_ms":
            table.add_row(key, str(value))
    for kind, p99 in result.per_kind_p99_ms.items():
        table.add_row(f"p99 {kind} (ms)", str(p99))
    console.print(table)
    if result.lost_writes:
        fail(f"{result.lost_writes} acknowledged writes are missing from the node", code=1)
    if result.errors:
        fail(f"{result.errors} requests failed; first: {result.first_error}", code=1)
