"""Tables of a node's daily operations (see 0005_operations): which company it runs, order timelines and plans,
the last schedule and forecast, quality measurements, monitor streams and alarms."""

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fabnet.store.tables import ID_LENGTH, Base

NODE_PROFILE_KEY = "node"
"""The one row of `node_profile`."""


class NodeProfileRow(Base):
    """The company this node runs, and the scenario and planning origin it came from."""

    __tablename__ = "node_profile"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    scenario: Mapped[str] = mapped_column(String(ID_LENGTH))
    origin: Mapped[datetime]
    updated_at: Mapped[datetime]


class OrderEventRow(Base):
    """One step in an order's timeline: a status it reached (or a note), when and by whom."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(ID_LENGTH))


class OrderPlanRow(Base):
    """The process plan of one order (its quantity), and the operations left for partners."""

    __tablename__ = "order_plans"

    order_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    planned_at: Mapped[datetime]
    document: Mapped[dict[str, Any]]
    """{"plan": ProcessPlan, "skipped": [{operation_id, feature, reason}]}"""


class ScheduleRunRow(Base):
    """The company's current schedule as solved: the problem and the solution (the domain Schedule keeps times)."""

    __tablename__ = "schedule_runs"

    company_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    solved_at: Mapped[datetime]
    problem: Mapped[dict[str, Any]]
    solution: Mapped[dict[str, Any]]
    warnings: Mapped[dict[str, Any]]
    """{"warnings": [...]}"""


class ForecastRow(Base):
    """The twin's last forecast of the company's current schedule."""

    __tablename__ = "twin_forecasts"

    company_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime]
    replications: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]]


class MeasurementRow(Base):
    """A measured quality characteristic, in arrival order per machine and characteristic."""

    __tablename__ = "quality_measurements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    machine_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    characteristic: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    part_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    value: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime]
    document: Mapped[dict[str, Any]]


class MonitorStreamRow(Base):
    """The live monitor's state of one (machine, characteristic) stream, so it resumes after a restart."""

    __tablename__ = "quality_streams"

    machine_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    characteristic: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    document: Mapped[dict[str, Any]]


class AlarmRow(Base):
    """An alarm the monitor raised on a measurement, with the actions it asked for."""

    __tablename__ = "quality_alarms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    measurement_id: Mapped[int] = mapped_column(Integer, index=True)
    machine_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    characteristic: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    part_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    rule: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    document: Mapped[dict[str, Any]]
