"""Repository[T]: add, put (upsert), get, find, list, delete and count the records of one domain type."""

from __future__ import annotations  # the method `list` would shadow the builtin in later annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fabnet.domain.base import DomainModel
from fabnet.store.errors import StoreError, driver_reason
from fabnet.store.records import RecordKind

T = TypeVar("T", bound=DomainModel)

_UPSERT_DIALECTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Repository(Generic[T]):
    """The stored records of one kind, inside one unit of work (nothing is committed here)."""

    def __init__(self, session: Session, kind: RecordKind[T]) -> None:
        self._session = session
        self.kind = kind
        self._table = kind.row.__table__
        self._key = self._table.c[kind.key_column]

    def add(self, record: T) -> None:
        """Insert a new record; StoreError naming kind and id if one with its key exists."""
        values = self._checked_values(record)
        if self._exists(values[self.kind.key_column]):
            raise StoreError(f"{self.kind.name} {values[self.kind.key_column]!r} already exists")
        self._write(self._table.insert().values(values), values)

    def put(self, record: T) -> None:
        """Insert the record, or replace the stored one with the same key."""
        values = self._checked_values(record)
        insert = _UPSERT_DIALECTS[self._dialect()](self._table).values(values)
        changed = {name: insert.excluded[name] for name in values if name != self.kind.key_column}
        self._write(insert.on_conflict_do_update(index_elements=[self._key], set_=changed), values)

    def get(self, key: str) -> T:
        """The record with this key; KeyError naming kind and key if there is none."""
        record = self.find(key)
        if record is None:
            raise KeyError(f"no {self.kind.name} with id {key!r} is stored")
        return record

    def find(self, key: str) -> T | None:
        """The record with this key, or None."""
        document = self._session.execute(select(self._table.c.document).where(self._key == key)).scalar_one_or_none()
        return None if document is None else self.kind.load(document)

    def list(self, **equal_to: Any) -> list[T]:
        """All records in key order, optionally those whose indexed columns equal the given values,
        e.g. `orders.list(supplier_id="acme", status=OrderStatus.SCHEDULED)`."""
        query = select(self._table.c.document).where(*self._conditions(equal_to)).order_by(self._key)
        return [self.kind.load(document) for document in self._session.execute(query).scalars()]

    def keys(self) -> list[str]:
        """The keys of all stored records, sorted."""
        return list(self._session.execute(select(self._key).order_by(self._key)).scalars())

    def delete(self, key: str) -> None:
        """Remove the record; KeyError if there is none, StoreError if other records still refer to it."""
        if not self._exists(key):
            raise KeyError(f"no {self.kind.name} with id {key!r} is stored")
        try:
            # a savepoint, so that a refused delete leaves the rest of the unit of work usable
            with self._session.begin_nested():
                self._session.execute(delete(self._table).where(self._key == key))
        except IntegrityError as error:
            raise StoreError(
                f"cannot delete {self.kind.name} {key!r}: other records still refer to it ({driver_reason(error)})"
            ) from None

    def count(self, **equal_to: Any) -> int:
        """How many records are stored (optionally: with these column values)."""
        query = select(func.count()).select_from(self._table).where(*self._conditions(equal_to))
        return int(self._session.execute(query).scalar_one())

    def _checked_values(self, record: T) -> dict[str, Any]:
        if not isinstance(record, self.kind.model):
            raise TypeError(f"the {self.kind.name} repository stores {self.kind.model.__name__}, not {type(record)}")
        values = self.kind.values(record)
        for reference in self.kind.references:
            target = reference.target
            wanted = values[reference.column]
            found = self._session.execute(
                select(func.count()).select_from(target.row).where(target.row.__table__.c[target.key_column] == wanted)
            ).scalar_one()
            if not found:
                raise StoreError(
                    f"{self.kind.name} {values[self.kind.key_column]!r}: {reference.column} {wanted!r} "
                    f"names no stored {target.name}"
                )
        return values

    def _exists(self, key: str) -> bool:
        return self._session.execute(select(self._key).where(self._key == key)).first() is not None

    def _write(self, statement: Any, values: dict[str, Any]) -> None:
        try:
            self._session.execute(statement)
        except IntegrityError as error:
            key = values[self.kind.key_column]
            raise StoreError(f"cannot store {self.kind.name} {key!r}: {driver_reason(error)}") from None

    def _conditions(self, equal_to: dict[str, Any]) -> list[ColumnElement[bool]]:
        columns = self._table.c
        unknown = sorted(name for name in equal_to if name not in columns or name == "document")
        if unknown:
            usable = ", ".join(column.name for column in columns if column.name != "document")
            raise ValueError(f"{self.kind.name} records cannot be filtered by {unknown[0]!r} (use one of: {usable})")
        return [columns[name] == value for name, value in equal_to.items()]

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name
