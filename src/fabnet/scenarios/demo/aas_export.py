"""Demo stage, documents: every company's capabilities (AASX), every design (JSON) and every order (XML) as AAS
documents, each verified with aas-core3.1 as written on disk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from fabnet.domain import Design, RegionalNetwork
from fabnet.scenarios.demo.results import DocumentFile, DocumentsResult
from fabnet.standards.aas import DomainRecord, verify_document, write_document


def design_with_components(design: Design, designs: dict[str, Design]) -> list[Design]:
    """The design and every component design below it, each once, so that an assembly's BoM resolves."""
    chosen: dict[str, Design] = {}
    pending = [design]
    while pending:
        current = pending.pop(0)
        if current.id not in chosen:
            chosen[current.id] = current
            pending.extend(designs[line.design_id] for line in current.bom if line.design_id in designs)
    return list(chosen.values())


def write_verified(
    records: list[DomainRecord], path: Path, root: Path, kind: str, record_id: str
) -> DocumentFile:
    """Write one AAS document and verify the file as it lies on disk."""
    fmt = path.suffix.lstrip(".")
    write_document(records, path, fmt)  # type: ignore[arg-type]
    return DocumentFile(
        kind=kind, record_id=record_id, path=path.relative_to(root).as_posix(), format=fmt,  # type: ignore[arg-type]
        size_bytes=path.stat().st_size, findings=tuple(verify_document(path)),
    )


def export_documents(
    network: RegionalNetwork, folder: Path, root: Path, on_file: Callable[[str], None] = lambda _: None
) -> DocumentsResult:
    """Write and verify the documents; a finding is reported in the result (the runner treats it as an error)."""
    designs = {d.id: d for d in network.designs}
    jobs: list[tuple[str, str, list[DomainRecord], Path]] = []
    for company in network.companies:
        records: list[DomainRecord] = [company, *network.machines_of(company.id)]
        jobs.append(("company", company.id, records, folder / "companies" / f"{company.id}.aasx"))
    for design in network.designs:
        jobs.append(("design", design.id, list(design_with_components(design, designs)),
                     folder / "designs" / f"{design.id}.json"))
    for order in network.orders:
        jobs.append(("order", order.id, [order], folder / "orders" / f"{order.id}.xml"))
    files = []
    for kind, record_id, records, path in jobs:
        files.append(write_verified(records, path, root, kind, record_id))
        on_file(f"{kind} {record_id}")
    return DocumentsResult(
        folder=folder.relative_to(root).as_posix(), files=tuple(files),
        by_kind=dict(Counter(f.kind for f in files)), findings=sum(len(f.findings) for f in files),
    )


def document_count(network: RegionalNetwork) -> int:
    return len(network.companies) + len(network.designs) + len(network.orders)
