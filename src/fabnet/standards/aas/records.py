"""The kinds of domain record fabnet writes as AAS shells, and the key that names each record."""

from enum import StrEnum

from fabnet.domain import Company, Design, Machine, Order, Part, ProcessPlan

DomainRecord = Company | Machine | Design | Order | ProcessPlan | Part
"""A record that has its own shell in fabnet's AAS documents."""


class RecordKind(StrEnum):
    COMPANY = "company"
    MACHINE = "machine"
    DESIGN = "design"
    ORDER = "order"
    PLAN = "plan"
    PART = "part"


_KINDS: dict[type, RecordKind] = {
    Company: RecordKind.COMPANY,
    Machine: RecordKind.MACHINE,
    Design: RecordKind.DESIGN,
    Order: RecordKind.ORDER,
    ProcessPlan: RecordKind.PLAN,
    Part: RecordKind.PART,
}


def kind_of(record: DomainRecord) -> RecordKind:
    try:
        return _KINDS[type(record)]
    except KeyError:
        raise TypeError(f"no AAS mapping for a {type(record).__name__}") from None


def record_key(record: DomainRecord) -> str:
    """The record's id; a process plan, which has none, is named by its company and design."""
    if isinstance(record, ProcessPlan):
        return f"{record.company_id}/{record.design_id}"
    return record.id
