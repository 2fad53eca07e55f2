"""Demo stage, database: a fresh SQLite database, migrated, with the whole scenario imported in one transaction."""

from __future__ import annotations

from pathlib import Path

from fabnet.domain import RegionalNetwork
from fabnet.scenarios.demo.results import DatabaseResult
from fabnet.store import Store, open_store

COUNTED_KINDS = ("hubs", "fieldlabs", "companies", "machines", "designs", "orders")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def load_database(network: RegionalNetwork, path: Path) -> tuple[Store, DatabaseResult]:
    """Create the database at `path` (which must not exist yet), migrate it and import the network.

    The returned store stays open for the later stages; the caller closes it.
    """
    if path.exists():
        raise ValueError(f"{path}: a fresh database was expected, but the file exists")
    store = open_store(sqlite_url(path))
    try:
        with store.transaction() as uow:
            imported = uow.import_network(network)
        with store.transaction() as uow:
            stored = {kind: getattr(uow, kind).count() for kind in COUNTED_KINDS}
        revisions = store.revisions()
    except BaseException:
        store.close()
        raise
    return store, DatabaseResult(
        path=str(path), url=store.url, revisions=revisions.current,
        imported={kind: getattr(imported, kind) for kind in COUNTED_KINDS}, stored=stored,
    )
