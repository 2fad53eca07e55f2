"""Invoice skeleton: lines with Decimal money and VAT categories (billing fills in the rest)."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from fabnet.domain.base import DomainModel, Identifier


class VatCategory(StrEnum):
    """UNCL5305 VAT category codes used in Peppol BIS 3."""

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_EU = "K"


class InvoiceLine(DomainModel):
    description: str = Field(min_length=1)
    quantity: Decimal = Field(gt=0)
    unit_code: str = Field(default="C62", description="UN/ECE rec 20 unit code")
    unit_price: Decimal = Field(ge=0)
    vat_category: VatCategory = VatCategory.STANDARD
    vat_rate: Decimal = Field(default=Decimal("21"), ge=0, le=100)


class Invoice(DomainModel):
    id: Identifier
    seller_id: Identifier
    buyer_id: Identifier
    issue_date: date
    due_date: date
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    order_id: Identifier | None = None
    lines: tuple[InvoiceLine, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _due_not_before_issue(self) -> Self:
        if self.due_date < self.issue_date:
            raise ValueError(f"due_date {self.due_date} is before issue_date {self.issue_date}")
        return self
