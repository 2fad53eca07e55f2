"""A regional network as one validated whole: hubs, fieldlabs, companies, machines, designs, orders."""

from datetime import datetime
from typing import Any, Self, TypeVar

from pydantic import AwareDatetime, Field, model_validator

from fabnet.domain.base import DomainModel, Identifier
from fabnet.domain.company import Company, Fieldlab, Hub
from fabnet.domain.design import Design
from fabnet.domain.machine import Machine
from fabnet.domain.order import Order


class RegionalNetwork(DomainModel):
    """Everything a scenario holds; references between records are checked on construction."""

    name: Identifier
    description: str = ""
    origin: AwareDatetime = Field(description="start of the planning horizon (a Monday 00:00)")
    hubs: tuple[Hub, ...] = ()
    fieldlabs: tuple[Fieldlab, ...] = ()
    companies: tuple[Company, ...] = ()
    machines: tuple[Machine, ...] = ()
    designs: tuple[Design, ...] = ()
    orders: tuple[Order, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        for kind in ("hubs", "fieldlabs", "companies", "machines", "designs", "orders"):
            ids = [record.id for record in getattr(self, kind)]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"{kind}: duplicate id {duplicates[0]!r}")
        hubs = {h.id for h in self.hubs}
        companies = {c.id for c in self.companies}
        designs = {d.id for d in self.designs}
        for company in self.companies:
            if company.hub_id not in hubs:
                raise ValueError(f"company {company.id!r}: unknown hub_id {company.hub_id!r}")
        for lab in self.fieldlabs:
            if lab.hub_id not in hubs:
                raise ValueError(f"fieldlab {lab.id!r}: unknown hub_id {lab.hub_id!r}")
        for machine in self.machines:
            if machine.company_id not in companies:
                raise ValueError(f"machine {machine.id!r}: unknown company_id {machine.company_id!r}")
        for design in self.designs:
            if design.owner_id not in companies:
                raise ValueError(f"design {design.id!r}: unknown owner_id {design.owner_id!r}")
            for line in design.bom:
                if line.design_id not in designs:
                    raise ValueError(f"design {design.id!r}: bom names unknown design {line.design_id!r}")
        for order in self.orders:
            for field in ("customer_id", "supplier_id"):
                if getattr(order, field) not in companies:
                    raise ValueError(f"order {order.id!r}: unknown {field} {getattr(order, field)!r}")
            if order.design_id not in designs:
                raise ValueError(f"order {order.id!r}: unknown design_id {order.design_id!r}")
        return self

    def company(self, company_id: str) -> Company:
        return _find(self.companies, company_id, "company")

    def machine(self, machine_id: str) -> Machine:
        return _find(self.machines, machine_id, "machine")

    def design(self, design_id: str) -> Design:
        return _find(self.designs, design_id, "design")

    def order(self, order_id: str) -> Order:
        return _find(self.orders, order_id, "order")

    def machines_of(self, company_id: str) -> list[Machine]:
        return [m for m in self.machines if m.company_id == company_id]

    def orders_for(self, supplier_id: str) -> list[Order]:
        return [o for o in self.orders if o.supplier_id == supplier_id]

    def minutes(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)


_Record = TypeVar("_Record", bound=Any)


def _find(records: tuple[_Record, ...], record_id: str, kind: str) -> _Record:
    for record in records:
        if record.id == record_id:
            return record
    known = ", ".join(r.id for r in records[:10])
    raise KeyError(f"unknown {kind} {record_id!r} (known: {known}{', …' if len(records) > 10 else ''})")
