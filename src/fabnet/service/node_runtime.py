"""The running node: its store, identity, trust store, audit head and the wake-ups between requests and workers.

Request handlers run their database work inline on the event loop (short transactions), so within one node
process units of work never interleave: the audit chain and the state machines need no further locking.
"""

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import msgspec
from sqlalchemy import Connection, Text, bindparam, event, insert, select, type_coerce
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fabnet.exchange import audit
from fabnet.exchange.catalog import Asset
from fabnet.exchange.schemas import validate
from fabnet.network.trust import TrustStore
from fabnet.service.node_config import NodeConfig
from fabnet.service.node_identity import NodeIdentity, node_identity
from fabnet.store import Store
from fabnet.store.engine import make_engine
from fabnet.store.errors import statement_error
from fabnet.store.exchange_tables import AuditRow, ExchangeAssetRow, NegotiationRow, OutboxRow
from fabnet.store.fast_statements import FastStatement
from fabnet.store.migrate import upgrade_engine

AUDIT = AuditRow.__table__
OUTBOX = OutboxRow.__table__
"""Hot-path rows are written through the tables (Core), not the mapped classes: the ORM-enabled INSERT costs
several times the SQL it runs. They are compiled once and run on the driver's cursor (see FastStatement)."""
ASSETS = ExchangeAssetRow.__table__
INSERT_AUDIT = FastStatement(insert(AUDIT), [column.name for column in AUDIT.columns])
INSERT_OUTBOX = FastStatement(insert(OUTBOX), ["message_id", "process_pid", "recipient", "url", "body", "attempts",
                                               "next_attempt_at", "created_at"])
SELECT_ASSET = FastStatement(select(type_coerce(ASSETS.c.document, Text).label("document"))
                             .where(ASSETS.c.id == bindparam("asset_id")))
