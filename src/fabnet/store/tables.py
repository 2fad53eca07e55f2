"""The declarative Base every fabnet table derives from, and the foundation tables of the domain records.

Each record is stored as typed, indexed columns for what is queried (ids, foreign ids, status, dates) plus
`document`, the full validated pydantic JSON from which the record is read back. Other modules add their
tables in their own modules under `fabnet.store` (found by `fabnet.store.schema.full_metadata`) with their own
Alembic migrations that revise "0001_foundation".
"""

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 120
"""The longest domain Identifier."""
KEY_LENGTH = 2 * ID_LENGTH + 1
"""A composite key "<company_id>/<design_id>"."""

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so that later migrations can name what they alter on every database."""

Document = JSON().with_variant(JSONB(), "postgresql")
"""The record's full JSON document: JSONB on PostgreSQL, JSON text on SQLite."""

Moment = DateTime(timezone=True)
"""A point in time; stored in UTC."""


class Base(DeclarativeBase):
    """The declarative base of all fabnet tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: Document, datetime: Moment}


metadata = Base.metadata


def _id(*, primary_key: bool = False, index: bool = False) -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), primary_key=primary_key, index=index)


def _reference(target: str) -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), ForeignKey(target), index=True)


class HubRow(Base):
    __tablename__ = "hubs"

    id: Mapped[str] = _id(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    region: Mapped[str] = mapped_column(Text, index=True)
    document: Mapped[dict[str, Any]]


class CompanyRow(Base):
    __tablename__ = "companies"

    id: Mapped[str] = _id(primary_key=True)
    hub_id: Mapped[str] = _reference("hubs.id")
    name: Mapped[str] = mapped_column(Text)
    kvk: Mapped[str] = mapped_column(String(8), index=True)
    vat_id: Mapped[str] = mapped_column(String(14), index=True)
    role: Mapped[str] = mapped_column(String(32), index=True)
    document: Mapped[dict[str, Any]]


class FieldlabRow(Base):
    __tablename__ = "fieldlabs"

    id: Mapped[str] = _id(primary_key=True)
    hub_id: Mapped[str] = _reference("hubs.id")
    name: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]]


class MachineRow(Base):
    __tablename__ = "machines"

    id: Mapped[str] = _id(primary_key=True)
    company_id: Mapped[str] = _reference("companies.id")
    name: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]]


class DesignRow(Base):
    __tablename__ = "designs"

    id: Mapped[str] = _id(primary_key=True)
    owner_id: Mapped[str] = _reference("companies.id")
    product_family: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    material: Mapped[str] = mapped_column(Text, index=True)
    document: Mapped[dict[str, Any]]


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("due > release", name="due_after_release"),
    )

    id: Mapped[str] = _id(primary_key=True)
    customer_id: Mapped[str] = _reference("companies.id")
    supplier_id: Mapped[str] = _reference("companies.id")
    design_id: Mapped[str] = _reference("designs.id")
    status: Mapped[str] = mapped_column(String(32), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    release: Mapped[datetime] = mapped_column(index=True)
    due: Mapped[datetime] = mapped_column(index=True)
    document: Mapped[dict[str, Any]]


# Plans, schedules and parts may refer to partners' designs and orders that this node does not hold,
# so their foreign ids are indexed but not constrained.


class ProcessPlanRow(Base):
    __tablename__ = "process_plans"
    __table_args__ = (UniqueConstraint("company_id", "design_id"),)

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    company_id: Mapped[str] = _id()  # the unique constraint's index serves lookups by company
    design_id: Mapped[str] = _id(index=True)
    document: Mapped[dict[str, Any]]


class ScheduleRow(Base):
    __tablename__ = "schedules"

    company_id: Mapped[str] = _id(primary_key=True)
    origin: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(32))
    document: Mapped[dict[str, Any]]


class PartRow(Base):
    __tablename__ = "parts"

    id: Mapped[str] = _id(primary_key=True)
    order_id: Mapped[str] = _id(index=True)
    design_id: Mapped[str] = _id(index=True)
    serial: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(32), index=True)
    document: Mapped[dict[str, Any]]
