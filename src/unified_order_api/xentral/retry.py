"""When the Xentral client tries a request again, and how long it waits first.

The rule that matters: a write is retried only when Xentral surely did not act on it —
the connection was never made (`XentralConnectError`) or Xentral refused it with 429.
After a timeout, a dropped connection or a 5xx the write may have landed; the order
service reconciles those by looking the order up, so the client must not send it twice.
Reads are retried on all of these. What we assume about Xentral here:
docs/xentral.md#retries-and-lost-answers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from .errors import (
    XentralConnectError,
    XentralError,
    XentralServerError,
    XentralTooManyRequests,
    XentralTransportError,
)

__all__ = ["NO_RETRY", "RETRYABLE_STATUSES", "RetryPolicy"]

RETRYABLE_STATUSES: Final = frozenset({502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Jittered exponential backoff within a per-request wait budget.

    `wait_budget` bounds the time one client call may spend waiting — for a rate-limit
    slot and between attempts — measured from its start; the attempts' own HTTP time is
    bounded by the client's timeouts. `max_attempts` counts the first try.
    """

    max_attempts: int = 4
    wait_budget: float = 10.0
    base_delay: float = 0.25
    max_delay: float = 4.0
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.wait_budget < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("budgets and delays must not be negative")

    def retryable(self, error: XentralError, *, is_write: bool) -> bool:
        """Whether another attempt is safe and may help."""
        if isinstance(error, XentralTooManyRequests | XentralConnectError):
            return True  # not processed by Xentral / never sent: safe for writes too
        if is_write:
            return False  # it may have landed: the service reconciles
        if isinstance(error, XentralServerError):
            return error.status_code in RETRYABLE_STATUSES
        return isinstance(error, XentralTransportError)

    def delay(self, error: XentralError, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1 = the first try).

        A 429's `Retry-After` (or `X-RateLimit-Reset`) is honoured as given; otherwise the
        backoff doubles from `base_delay` up to `max_delay`, with "equal jitter" (half fixed,
        half random) so clients that failed together do not come back together.
        """
        if isinstance(error, XentralTooManyRequests) and error.retry_after is not None:
            return error.retry_after
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return backoff / 2 + self.random() * backoff / 2

    def next_delay(self, error: XentralError, *, attempt: int, is_write: bool) -> float | None:
        """The wait before the next attempt, or None when `error` is final."""
        if attempt >= self.max_attempts or not self.retryable(error, is_write=is_write):
            return None
        return self.delay(error, attempt)


NO_RETRY: Final = RetryPolicy(max_attempts=1)
"""One attempt: the client's default, so tests of a single exchange stay single."""