"""The asset's stored JSON as text (on SQLite): the parsed Asset is kept by that text, so an unchanged asset is
not parsed and validated again for every request that names it."""


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
    """One unit of work of the node: one transaction on `connection`, plus what to do once it commits.

    The hot path (DSP messages, outbox, audit) runs Core statements on the connection; `session`, an ORM
    session joined to the same transaction, is made only for code that asks for it.
    """

    connection: Connection
    runtime: "NodeRuntime"
    audit_head: audit.AuditEntry | None
    touched: set[str] = field(default_factory=set)
    queued: bool = False
    after: list[Callable[[], None]] = field(default_factory=list)
    followups: list[Callable[["Work"], None]] = field(default_factory=list)
    """Automatic next steps that run in this same unit of work, after the received message is logged."""
    outbox: list["QueuedMessage"] = field(default_factory=list)
    before_commit: list[Callable[["Work"], None]] = field(default_factory=list)
    """Writes deferred to the end of the unit of work (e.g. a process changed by several steps, written once)."""
    _session: Session | None = None

    def __post_init__(self) -> None:
        if isinstance(self.connection, Session):  # a unit of work opened by a caller's Store.transaction()
            self._session, self.connection = self.connection, self.connection.connection()

    @property
    def session(self) -> Session:
        if self._session is None:
            # joined to the unit's transaction: the session never commits or closes it, the unit does
            self._session = Session(bind=self.connection, expire_on_commit=False,
                                    join_transaction_mode="rollback_only")
        return self._session

    def finish(self) -> None:
        """Run the deferred writes and flush the ORM session, if any, before the transaction commits."""
        for write in self.before_commit:
            write(self)
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def log(self, direction: str, peer: str, message_type: str, process_id: str, body: bytes) -> audit.AuditEntry:
        record = audit.AuditRecord(
            at=now_utc().isoformat(), direction=direction, peer=peer, message_type=message_type,
            process_id=process_id, message_sha256=audit.message_digest(body),
        )
        entry = audit.append(self.audit_head, record, self.runtime.identity.keys)
        INSERT_AUDIT.execute(self.connection, {
            "seq": entry.seq, "at": record.at, "direction": direction, "peer": peer, "message_type": message_type,
            "process_id": process_id, "message_sha256": record.message_sha256, "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash, "signature": entry.signature,
        })
        self.audit_head = entry
        return entry

    def send(self, recipient: str, url: str, message: dict, process_pid: str) -> None:
        """Queue a DSP message: committed with this unit of work, delivered by the outbox worker afterwards."""
        validate(message)  # fabnet never emits a message its schema refuses
        body = msgspec.json.encode(message)  # compact JSON, as json.dumps with separators, at a fraction of the cost
        message_id = uuid4().hex
        now = now_utc()
        text = body.decode()
        INSERT_OUTBOX.execute(self.connection, {
            "message_id": message_id, "process_pid": process_pid, "recipient": recipient, "url": url, "body": text,
            "attempts": 0, "next_attempt_at": now, "created_at": now,
        })
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
        self._states: OrderedDict[str, str] = OrderedDict()
        """The last committed state of recently changed processes, so long polls need not ask the database."""
        self._parsed_assets: dict[str, Asset] = {}
        self._keeper_thread: int | None = None
        self._kept: Connection | None = None
        self._kept_busy = False
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

    def keep_connection(self) -> None:
        """From now on, units of work on the calling thread (the event loop's) reuse one connection.

        Checking a connection out of the pool and back costs more than a small SQLite transaction itself; the
        units of work of the event loop never interleave (none awaits inside), so one connection serves them all.
        Other threads, and a unit opened while the kept connection is busy, use the pool as before.
        """
        self._keeper_thread = threading.get_ident()

    def close(self) -> None:
        """Close the kept connection, if any (the store's engine is closed by its owner)."""
        kept, self._kept = self._kept, None
        if kept is not None:
            kept.close()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for a transaction of its own: the kept one on the event loop (see `keep_connection`)."""
        if self._keeper_thread != threading.get_ident() or self._kept_busy:
            with self.store.engine.connect() as connection:
                yield connection
            return
        if self._kept is None or self._kept.closed or self._kept.invalidated:
            self.close()
            self._kept = self.store.engine.connect()
        self._kept_busy = True
        try:
            yield self._kept
        except DBAPIError:
            self.close()  # after a database error, start afresh rather than trust the connection's state
            raise
        finally:
            self._kept_busy = False

    @contextmanager
    def work(self) -> Iterator[Work]:
        """A unit of work; on commit the audit head moves, watchers of touched processes and the outbox wake up."""
        engine = self.store.engine
        try:
            with self.connection() as connection, connection.begin():
                work = Work(connection, self, self._audit_head)
                try:
                    yield work
                    work.finish()
                finally:
                    work.close()
        except DBAPIError as error:
            raise statement_error(engine.url, error) from error
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

    @contextmanager
    def reading(self) -> Iterator[Work]:
        """A unit of work that only reads, without a BEGIN and COMMIT of its own: each statement sees the last
        commit. Deferred writes are dropped (never run), so it cannot change anything through the flows."""
        engine = self.store.engine
        try:
            with self.connection() as connection:
                work = Work(connection, self, self._audit_head)
                try:
                    yield work
                finally:
                    work.close()
                    # end what the reads began (an ORM read, or a driver that begins implicitly): the connection
                    # may be the kept one, which must not stay inside a transaction
                    if connection.in_transaction():
                        connection.rollback()
                    else:
                        connection.connection.driver_connection.rollback()
        except DBAPIError as error:
            raise statement_error(engine.url, error) from error

    async def wait(self, pid: str, done: Callable[[], bool], timeout: float) -> bool:
        """Wait until `done()` holds (re-checked each time process `pid` changes) or `timeout` seconds pass."""
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            async with asyncio.timeout_at(deadline):  # one timer for the whole wait, no task per wake-up
                while not done():
                    await self._watchers.setdefault(pid, asyncio.Event()).wait()
        except TimeoutError:
            return done()
        return True

    STATES_KEPT = 10_000
    ASSETS_KEPT = 256

    def remember_state(self, pid: str, state: str) -> None:
        """Called after a commit that set the state of process `pid` (every writer of that table must call it)."""
        self._states[pid] = state
        self._states.move_to_end(pid)
        if len(self._states) > self.STATES_KEPT:
            self._states.popitem(last=False)

    def state_of(self, table: type, pid: str) -> str | None:
        """The state column of one process, read without building ORM objects (long polls ask often)."""
        if table is NegotiationRow and pid in self._states:
            return self._states[pid]
        columns = table.__table__.c
        with self.store.engine.connect() as connection:
            return connection.execute(select(columns.state).where(columns.pid == pid)).scalar_one_or_none()

    def touch(self, pid: str) -> None:
        event = self._watchers.pop(pid, None)
        if event is not None:
            event.set()

    def assets(self, session: Session) -> list[Asset]:
        return [Asset.model_validate(row.document) for row in session.scalars(select(ExchangeAssetRow))]

    def asset(self, session: Session | Connection, asset_id: str) -> Asset | None:
        connection = session if isinstance(session, Connection) else session.connection()
        found = SELECT_ASSET.first(connection, {"asset_id": asset_id})
        if found is None:
            return None
        document = found["document"]
        if not isinstance(document, str):  # a driver that decodes JSON columns itself (psycopg)
            return Asset.model_validate(document)
        parsed = self._parsed_assets.get(document)
        if parsed is None:
            if len(self._parsed_assets) >= self.ASSETS_KEPT:
                self._parsed_assets.clear()
            parsed = self._parsed_assets[document] = Asset.model_validate_json(document)
        return parsed

    def new_pid(self) -> str:
        return f"urn:uuid:{uuid4()}"
