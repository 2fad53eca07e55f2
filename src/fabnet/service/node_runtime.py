"""The running node: its store, identity, trust store, audit head and the wake-ups between requests and workers.

Request handlers run their database work inline on the event loop (short transactions), so within one node
process units of work never interleave: the audit chain and the state machines need no further locking.
"""

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from fabnet.exchange import audit
from fabnet.exchange.catalog import Asset
from fabnet.exchange.schemas import validate
from fabnet.network.trust import TrustStore
from fabnet.service.node_config import NodeConfig
from fabnet.service.node_identity import NodeIdentity, node_identity
from fabnet.store import Store
from fabnet.store.engine import make_engine
from fabnet.store.exchange_tables import AuditRow, ExchangeAssetRow, OutboxRow
from fabnet.store.migrate import upgrade_engine

AUDIT = AuditRow.__table__
OUTBOX = OutboxRow.__table__
"""Hot-path rows are written through the tables (Core), not the mapped classes: the ORM-enabled INSERT costs
several times the SQL it runs."""


def open_node_store(url: str) -> Store:
    """The node's database, migrated; SQLite in WAL mode with `synchronous=NORMAL`.

    A connector commits several small transactions per message; with SQLite's default rollback journal each
    commit costs tens of milliseconds of fsync. WAL with NORMAL survives a killed process (only an OS crash can
    lose the last commits), which is the failure the outbox and inbox are built for.
    """
    engine = make_engine(url)
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):

        @event.listens_for(engine, "connect")
        def _fast_commits(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

    try:
        upgrade_engine(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_entry(row: AuditRow) -> audit.AuditEntry:
    record = audit.AuditRecord(row.at, row.direction, row.peer, row.message_type, row.process_id, row.message_sha256)
    return audit.AuditEntry(row.seq, record, row.prev_hash, row.entry_hash, row.signature)


@dataclass
class QueuedMessage:
    """An outbox message waiting for delivery, as the worker keeps it in memory."""

    message_id: str
    pid: str
    recipient: str
    url: str
    body: str
    due: datetime
    attempts: int = 0


@dataclass
class Work:
    """One unit of work of the node: the session plus what to do once it commits."""

    session: Session
    runtime: "NodeRuntime"
    audit_head: audit.AuditEntry | None
    touched: set[str] = field(default_factory=set)
    queued: bool = False
    after: list[Callable[[], None]] = field(default_factory=list)
    followups: list[Callable[["Work"], None]] = field(default_factory=list)
    outbox: list["QueuedMessage"] = field(default_factory=list)
    """Automatic next steps that run in this same unit of work, after the received message is logged."""

    def log(self, direction: str, peer: str, message_type: str, process_id: str, body: bytes) -> audit.AuditEntry:
        record = audit.AuditRecord(
            at=now_utc().isoformat(), direction=direction, peer=peer, message_type=message_type,
            process_id=process_id, message_sha256=audit.message_digest(body),
        )
        entry = audit.append(self.audit_head, record, self.runtime.identity.keys)
        # plain INSERTs: several rows per message, and the ORM's unit-of-work bookkeeping costs more than the SQL
        self.session.connection().execute(insert(AUDIT).values(
            seq=entry.seq, at=record.at, direction=direction, peer=peer, message_type=message_type,
            process_id=process_id, message_sha256=record.message_sha256, prev_hash=entry.prev_hash,
            entry_hash=entry.entry_hash, signature=entry.signature,
        ))
        self.audit_head = entry
        return entry

    def send(self, recipient: str, url: str, message: dict, process_pid: str) -> None:
        """Queue a DSP message: committed with this unit of work, delivered by the outbox worker afterwards."""
        validate(message)  # fabnet never emits a message its schema refuses
        body = json.dumps(message, separators=(",", ":")).encode()
        message_id = uuid4().hex
        now = now_utc()
        text = body.decode()
        self.session.connection().execute(insert(OUTBOX).values(
            message_id=message_id, process_pid=process_pid, recipient=recipient, url=url, body=text, attempts=0,
            next_attempt_at=now, created_at=now,
        ))
        self.outbox.append(QueuedMessage(message_id, process_pid, recipient, url, text, now))
        self.log("sent", recipient, message["@type"], process_pid, body)
        self.queued = True
        self.touched.add(process_pid)


class NodeRuntime:
    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        config.received_dir.mkdir(parents=True, exist_ok=True)
        self.identity: NodeIdentity = node_identity(config)
        self.store: Store = open_node_store(config.resolved_database_url)
        self.trust = TrustStore(anchor=None, members={self.member_id: self.identity.own})
        self.outbox_wake: asyncio.Event | None = None
        self.fresh_outbox: list[QueuedMessage] = []
        """Messages committed since the worker last looked: handed over directly instead of re-read."""
        self._watchers: dict[str, asyncio.Event] = {}
        with self.store.transaction() as uow:
            last = uow.session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
            self._audit_head = to_entry(last) if last is not None else None
            for asset in config.assets:
                uow.session.merge(ExchangeAssetRow(id=asset.id, document=asset.model_dump(mode="json")))

    @property
    def member_id(self) -> str:
        return self.identity.member_id

    @property
    def hub_id(self) -> str | None:
        return self.identity.bundle.anchor.hub_id if self.identity.bundle else None

    @contextmanager
    def work(self) -> Iterator[Work]:
        """A unit of work; on commit the audit head moves, watchers of touched processes and the outbox wake up."""
        with self.store.transaction() as uow:
            work = Work(uow.session, self, self._audit_head)
            yield work
        self._audit_head = work.audit_head
        for pid in work.touched:
            event = self._watchers.pop(pid, None)
            if event is not None:
                event.set()
        if work.queued and self.outbox_wake is not None:
            self.fresh_outbox.extend(work.outbox)
            self.outbox_wake.set()
        for action in work.after:
            action()

    async def wait(self, pid: str, done: Callable[[], bool], timeout: float) -> bool:
        """Wait until `done()` holds (re-checked each time process `pid` changes) or `timeout` seconds pass."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._watchers.setdefault(pid, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return done()
        return True

    def state_of(self, table: type, pid: str) -> str | None:
        """The state column of one process, read without building ORM objects (long polls ask often)."""
        columns = table.__table__.c
        with self.store.engine.connect() as connection:
            return connection.execute(select(columns.state).where(columns.pid == pid)).scalar_one_or_none()

    def touch(self, pid: str) -> None:
        event = self._watchers.pop(pid, None)
        if event is not None:
            event.set()

    def assets(self, session: Session) -> list[Asset]:
        return [Asset.model_validate(row.document) for row in session.scalars(select(ExchangeAssetRow))]

    def asset(self, session: Session, asset_id: str) -> Asset | None:
        row = session.get(ExchangeAssetRow, asset_id)
        return Asset.model_validate(row.document) if row is not None else None

    def new_pid(self) -> str:
        return f"urn:uuid:{uuid4()}"
