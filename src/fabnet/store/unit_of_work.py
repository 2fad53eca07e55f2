"""One unit of work: the repositories of every record kind over one session, and atomic scenario import."""

from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from fabnet.domain import Company, Design, Fieldlab, Hub, Machine, Order, Part, ProcessPlan, RegionalNetwork, Schedule
from fabnet.domain.base import DomainModel
from fabnet.store.errors import StoreError
from fabnet.store.records import (
    COMPANIES,
    DESIGNS,
    FIELDLABS,
    HUBS,
    KIND_OF_MODEL,
    MACHINES,
    ORDERS,
    PARTS,
    PROCESS_PLANS,
    SCHEDULES,
)
from fabnet.store.repository import Repository

T = TypeVar("T", bound=DomainModel)


@dataclass(frozen=True)
class ImportCounts:
    """How many records of each kind an import wrote."""

    hubs: int
    fieldlabs: int
    companies: int
    machines: int
    designs: int
    orders: int

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


class UnitOfWork:
    """The repositories of one transaction; `session` is there for other modules' own tables."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.hubs: Repository[Hub] = Repository(session, HUBS)
        self.companies: Repository[Company] = Repository(session, COMPANIES)
        self.fieldlabs: Repository[Fieldlab] = Repository(session, FIELDLABS)
        self.machines: Repository[Machine] = Repository(session, MACHINES)
        self.designs: Repository[Design] = Repository(session, DESIGNS)
        self.orders: Repository[Order] = Repository(session, ORDERS)
        self.process_plans: Repository[ProcessPlan] = Repository(session, PROCESS_PLANS)
        self.schedules: Repository[Schedule] = Repository(session, SCHEDULES)
        self.parts: Repository[Part] = Repository(session, PARTS)
        self._by_model: dict[type[Any], Repository[Any]] = {
            repository.kind.model: repository
            for repository in (
                self.hubs,
                self.companies,
                self.fieldlabs,
                self.machines,
                self.designs,
                self.orders,
                self.process_plans,
                self.schedules,
                self.parts,
            )
        }

    def repository(self, model: type[T]) -> Repository[T]:
        """The repository that stores records of this domain type."""
        try:
            return self._by_model[model]
        except KeyError:
            known = ", ".join(sorted(kind.model.__name__ for kind in KIND_OF_MODEL.values()))
            raise TypeError(f"{model.__name__} records are not stored here (stored: {known})") from None

    def save(self, record: DomainModel) -> None:
        """Insert or replace a record in the repository of its type."""
        self.repository(type(record)).put(record)

    def import_network(self, network: RegionalNetwork) -> ImportCounts:
        """Write every record of a scenario (inserting or replacing), all or nothing.

        The import runs in a savepoint: if any record fails, none of them stays, even when the caller catches
        the StoreError and goes on with the rest of its unit of work.
        """
        groups = (
            (self.hubs, network.hubs),
            (self.companies, network.companies),
            (self.fieldlabs, network.fieldlabs),
            (self.machines, network.machines),
            (self.designs, network.designs),
            (self.orders, network.orders),
        )
        try:
            with self.session.begin_nested():
                for repository, records in groups:
                    for record in records:
                        repository.put(record)
        except StoreError as error:
            raise StoreError(f"import of network {network.name!r} failed, nothing was stored: {error}") from None
        return ImportCounts(
            hubs=len(network.hubs),
            fieldlabs=len(network.fieldlabs),
            companies=len(network.companies),
            machines=len(network.machines),
            designs=len(network.designs),
            orders=len(network.orders),
        )

