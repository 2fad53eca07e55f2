"""Hot-path statements run straight on the DB-API cursor, compiled once per dialect by SQLAlchemy.

SQLAlchemy's per-execution machinery costs several times what SQLite itself spends on a small INSERT, and the
connector runs about ten statements per message. A `FastStatement` keeps what SQLAlchemy compiled — the SQL in
the driver's parameter style and every column type's bind and result processors, so values are stored and
read back exactly as through SQLAlchemy — and skips the rest. It runs inside the transaction of the
SQLAlchemy `Connection` it is given; driver errors come out as SQLAlchemy's `DBAPIError` subclasses.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.elements import BindParameter

Processor = Callable[[Any], Any] | None
_MISSING = object()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: bool
    binds: tuple[tuple[str, Any, Processor], ...]
    """(name, default or _MISSING, bind processor) in the order the driver wants them."""
    columns: tuple[tuple[str, Processor], ...]
    """(key, result processor) of the selected columns, for SELECTs."""

    def parameters(self, values: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        converted = []
        for name, default, process in self.binds:
            value = values.get(name, default)
            if value is _MISSING:
                raise KeyError(f"statement parameter {name!r} not given")
            converted.append(process(value) if process is not None and value is not None else value)
        if self.positional:
            return converted
        return {name: value for (name, _, _), value in zip(self.binds, converted, strict=True)}


class FastStatement:
    """A Core statement executed with the driver directly; `column_keys` names an INSERT's columns."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
        by_name: dict[str, BindParameter] = {name: bind for bind, name in compiled.bind_names.items()}
        positional = bool(compiled.positional)
        names = list(compiled.positiontup) if positional else list(dict.fromkeys(compiled.bind_names.values()))
        binds = []
        for name in names:
            bind = by_name[name]
            # a bindparam() without a value is required; literals SQLAlchemy bound itself carry their value
            default = _MISSING if bind.required else bind.value
            binds.append((name, default, bind.type._cached_bind_processor(dialect)))
        columns: tuple[tuple[str, Processor], ...] = ()
        selected = getattr(self.statement, "selected_columns", None)
        if selected is not None:
            columns = tuple((column.key, column.type._cached_result_processor(dialect, None)) for column in selected)
        return _Compiled(compiled.string, positional, tuple(binds), columns)

    def execute(self, connection: Connection, values: dict[str, Any] | None = None) -> Any:
        """Run the statement in `connection`'s transaction; the driver's cursor."""
        compiled = self._compiled(connection.dialect)
        parameters = compiled.parameters(values or {})
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, parameters)
        except connection.dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(compiled.sql, parameters, error, connection.dialect.loaded_dbapi.Error) from error
        return cursor

    def first(self, connection: Connection, values: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The first row of a SELECT as {column key: value}, or None."""
        cursor = self.execute(connection, values)
        row = cursor.fetchone()
        cursor.close()
        if row is None:
            return None
        columns = self._compiled(connection.dialect).columns
        return {key: process(value) if process is not None else value
                for (key, process), value in zip(columns, row, strict=True)}

    def all(self, connection: Connection, values: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Every row of a SELECT as a tuple of its columns' values (in the order selected)."""
        cursor = self.execute(connection, values)
        rows = cursor.fetchall()
        cursor.close()
        columns = self._compiled(connection.dialect).columns
        if all(process is None for _, process in columns):
            return rows
        return [tuple(process(value) if process is not None else value
                      for (_, process), value in zip(columns, row, strict=True)) for row in rows]
