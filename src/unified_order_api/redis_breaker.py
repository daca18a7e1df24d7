"""One view of whether Redis answers, shared by the rate limiter and the caches.

Redis helps (one rate-limit window and one cache for all instances) but an order must never
wait on it. Every operation is bounded by a short timeout; the first failure opens the
breaker and nobody calls Redis for `cooldown` seconds: the limiter paces this process alone
at a safe share of the budget and the caches are skipped. After the cool-down one caller
probes Redis; when it answers, the breaker closes and everything uses Redis again.
A hanging Redis (SIGSTOP, a full network buffer) therefore costs one timeout per cool-down,
not one per call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

__all__ = ["RedisBreaker", "RedisUnavailable", "SharedRedis", "redis_client"]

log = structlog.get_logger(__name__)

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis failed, timed out, or the breaker is open: use the fallback."""


class RedisBreaker:
    def __init__(
        self,
        *,
        timeout_seconds: float = 0.5,
        cooldown_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._on_change = on_change
        self._open_until: float | None = None
        self._probing = False
        self.last_error: str | None = None
        self.last_error_kind: str | None = None

    @property
    def available(self) -> bool:
        """False from the first failure until a probe succeeds."""
        return self._open_until is None

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run one Redis operation, or raise `RedisUnavailable` (at once while the breaker is open)."""
        probe = False
        if self._open_until is not None:
            if self._clock() < self._open_until or self._probing:
                raise RedisUnavailable(self.last_error or "Redis is unavailable")
            self._probing = probe = True
        try:
            result = await asyncio.wait_for(operation(), self.timeout_seconds)
        except (RedisError, OSError, TimeoutError) as error:
            self._trip(error)
            raise RedisUnavailable(self.last_error or "Redis is unavailable") from error
        finally:
            if probe:
                self._probing = False
        if self._open_until is not None:
            self._open_until = None
            self.last_error = self.last_error_kind = None
            log.warning("redis.available_again")
            if self._on_change is not None:
                self._on_change(True)
        return result

    def _trip(self, error: BaseException) -> None:
        was_available = self._open_until is None
        self._open_until = self._clock() + self._cooldown
        self.last_error_kind = type(error).__name__
        self.last_error = f"{type(error).__name__}: {error}"[:200] if str(error) else type(error).__name__
        if was_available:
            log.warning("redis.unavailable", error=self.last_error, retry_in_seconds=self._cooldown)
            if self._on_change is not None:
                self._on_change(False)


MAX_CONNECTIONS = 100
"""Connections one process opens to Redis at most (redis-py's default); more operations at once wait for one."""


def redis_client(url: str, timeout_seconds: float, max_connections: int = MAX_CONNECTIONS) -> Redis:
    """A client whose every socket wait is bounded and that does not retry on its own: the
    breaker decides what happens after a failure (redis-py's defaults are 5 s and 3 retries).

    Its pool makes an operation beyond `max_connections` wait for a free connection (within the same
    timeout) instead of failing at once: redis-py's default pool raised `MaxConnectionsError` when a
    burst of queued orders woke together, the breaker took that for Redis failing, and the rate limiter
    paced alone for a moment without the shared window (one 429 of the scale-out burst)."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
    )
    return Redis.from_pool(pool)


@dataclass(frozen=True, slots=True)
class SharedRedis:
    """The one Redis client of a process and the breaker every user of it consults."""

    client: Redis
    breaker: RedisBreaker
