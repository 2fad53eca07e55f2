"""`fabnet aas`: Export and import Asset Administration Shell documents."""

import json
import tempfile
import time
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from fabnet.cli.bench import app as bench_app
from fabnet.cli.root import console, err_console, fail, group
from fabnet.domain import Design, RegionalNetwork

app = group("aas", "Export and import Asset Administration Shell documents.")


class ExportKind(StrEnum):
    COMPANY = "company"
    MACHINE = "machine"
    DESIGN = "design"
    ORDER = "order"
    PLAN = "plan"
    PASSPORT = "passport"


class Format(StrEnum):
    JSON = "json"
    XML = "xml"
    AASX = "aasx"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy database URL; default $FABNET_DATABASE_URL, else the SQLite file ./fabnet.sqlite.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Write the result as JSON.")]

_IMPORT_ORDER = {"Company": 0, "Machine": 1, "Design": 2, "Order": 3, "ProcessPlan": 4, "Part": 5}
"""Records are stored referenced-first, so a document listing machines before their company imports too."""


def _with_components(design: Design, designs: dict[str, Design]) -> list[Design]:
    """The design and, for an assembly, every component design below it (each once), so its BoM resolves."""
    chosen: dict[str, Design] = {}
    pending = [design]
    while pending:
        current = pending.pop(0)
        if current.id in chosen:
            continue
        chosen[current.id] = current
        pending.extend(designs[line.design_id] for line in current.bom if line.design_id in designs)
    return list(chosen.values())


def _from_scenario(
    kind: ExportKind, record_id: str, scenario: str, company: str | None, quantity: int
) -> list[object]:
    from fabnet.cli.scenario import load_or_fail

    network: RegionalNetwork = load_or_fail(scenario)
    try:
        if kind is ExportKind.COMPANY:
            return [network.company(record_id), *network.machines_of(record_id)]
        if kind is ExportKind.MACHINE:
            return [network.machine(record_id)]
        if kind is ExportKind.DESIGN:
            return list(_with_components(network.design(record_id), {d.id: d for d in network.designs}))
        if kind is ExportKind.ORDER:
            return [network.order(record_id)]
        if kind is ExportKind.PLAN:
            return [_plan(network, record_id, company, quantity)]
    except KeyError as error:
        fail(f"ID: {error.args[0]} in scenario {scenario!r}")
    fail("passport: parts are made on the floor and kept in the store; give --db URL to export a part passport")


def _plan(network: RegionalNetwork, design_id: str, company: str | None, quantity: int) -> object:
    from fabnet.planning.process import PlanningError, plan_process

    design = network.design(design_id)
    if company is not None:
        network.company(company)
    machines = network.machines_of(company) if company else list(network.machines)
    if not machines:
        fail(f"--company: {company!r} has no machines")
    try:
        return plan_process(design, machines, quantity=quantity, designs={d.id: d for d in network.designs})
    except PlanningError as error:
        fail(f"plan {design_id}: {error}")


def _from_store(kind: ExportKind, record_id: str, url: str | None) -> list[object]:
    from fabnet.store import StoreError, open_store

    try:
        with open_store(url) as store, store.transaction() as uow:
            if kind is ExportKind.COMPANY:
                company = uow.companies.get(record_id)
                return [company, *(m for m in uow.machines.list() if m.company_id == record_id)]
            if kind is ExportKind.MACHINE:
                return [uow.machines.get(record_id)]
            if kind is ExportKind.DESIGN:
                designs = {d.id: d for d in uow.designs.list()}
                return list(_with_components(uow.designs.get(record_id), designs))
            if kind is ExportKind.ORDER:
                return [uow.orders.get(record_id)]
            if kind is ExportKind.PLAN:
                return [uow.process_plans.get(record_id)]
            return [uow.parts.get(record_id)]
    except KeyError as error:
        fail(f"ID: {error.args[0]}")
    except StoreError as error:
        fail(str(error))


def _cad_bytes(directory: Path | None, records: list[object]) -> dict[str, bytes]:
    """The bytes of the exported designs' CAD files found by name in `directory`."""
    if directory is None:
        return {}
    if not directory.is_dir():
        fail(f"--cad-dir: {directory} is not a directory")
    found: dict[str, bytes] = {}
    for record in records:
        for cad in getattr(record, "cad_files", ()):
            candidate = directory / cad.name
            if candidate.is_file():
                found[cad.sha256] = candidate.read_bytes()
    return found


