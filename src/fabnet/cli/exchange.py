"""`fabnet exchange`: Dataspace Protocol client: catalog, negotiate, transfer; also `fabnet audit` and
`fabnet bench exchange`."""

import json
import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.progress import Progress
from rich.table import Table

from fabnet.cli.bench import app as bench_app
from fabnet.cli.root import console, fail, group

app = group("exchange", "Dataspace Protocol client: catalog, negotiate, transfer.")
audit_app = group("audit")

NodeOption = Annotated[
    str,
    typer.Option("--node", envvar="FABNET_NODE_URL", help="The local node that acts for you (its management API)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Write the result as JSON.")]
DEFAULT_NODE = "http://127.0.0.1:8181"


def _call(node: str, method: str, path: str, timeout: float = 60.0, **kwargs: Any) -> dict:
    try:
        response = httpx.request(method, f"{node.rstrip('/')}/manage{path}", timeout=timeout, **kwargs)
    except httpx.HTTPError as error:
        fail(f"--node: cannot reach the node at {node} ({type(error).__name__}); is `fabnet node serve` running?")
    if response.status_code >= 400:
        try:
            reason = response.json().get("error", response.text)
        except ValueError:
            reason = response.text
        fail(f"{reason} (HTTP {response.status_code})")
    return response.json()


@app.command("catalog")
def catalog(peer_url: Annotated[str, typer.Argument(help="The peer node's DSP base URL.")],
            node: NodeOption = DEFAULT_NODE, as_json: JsonOption = False) -> None:
    """Ask a peer for its catalog (signed request from your node); list datasets and offers."""
    document = _call(node, "POST", "/catalog", json={"peer_url": peer_url})
    if as_json:
        console.print_json(json.dumps(document))
        return
    table = Table(title=f"catalog of {document.get('participantId')}")
    for column in ("dataset", "title", "offer id", "rules"):
        table.add_column(column)
    for dataset in document.get("dataset", []):
        for offer in dataset.get("hasPolicy", []):
            rules = ", ".join(f"{key}: {len(offer[key])}" for key in ("permission", "prohibition", "obligation")
                              if key in offer)
            table.add_row(dataset["@id"], str(dataset.get("title", "")), offer["@id"], rules)
    console.print(table)


@app.command("negotiate")
def negotiate(
    peer_url: Annotated[str, typer.Argument(help="The provider node's DSP base URL.")],
    offer_id: Annotated[str, typer.Argument(help="The offer id from the provider's catalog.")],
    node: NodeOption = DEFAULT_NODE,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for FINALIZED.")] = 60.0,
    as_json: JsonOption = False,
) -> None:
    """Negotiate a contract for an offer; waits until FINALIZED (or TERMINATED) and prints the agreement id."""
    started = _call(node, "POST", "/negotiations", json={"peer_url": peer_url, "offer_id": offer_id})
    with console.status(f"negotiating {started['pid']} …"):
        done = _call(node, "GET", f"/negotiations/{started['pid']}", timeout=timeout + 10,
                     params={"wait_for": "FINALIZED,TERMINATED", "timeout": timeout})
    if as_json:
        console.print_json(json.dumps(done))
    elif done["state"] == "FINALIZED":
        console.print(f"agreement {done['agreement_id']} (negotiation {done['pid']} FINALIZED)", highlight=False)
    if done["state"] != "FINALIZED":
        fail(f"negotiation {done['pid']} ended {done['state']}, not FINALIZED", code=1)


@app.command("transfer")
def transfer(
    agreement_id: Annotated[str, typer.Argument(help="A FINALIZED agreement of your node.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the received asset here.")],
    node: NodeOption = DEFAULT_NODE,
    purpose: Annotated[str | None, typer.Option("--purpose", help="The purpose of this use (ODRL).")] = None,
    timeout: Annotated[float, typer.Option("--timeout")] = 600.0,
    as_json: JsonOption = False,
) -> None:
    """Transfer the agreed asset (signed, encrypted, verified), then write one policy-checked use of it to FILE."""
    started = _call(node, "POST", "/transfers", json={"agreement_id": agreement_id})
    with console.status(f"transferring {started['pid']} …"):
        done = _call(node, "GET", f"/transfers/{started['pid']}", timeout=timeout + 10,
                     params={"wait_for": "COMPLETED,TERMINATED", "timeout": timeout})
    if done["state"] != "COMPLETED":
        fail(f"transfer {done['pid']} ended {done['state']}: {done.get('error') or 'no reason given'}", code=1)
    params = {"purpose": purpose} if purpose else {}
    partial = output.with_name(output.name + ".part")
    with httpx.stream("GET", f"{node.rstrip('/')}/manage/received/{done['pid']}/content", params=params,
                      timeout=timeout) as response:
        if response.status_code != 200:
            response.read()
            fail(f"use refused: {response.json().get('error', response.text)} (HTTP {response.status_code})")
        with partial.open("wb") as handle:
            for block in response.iter_bytes():
                handle.write(block)
    os.replace(partial, output)
    result = {"transfer": done["pid"], "file": str(output), "bytes": done["size"], "sha256": done["content_sha256"]}
    if as_json:
        console.print_json(json.dumps(result))
    else:
        console.print(f"{done['size']} bytes written to {output} (sha256 {done['content_sha256']})", highlight=False)


