"""How each domain record maps to its table: its kind name, key, typed columns and the references it holds."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from fabnet.domain import Company, Design, Fieldlab, Hub, Machine, Order, Part, ProcessPlan, Schedule
from fabnet.domain.base import DomainModel
from fabnet.store.tables import (
    Base,
    CompanyRow,
    DesignRow,
    FieldlabRow,
    HubRow,
    MachineRow,
    OrderRow,
    PartRow,
    ProcessPlanRow,
    ScheduleRow,
)


@dataclass(frozen=True)
class Reference:
    """A column of a record that names another stored record, e.g. an order's `design_id`."""

    column: str
    target: "RecordKind[Any]"


T = TypeVar("T", bound=DomainModel)


@dataclass(frozen=True)
class RecordKind(Generic[T]):
    """One domain type stored in one table."""

    name: str
    """singular, as used in messages: "company"."""
    model: type[T]
    row: type[Base]
    key_column: str
    key: Callable[[T], str]
    columns: Callable[[T], Mapping[str, Any]]
    """The typed columns besides the key and the document."""
    references: tuple[Reference, ...] = ()

    def values(self, record: T) -> dict[str, Any]:
        """The row to write for a record: key, typed columns and the full JSON document."""
        document = record.model_dump(mode="json", exclude_computed_fields=True)
        return {self.key_column: self.key(record), **self.columns(record), "document": document}

    def load(self, document: Mapping[str, Any]) -> T:
        """The domain record back from its stored document, validated again."""
        return self.model.model_validate(document)


def process_plan_key(company_id: str, design_id: str) -> str:
    """The key of a company's process plan for a design."""
    return f"{company_id}/{design_id}"


def _utc(moment: datetime) -> datetime:
    # typed date columns hold UTC so that they sort and compare alike on SQLite (which drops the offset)
    return moment.astimezone(UTC)


HUBS = RecordKind[Hub](
    "hub", Hub, HubRow, "id", lambda h: h.id, lambda h: {"name": h.name, "region": h.region}
)
COMPANIES = RecordKind[Company](
    "company",
    Company,
    CompanyRow,
    "id",
    lambda c: c.id,
    lambda c: {"hub_id": c.hub_id, "name": c.name, "kvk": c.kvk, "vat_id": c.vat_id, "role": c.role},
    (Reference("hub_id", HUBS),),
)
FIELDLABS = RecordKind[Fieldlab](
    "fieldlab",
    Fieldlab,
    FieldlabRow,
    "id",
    lambda f: f.id,
    lambda f: {"hub_id": f.hub_id, "name": f.name},
    (Reference("hub_id", HUBS),),
)
MACHINES = RecordKind[Machine](
    "machine",
    Machine,
    MachineRow,
    "id",
    lambda m: m.id,
    lambda m: {"company_id": m.company_id, "name": m.name},
    (Reference("company_id", COMPANIES),),
)
DESIGNS = RecordKind[Design](
    "design",
    Design,
    DesignRow,
    "id",
    lambda d: d.id,
    lambda d: {
        "owner_id": d.owner_id,
        "product_family": d.product_family,
        "kind": d.kind.value,
        "material": d.material,
    },
    (Reference("owner_id", COMPANIES),),
)
ORDERS = RecordKind[Order](
    "order",
    Order,
    OrderRow,
    "id",
    lambda o: o.id,
    lambda o: {
        "customer_id": o.customer_id,
        "supplier_id": o.supplier_id,
        "design_id": o.design_id,
        "status": o.status.value,
        "quantity": o.quantity,
        "release": _utc(o.release),
        "due": _utc(o.due),
    },
    (Reference("customer_id", COMPANIES), Reference("supplier_id", COMPANIES), Reference("design_id", DESIGNS)),
)
PROCESS_PLANS = RecordKind[ProcessPlan](
    "process plan",
    ProcessPlan,
    ProcessPlanRow,
    "key",
    lambda p: process_plan_key(p.company_id, p.design_id),
    lambda p: {"company_id": p.company_id, "design_id": p.design_id},
)
SCHEDULES = RecordKind[Schedule](
    "schedule",
    Schedule,
    ScheduleRow,
    "company_id",
    lambda s: s.company_id,
    lambda s: {"origin": _utc(s.origin), "status": s.status},
)
PARTS = RecordKind[Part](
    "part",
    Part,
    PartRow,
    "id",
    lambda p: p.id,
    lambda p: {"order_id": p.order_id, "design_id": p.design_id, "serial": p.serial, "verdict": p.verdict.value},
)

ALL_KINDS: tuple[RecordKind[Any], ...] = (
    HUBS, COMPANIES, FIELDLABS, MACHINES, DESIGNS, ORDERS, PROCESS_PLANS, SCHEDULES, PARTS
)
"""Every stored kind, referenced kinds before the kinds that refer to them."""

KIND_OF_MODEL: dict[type[DomainModel], RecordKind[Any]] = {kind.model: kind for kind in ALL_KINDS}
