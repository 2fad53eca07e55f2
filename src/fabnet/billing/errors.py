"""Billing errors that name the offending field or key, so callers can print them as one line."""


class BillingError(ValueError):
    """Bad billing input; the message starts with the field or key it concerns."""


class IdempotencyConflict(BillingError):
    """The same idempotency key arrived again with different content."""

    def __init__(self, key: str, what: str = "event") -> None:
        super().__init__(f"idempotency_key: {what} {key!r} was already recorded with different content")
        self.key = key
