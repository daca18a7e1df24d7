"""Fixed-window rate limiting per client IP with Xentral's headers (docs/xentral.md#rate-limit)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # Unix timestamp when the window ends
    retry_after: int  # whole seconds until then (at least 1)

    def headers(self) -> dict[str, str]:
        """X-RateLimit-Limit/Remaining always; Retry-After and X-RateLimit-Reset only on a 429."""
        result = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining)}
        if not self.allowed:
            result["Retry-After"] = str(self.retry_after)
            result["X-RateLimit-Reset"] = str(math.ceil(self.reset_at))
        return result


class FixedWindowLimiter:
    """A window opens with a key's first request and lasts `window` seconds, then the count starts over.

    `clock` is monotonic; `wall` only turns the window end into the Unix timestamp of X-RateLimit-Reset.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> Decision:
        with self._lock:
            now = self._clock()
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            allowed = count < self.limit
            if allowed:
                count += 1
            self._windows[key] = (start, count)
        left = max(0.0, start + self.window - now)
        return Decision(
            allowed=allowed,
            limit=self.limit,
            remaining=self.limit - count,
            reset_at=self._wall() + left,
            retry_after=max(1, math.ceil(left)),
        )

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