@app.command("export")
def export(
    kind: Annotated[ExportKind, typer.Argument(help="what to export")],
    record_id: Annotated[str, typer.Argument(metavar="ID", help="its id (for a plan: the design id)")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="document format")] = Format.JSON,
    output: Annotated[Path, typer.Option("-o", "--output", help="file to write")] = ...,  # type: ignore[assignment]
    scenario: Annotated[str, typer.Option(help="scenario the records come from")] = "brainport",
    db: Annotated[
        str | None,
        typer.Option("--db", help="read the records from this database instead of the scenario (needed for "
                     "passports; for a plan, ID is then company/design)", show_default=False),
    ] = None,
    company: Annotated[str | None, typer.Option(help="plan: plan on this company's machines")] = None,
    quantity: Annotated[int, typer.Option(min=1, help="plan: units to make")] = 1,
    cad_dir: Annotated[
        Path | None, typer.Option("--cad-dir", help="aasx: pack the designs' CAD files found here by name")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Export a company's capabilities, a machine, a design, an order, a process plan or a part passport as an
    Asset Administration Shell document (IDTA templates where one exists), verified with aas-core."""
    from fabnet.standards.aas import AasError, write_document
    from fabnet.standards.aas.records import kind_of

    if db is not None:
        records = _from_store(kind, record_id, db)
    else:
        records = _from_scenario(kind, record_id, scenario, company, quantity)
    files = _cad_bytes(cad_dir, records)
    try:
        write_document(records, output, fmt.value, files=files)  # type: ignore[arg-type]
    except AasError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{output}: cannot write ({error.strerror or error})")
    shells = Counter(kind_of(r).value for r in records)  # type: ignore[arg-type]
    summary = {"file": str(output), "format": fmt.value, "shells": dict(shells), "supplementary_files": len(files)}
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        listed = ", ".join(f"{count} {name}" for name, count in shells.items())
        err_console.print(f"wrote {output} ({fmt.value}): {listed}", highlight=False)


@app.command("import")
def import_document(
    file: Annotated[Path, typer.Argument(help="AAS document (.json, .xml or .aasx)")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import the records of an AAS document into the database, all in one transaction: a bad file or a record
    the database refuses changes nothing."""
    from fabnet.standards.aas import AasError, read_document
    from fabnet.store import StoreError, open_store

    try:
        records = read_document(file)
    except AasError as error:
        fail(str(error))
    if not records:
        fail(f"{file}: holds no fabnet record (no shell with a fabnet assetType)")
    ordered = sorted(records, key=lambda r: _IMPORT_ORDER[type(r).__name__])
    try:
        with open_store(db) as store, store.transaction() as uow:
            for record in ordered:
                uow.save(record)
    except StoreError as error:
        fail(f"{file}: nothing imported: {error}")
    counts = Counter(type(r).__name__ for r in ordered)
    if as_json:
        typer.echo(json.dumps({"file": str(file), "imported": dict(counts)}))
    else:
        console.print(f"imported {file}: " + ", ".join(f"{n} {name}" for name, n in counts.items()), highlight=False)


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="AAS document (.json, .xml or .aasx)")],
    as_json: JsonOption = False,
) -> None:
    """Check a document against the AAS metamodel with aas-core3.1; exit 1 when it does not conform."""
    from fabnet.standards.aas import verify_document

    findings = verify_document(file)
    if as_json:
        typer.echo(json.dumps({"file": str(file), "conforms": not findings, "findings": findings}))
    elif findings:
        for finding in findings:
            err_console.print(f"{file}: {finding}", highlight=False, soft_wrap=True)
    else:
        console.print(f"{file}: conforms to the AAS metamodel (aas-core3.1)", highlight=False)
    if findings:
        raise typer.Exit(1)


@bench_app.command("aas")
def bench_aas(
    scenario: Annotated[str, typer.Option(help="scenario whose records are written")] = "brainport",
    repeat: Annotated[int, typer.Option(min=1, help="runs per format; the best is reported")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Write a whole scenario (companies, machines, designs, orders) as one AAS document per format, check it with
    aas-core and read it back; report sizes, times and records per second."""
    from rich.table import Table

    from fabnet.cli.scenario import load_or_fail
    from fabnet.standards.aas import FORMATS, read_document, verify_document, write_document

    network = load_or_fail(scenario)
    records = [*network.companies, *network.machines, *network.designs, *network.orders]
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for fmt in FORMATS:
            path = Path(directory) / f"{scenario}.{fmt}"
            timings: dict[str, list[float]] = {"write_s": [], "verify_s": [], "read_s": []}
            for _ in range(repeat):
                started = time.perf_counter()
                write_document(records, path, fmt)
                written = time.perf_counter()
                verify_document(path)
                verified = time.perf_counter()
                read_document(path)
                timings["write_s"].append(written - started)
                timings["verify_s"].append(verified - written)
                timings["read_s"].append(time.perf_counter() - verified)
            best = {name: min(values) for name, values in timings.items()}
            rows.append({"format": fmt, "records": len(records), "bytes": path.stat().st_size,
                         **{name: round(value, 3) for name, value in best.items()},
                         "write_records_per_s": round(len(records) / best["write_s"]),
                         "read_records_per_s": round(len(records) / best["read_s"])})
    if as_json:
        typer.echo(json.dumps({"scenario": scenario, "repeat": repeat, "results": rows}, indent=2))
        return
    table = Table(title=f"AAS documents of scenario {scenario} (best of {repeat}; write and read include aas-core)")
    for column in rows[0]:
        table.add_column(column, justify="left" if column == "format" else "right")
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)
