"""Xentral calls per minute for the last hour, kept in this process for the operator console.

Prometheus keeps the long history; this ring buffer answers "how close are we to Xentral's
budget right now" without a metrics server. It counts what this process sent: with several
instances sharing one budget (Redis limiter), each console shows its own instance's share.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MinuteCount", "MinuteCounter"]


@dataclass(frozen=True, slots=True)
class MinuteCount:
    minute: int  # minutes since the epoch (UTC)
    calls: int


class MinuteCounter:
    """Counts events per wall-clock minute in a fixed ring of `minutes` slots; O(1) per event."""

    def __init__(self, minutes: int = 60, clock: Callable[[], float] = time.time) -> None:
        if minutes < 1:
            raise ValueError("minutes must be >= 1")
        self._size = minutes
        self._clock = clock
        self._minutes = [-1] * minutes  # which minute each slot currently counts
        self._counts = [0] * minutes
        self._lock = threading.Lock()

    def add(self, count: int = 1) -> None:
        minute = int(self._clock() // 60)
        slot = minute % self._size
        with self._lock:
            if self._minutes[slot] != minute:
                self._minutes[slot] = minute
                self._counts[slot] = 0
            self._counts[slot] += count

    def last(self) -> list[MinuteCount]:
        """One entry per minute of the window, oldest first, ending with the current minute."""
        now = int(self._clock() // 60)
        with self._lock:
            return [MinuteCount(minute, self._count(minute)) for minute in range(now - self._size + 1, now + 1)]

    def _count(self, minute: int) -> int:
        slot = minute % self._size
        return self._counts[slot] if self._minutes[slot] == minute else 0
