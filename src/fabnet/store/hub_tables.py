"""The hub's tables: the membership credentials it issued, members' capability listings, reported order flows and
members' KPI reports."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fabnet.store.tables import ID_LENGTH, Base

MEMBER_ID_LENGTH = 200
MONEY = Numeric(18, 2)


class HubMemberRow(Base):
    """A member the hub onboarded: its signed membership credential (JWT) and whether it is revoked."""

    __tablename__ = "hub_members"

    member_id: Mapped[str] = mapped_column(String(MEMBER_ID_LENGTH), primary_key=True)
    credential: Mapped[str] = mapped_column(Text)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime]


class HubListingRow(Base):
    """A member's published capability listing (`fabnet.network.catalog.MemberListing` JSON), one per company."""

    __tablename__ = "hub_listings"

    company_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kvk: Mapped[str] = mapped_column(String(8), unique=True)
    member_id: Mapped[str | None] = mapped_column(String(MEMBER_ID_LENGTH), index=True)
    document: Mapped[dict[str, Any]]
    published_at: Mapped[datetime]


class HubFlowRow(Base):
    """One order that went from a customer member to a supplier member, as a node reported it."""

    __tablename__ = "hub_flows"

    from_member: Mapped[str] = mapped_column(String(MEMBER_ID_LENGTH), primary_key=True)
    to_member: Mapped[str] = mapped_column(String(MEMBER_ID_LENGTH), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    value_eur: Mapped[Decimal] = mapped_column(MONEY)
    quantity: Mapped[int] = mapped_column(Integer)
    ordered_on: Mapped[date] = mapped_column(Date, index=True)
    parent_order_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    reported_by: Mapped[str] = mapped_column(String(MEMBER_ID_LENGTH))
    reported_at: Mapped[datetime]


class HubKpiReportRow(Base):
    """A member's KPI report of one period (`fabnet.network.kpi_reports.KpiReport` JSON); a newer one replaces it."""

    __tablename__ = "hub_kpi_reports"

    member_id: Mapped[str] = mapped_column(String(MEMBER_ID_LENGTH), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date, index=True)
    last_day: Mapped[date] = mapped_column(Date)
    generated_at: Mapped[datetime]
    received_at: Mapped[datetime]
    document: Mapped[dict[str, Any]]