@audit_app.command("verify")
def audit_verify(
    config: Annotated[Path | None, typer.Option("--config", help="node.toml of the node whose log to check.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the node's audit log offline: every entry hashed into the chain and signed; exit 1 if broken."""
    from sqlalchemy import select

    from fabnet.exchange import audit
    from fabnet.exchange.keys import PublicKeys
    from fabnet.service.node_config import ConfigError, load_config
    from fabnet.service.node_runtime import to_entry
    from fabnet.store import StoreError, open_store
    from fabnet.store.exchange_tables import AuditRow

    try:
        settings = load_config(config)
        keys_file = settings.resolved_keys_file
        if not keys_file.exists():
            fail(f"{keys_file}: no node keys here (give --config of the node)")
        jwks = json.loads(keys_file.read_text(encoding="utf-8"))
        public = PublicKeys.from_jwks({"keys": [{k: v for k, v in key.items() if k != "d"} for key in jwks["keys"]]})
        store = open_store(settings.resolved_database_url, migrate=False)
    except (ConfigError, StoreError, ValueError) as error:
        fail(str(error))
    with store, store.transaction() as uow:
        rows = uow.session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
        report = audit.verify([to_entry(row) for row in rows], public)
    if as_json:
        console.print_json(json.dumps({"entries": report.entries, "ok": report.ok, "problems": report.problems}))
    elif report.ok:
        console.print(f"[green]audit log intact[/]: {report.entries} entries, chain and signatures verify")
    else:
        for problem in report.problems:
            console.print(f"[red]{problem}[/]", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def _sweep_levels(text: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"expected concurrencies like 1,4,8,16,32, not {text!r}") from None
    if any(level < 1 for level in levels):
        raise typer.BadParameter("each concurrency must be at least 1")
    return levels


@bench_app.command("exchange")
def bench_exchange(
    negotiations: Annotated[int, typer.Option("--negotiations", min=1)] = 1000,
    transfer_mb: Annotated[int, typer.Option("--transfer-mb", min=0, help="0: negotiations only")] = 500,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="negotiations in flight in the main run")]
    = 8,  # exchange_bench.DEFAULT_CONCURRENCY (imported lazily: it pulls in the testbed)
    sweep: Annotated[str, typer.Option("--sweep", help="concurrencies of the sweep run first ('' for none)")]
    = "1,4,8,16,32",
    sweep_negotiations: Annotated[int, typer.Option("--sweep-negotiations", min=1, help="negotiations per level")]
    = 200,
    as_json: JsonOption = False,
) -> None:
    """Negotiations/s, p50/p99 latency and encrypted transfer MB/s between two real node processes on loopback.

    A short concurrency sweep runs first and names the best throughput whose p99 stays within 200 ms."""
    from fabnet.service.exchange_bench import run

    levels = _sweep_levels(sweep)
    with Progress(console=console, transient=True) as progress:

        def phase(label: str, total: int):  # type: ignore[no-untyped-def]
            task = progress.add_task(label, total=total)
            return lambda n: progress.advance(task, n)

        result = run(negotiations, transfer_mb, concurrency, progress=phase, sweep=levels,
                     sweep_negotiations=sweep_negotiations)
    if as_json:
        console.print_json(json.dumps(result.to_json()))
        return
    table = Table(title="fabnet bench exchange (two node processes, loopback)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.to_json().items():
        if key != "sweep":
            table.add_row(key, str(value))
    console.print(table)
    if result.sweep:
        points = Table(title=f"concurrency sweep ({sweep_negotiations} negotiations each)")
        for column in ("concurrency", "negotiations/s", "p50 ms", "p99 ms", "CPU ms per negotiation (both nodes)"):
            points.add_column(column, justify="right")
        for point in result.sweep:
            points.add_row(str(point.concurrency), str(point.negotiations_per_second), str(point.latency_p50_ms),
                           str(point.latency_p99_ms), str(point.cpu_ms_per_negotiation))
        console.print(points)
