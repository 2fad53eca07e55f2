"""The API's hot reads (what dashboards poll) as statements compiled once and run on the driver's cursor.

Each read runs in one short read transaction on a plain connection: no ORM session, no per-call statement
building or cache-key generation. Stored JSON documents go straight to pydantic's JSON parser where the driver
hands back text (SQLite); PostgreSQL's driver hands back parsed values, which are validated as they are.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection, Integer, Select, Text, bindparam, func, insert, select, type_coerce, update
from sqlalchemy.exc import DBAPIError

from fabnet.store import Store
from fabnet.store.billing_tables import InvoiceRow
from fabnet.store.engine import SQLITE_BEGIN_OPTION
from fabnet.store.errors import statement_error
from fabnet.store.fast_statements import FastStatement
from fabnet.store.operations_tables import (
    AlarmRow,
    ForecastRow,
    MeasurementRow,
    MonitorStreamRow,
    OrderEventRow,
    ScheduleRunRow,
)
from fabnet.store.tables import CompanyRow, DesignRow, MachineRow, OrderRow, PartRow

M = TypeVar("M", bound=BaseModel)

ORDERS = OrderRow.__table__
MACHINES = MachineRow.__table__
EVENTS = OrderEventRow.__table__
INVOICES = InvoiceRow.__table__
ALARMS = AlarmRow.__table__
FORECASTS = ForecastRow.__table__
SCHEDULE_RUNS = ScheduleRunRow.__table__
COMPANIES = CompanyRow.__table__
DESIGNS = DesignRow.__table__
PARTS = PartRow.__table__
MEASUREMENTS = MeasurementRow.__table__
STREAMS = MonitorStreamRow.__table__


def document_text(table: Any) -> Any:
    """A table's JSON `document` column as the driver gives it (text on SQLite), not decoded by SQLAlchemy."""
    return type_coerce(table.c.document, Text)


PARSED_DOCUMENTS = 4096
"""How many parsed documents are kept: more than a node's machines, designs and open orders together."""


@lru_cache(maxsize=PARSED_DOCUMENTS)
def _parsed(model: type[BaseModel], text: str) -> BaseModel:
    return model.model_validate_json(text)


def load(model: type[M], document: Any) -> M:
    """A model from a stored document. JSON text is parsed once per distinct content (the text is the cache key,
    so a changed record is parsed again); the models are immutable in use — handlers only read them."""
    if isinstance(document, str):
        return _parsed(model, document)  # type: ignore[return-value]
    if isinstance(document, bytes):
        return model.model_validate_json(document)
    return model.model_validate(document)


@contextmanager
def reading(store: Store) -> Iterator[Connection]:
    """One read transaction; database failures come out as the store's one-line StoreError."""
    try:
        with store.engine.begin() as connection:
            yield connection
    except DBAPIError as error:
        raise statement_error(store.engine.url, error) from error


@contextmanager
def writing(store: Store) -> Iterator[Connection]:
    """One write transaction. On SQLite it takes the write lock at BEGIN (BEGIN IMMEDIATE), so that it waits its
    turn behind another writer (busy_timeout) instead of failing when a read would have to become a write."""
    try:
        with store.engine.connect() as connection:
            connection.execution_options(**{SQLITE_BEGIN_OPTION: "BEGIN IMMEDIATE"})
            with connection.begin():
                yield connection
    except DBAPIError as error:
        raise statement_error(store.engine.url, error) from error


