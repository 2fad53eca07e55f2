"""Pure data of the production network: companies, machines, designs, orders, plans, parts, invoices."""

from fabnet.domain.company import Address, Company, Fieldlab, Hub
from fabnet.domain.design import BomLine, BoundingBox, CadFile, Design, DesignKind, Features, Tolerance
from fabnet.domain.invoice import Invoice, InvoiceLine, VatCategory
from fabnet.domain.machine import (
    ChangeoverMatrix,
    ChangeoverRule,
    Machine,
    MachineSkill,
    Shift,
    ShiftCalendar,
    TimeWindow,
)
from fabnet.domain.order import Order, OrderStatus
from fabnet.domain.part import Measurement, Part, PartVerdict, RouteStep
from fabnet.domain.process import Operation, OperationMode, ProcessPlan
from fabnet.domain.region import RegionalNetwork
from fabnet.domain.schedule import Schedule, ScheduledOperation
from fabnet.domain.skills import SKILLS, SkillDefinition, register_skill, skill_definition

__all__ = [
    "SKILLS",
    "Address",
    "BomLine",
    "BoundingBox",
    "CadFile",
    "ChangeoverMatrix",
    "ChangeoverRule",
    "Company",
    "Design",
    "DesignKind",
    "Features",
    "Fieldlab",
    "Hub",
    "Invoice",
    "InvoiceLine",
    "Machine",
    "MachineSkill",
    "Measurement",
    "Operation",
    "OperationMode",
    "Order",
    "OrderStatus",
    "Part",
    "PartVerdict",
    "ProcessPlan",
    "RegionalNetwork",
    "RouteStep",
    "Schedule",
    "ScheduledOperation",
    "Shift",
    "ShiftCalendar",
    "SkillDefinition",
    "TimeWindow",
    "Tolerance",
    "VatCategory",
    "register_skill",
    "skill_definition",
]
