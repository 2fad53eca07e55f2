"""Billing periods: a calendar month such as 2026-11, as a half-open UTC interval."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True, order=True)
class BillingPeriod:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "BillingPeriod":
        """`2026-11` → BillingPeriod(2026, 11); ValueError naming the expected form otherwise."""
        match = _MONTH.fullmatch(text.strip())
        if not match:
            raise ValueError(f"period must be YYYY-MM (e.g. 2026-11), got {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, moment: datetime | date) -> "BillingPeriod":
        return cls(moment.year, moment.month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """First instant after the period."""
        return datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=UTC)

    def contains(self, moment: datetime | date) -> bool:
        return (moment.year, moment.month) == (self.year, self.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
