"""Customer orders: a design, a quantity, a due date, and where the order is in its life."""

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from fabnet.domain.base import DomainModel, Identifier


class OrderStatus(StrEnum):
    RECEIVED = "received"
    PLANNED = "planned"
    ALLOCATED = "allocated"
    SCHEDULED = "scheduled"
    IN_PRODUCTION = "in_production"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class Order(DomainModel):
    """An order from a customer to a supplier for a quantity of one design."""

    id: Identifier
    customer_id: Identifier
    supplier_id: Identifier
    design_id: Identifier
    quantity: int = Field(gt=0, le=1_000_000)
    release: AwareDatetime
    due: AwareDatetime
    weight: int = Field(default=1, ge=1, le=100, description="tardiness weight (priority)")
    status: OrderStatus = OrderStatus.RECEIVED
    customer_reference: str = ""

    @model_validator(mode="after")
    def _due_after_release(self) -> Self:
        if self.due <= self.release:
            raise ValueError(f"due {self.due.isoformat()} must be after release {self.release.isoformat()}")
        return self

    def minutes_from(self, origin: datetime) -> tuple[int, int]:
        """Release and due as whole minutes from a planning origin."""
        return (
            int((self.release - origin).total_seconds() // 60),
            int((self.due - origin).total_seconds() // 60),
        )
