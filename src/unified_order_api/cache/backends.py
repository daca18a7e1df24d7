"""Where cached values live: this process (default) or Redis (shared by every instance).

Values are JSON documents; a cache failure (Redis down or hanging) is a miss, never an
error and never a wait, because every value can be fetched from Xentral again.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from redis.asyncio import Redis

from ..redis_breaker import RedisBreaker, RedisUnavailable

T = TypeVar("T")


class Cache(Protocol):
    async def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The values present for `keys`; absent or expired keys are left out."""
        ...

    async def set_many(self, values: Mapping[str, Any], ttl_seconds: float) -> None: ...

    async def delete_many(self, keys: Sequence[str]) -> None: ...

    async def aclose(self) -> None: ...


class MemoryCache:
    """A bounded LRU with per-entry expiry, for one process."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max_entries = max_entries

    async def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        now = time.monotonic()
        found: dict[str, Any] = {}
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                continue
            expires, text = entry
            if expires <= now:
                del self._entries[key]
                continue
            self._entries.move_to_end(key)
            found[key] = json.loads(text)
        return found

    async def set_many(self, values: Mapping[str, Any], ttl_seconds: float) -> None:
        expires = time.monotonic() + ttl_seconds
        for key, value in values.items():
            self._entries[key] = (expires, json.dumps(value))
            self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete_many(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def aclose(self) -> None:
        self._entries.clear()


class RedisCache:
    """One cache for every instance. While Redis fails or hangs (the breaker is open) lookups
    are misses and writes are skipped: a cache of this process alone would keep entries the
    other instances invalidate."""

    def __init__(
        self,
        redis: Redis,
        prefix: str = "uoa:cache:",
        *,
        breaker: RedisBreaker | None = None,
        owns_connection: bool = True,
        on_bypass: Callable[[], None] | None = None,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._breaker = breaker or RedisBreaker()
        self._owns_connection = owns_connection
        self._on_bypass = on_bypass

    async def aclose(self) -> None:
        if self._owns_connection:
            await self._redis.aclose()

    async def _run(self, operation: Callable[[], Awaitable[T]]) -> T | None:
        try:
            return await self._breaker.call(operation)
        except RedisUnavailable:
            if self._on_bypass is not None:
                self._on_bypass()
            return None

    async def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        if not keys:
            return {}
        raw = await self._run(lambda: self._redis.mget([self._prefix + key for key in keys]))
        if raw is None:
            return {}
        return {key: json.loads(text) for key, text in zip(keys, raw, strict=True) if text is not None}

    async def set_many(self, values: Mapping[str, Any], ttl_seconds: float) -> None:
        if not values:
            return
        milliseconds = max(1, int(ttl_seconds * 1000))

        async def write() -> None:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, value in values.items():
                    pipe.set(self._prefix + key, json.dumps(value), px=milliseconds)
                await pipe.execute()

        await self._run(write)

    async def delete_many(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        await self._run(lambda: self._redis.delete(*[self._prefix + key for key in keys]))
