"""When to try again: a fixed, configurable list of delays, each spread by a little jitter.

Jitter keeps a receiver that comes back after an outage from being hit by every queued
delivery in the same second. The list itself grows roughly exponentially (10 s … 12 h).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

Random = Callable[[], float]


class RetrySchedule:
    def __init__(self, delays_seconds: Sequence[float], jitter: float = 0.1, rng: Random = random.random) -> None:
        if not delays_seconds:
            raise ValueError("a retry schedule needs at least one delay")
        if not 0 <= jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        self._delays = tuple(float(delay) for delay in delays_seconds)
        self._jitter = jitter
        self._rng = rng

    @property
    def max_attempts(self) -> int:
        """The first attempt plus one retry per delay."""
        return len(self._delays) + 1

    def bounds(self, failed_attempts: int) -> tuple[float, float]:
        """The shortest and longest delay after the `failed_attempts`-th failure."""
        base = self._delays[failed_attempts - 1]
        return base * (1 - self._jitter), base * (1 + self._jitter)

    def delay_after(self, failed_attempts: int) -> dt.timedelta | None:
        """How long to wait after this many failed attempts; None when none are left."""
        if failed_attempts < 1:
            raise ValueError("failed_attempts counts from 1")
        if failed_attempts >= self.max_attempts:
            return None
        low, high = self.bounds(failed_attempts)
        return dt.timedelta(seconds=low + (high - low) * self._rng())