def _paged(query: Select) -> FastStatement:
    return FastStatement(query.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


ORDER = FastStatement(select(document_text(ORDERS)).where(ORDERS.c.id == bindparam("id"),
                                                          ORDERS.c.supplier_id == bindparam("own")))
TIMELINE = FastStatement(select(EVENTS.c.at, EVENTS.c.status, EVENTS.c.note, EVENTS.c.actor)
                         .where(EVENTS.c.order_id == bindparam("id")).order_by(EVENTS.c.id))
INVOICE_OF_ORDER = FastStatement(select(INVOICES.c.id).where(INVOICES.c.order_id == bindparam("id"),
                                                             INVOICES.c.kind == "invoice").limit(1))
ORDER_PAGE = _paged(select(document_text(ORDERS)).where(ORDERS.c.supplier_id == bindparam("own"))
                    .order_by(ORDERS.c.id))
ORDER_COUNT = FastStatement(select(func.count()).select_from(ORDERS).where(ORDERS.c.supplier_id == bindparam("own")))
ORDER_PAGE_WITH_STATUS = _paged(select(document_text(ORDERS)).where(
    ORDERS.c.supplier_id == bindparam("own"), ORDERS.c.status == bindparam("status")).order_by(ORDERS.c.id))
ORDER_COUNT_WITH_STATUS = FastStatement(select(func.count()).select_from(ORDERS).where(
    ORDERS.c.supplier_id == bindparam("own"), ORDERS.c.status == bindparam("status")))
MACHINE_PAGE = _paged(select(document_text(MACHINES)).where(MACHINES.c.company_id == bindparam("own"))
                      .order_by(MACHINES.c.id))
MACHINE_COUNT = FastStatement(select(func.count()).select_from(MACHINES)
                              .where(MACHINES.c.company_id == bindparam("own")))
ALARM_COLUMNS = (ALARMS.c.id, ALARMS.c.machine_id, ALARMS.c.characteristic, ALARMS.c.part_id, ALARMS.c.rule,
                 ALARMS.c.at, ALARMS.c.document)
ALARM_PAGE = _paged(select(*ALARM_COLUMNS).order_by(ALARMS.c.id.desc()))
ALARM_COUNT = FastStatement(select(func.count()).select_from(ALARMS))
FORECAST = FastStatement(select(document_text(FORECASTS)).where(FORECASTS.c.company_id == bindparam("own")))
SCHEDULE_SOLVED_AT = FastStatement(select(SCHEDULE_RUNS.c.solved_at)
                                   .where(SCHEDULE_RUNS.c.company_id == bindparam("own")))
COMPANY_WITH_COUNTS = FastStatement(select(
    document_text(COMPANIES),
    select(func.count()).select_from(MACHINES).where(MACHINES.c.company_id == bindparam("own")).scalar_subquery(),
    select(func.count()).select_from(DESIGNS).scalar_subquery(),
    select(func.count()).select_from(ORDERS).where(ORDERS.c.supplier_id == bindparam("own")).scalar_subquery(),
    select(func.count()).select_from(PARTS).scalar_subquery(),
).where(COMPANIES.c.id == bindparam("own")))


def order_page(connection: Connection, own: str, status: str | None, limit: int,
               offset: int) -> tuple[list[Any], int]:
    """One page of the company's order documents (optionally of one status) and how many there are in all."""
    values = {"own": own, "status": status, "limit": limit, "offset": offset}
    if status is None:
        return [r[0] for r in ORDER_PAGE.all(connection, values)], ORDER_COUNT.all(connection, values)[0][0]
    return ([r[0] for r in ORDER_PAGE_WITH_STATUS.all(connection, values)],
            ORDER_COUNT_WITH_STATUS.all(connection, values)[0][0])


def machine_page(connection: Connection, own: str, limit: int, offset: int) -> tuple[list[Any], int]:
    values = {"own": own, "limit": limit, "offset": offset}
    return [r[0] for r in MACHINE_PAGE.all(connection, values)], MACHINE_COUNT.all(connection, values)[0][0]


def solved_at(connection: Connection, own: str) -> datetime | None:
    row = SCHEDULE_SOLVED_AT.first(connection, {"own": own})
    return None if row is None else row["solved_at"]

ORDER_CHECKS = FastStatement(select(
    select(COMPANIES.c.id).where(COMPANIES.c.id == bindparam("customer")).exists(),
    select(DESIGNS.c.id).where(DESIGNS.c.id == bindparam("design")).exists(),
    select(ORDERS.c.id).where(ORDERS.c.id == bindparam("id")).exists(),
))
"""Whether an order's customer and design are stored, and whether its id is taken."""
INSERT_ORDER = FastStatement(insert(ORDERS), [column.key for column in ORDERS.c])
INSERT_EVENT = FastStatement(insert(EVENTS), ["order_id", "at", "status", "note", "actor"])


def run(statement: FastStatement, connection: Connection, values: dict[str, Any]) -> None:
    """Run a statement that returns no rows."""
    statement.execute(connection, values).close()

MACHINE_IDS = FastStatement(select(MACHINES.c.id).where(MACHINES.c.company_id == bindparam("own")))
STREAM_STATE = FastStatement(select(STREAMS.c.document).where(STREAMS.c.machine_id == bindparam("machine"),
                                                              STREAMS.c.characteristic == bindparam("characteristic")))
INSERT_STREAM = FastStatement(insert(STREAMS), ["machine_id", "characteristic", "document"])
UPDATE_STREAM = FastStatement(update(STREAMS).where(STREAMS.c.machine_id == bindparam("machine"),
                                                    STREAMS.c.characteristic == bindparam("characteristic"))
                              .values(document=bindparam("document")))
INSERT_MEASUREMENT = FastStatement(insert(MEASUREMENTS).returning(MEASUREMENTS.c.id),
                                   ["machine_id", "characteristic", "part_id", "value", "at", "document"])
INSERT_ALARM = FastStatement(insert(ALARMS).returning(ALARMS.c.id),
                             ["measurement_id", "machine_id", "characteristic", "part_id", "rule", "at", "document"])
