"""Delivery policy of the outbox: at-least-once with exponential back-off and jitter, capped."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(milliseconds=200)
    factor: float = 2.0
    max_delay: timedelta = timedelta(seconds=30)
    max_attempts: int = 50

    def delay(self, attempts: int, jitter: float = 0.0) -> timedelta:
        """Wait after the `attempts`-th failed attempt; `jitter` in [0, 1) spreads retries of many messages."""
        seconds = self.first_delay.total_seconds() * self.factor ** max(attempts - 1, 0)
        seconds = min(seconds, self.max_delay.total_seconds())
        return timedelta(seconds=seconds * (1.0 + 0.25 * jitter))

    def next_attempt(self, attempts: int, now: datetime, jitter: float = 0.0) -> datetime | None:
        """When to try again, or None once the message is given up (it stays in the outbox as failed)."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delay(attempts, jitter)
