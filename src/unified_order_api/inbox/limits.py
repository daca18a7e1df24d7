"""How many refusals the inbox records per sender: one budget for every process of the deployment.

`SourceLimiter` counts in this process (the embedded default, one process on SQLite). With Redis or
PostgreSQL configured the budget lives there (`SourceBudget`: `RedisSourceBudget` here,
`store.inbox_sources.SqlSourceBudget`), so N processes record at most `per_minute` entries a minute per
sender in all, not N times that. `SharedSourceLimiter` puts two things in front of the shared budget:

- a sender this process alone saw more than `per_minute` times this minute is over the shared budget too,
  so a flood is refused here without a round trip; what it refused is handed to the budget with the
  sender's next question, so the "+N not recorded" count stays whole;
- while the backend fails (Redis down, the database unreachable) the process counts alone, as before.

Windows are minutes of the wall clock (`time.time`), the one clock the processes share.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final, Protocol

import structlog
from redis.asyncio import Redis

from ..redis_breaker import RedisBreaker, RedisUnavailable

__all__ = ["RedisSourceBudget", "SharedSourceLimiter", "SourceBudget", "SourceLimiter", "SourceLimits"]

log = structlog.get_logger(__name__)

ALL_SOURCES_FACTOR: Final = 10
"""All senders together may fill ten times one sender's budget."""
_SOURCES_KEPT: Final = 10_000


class SourceLimits(Protocol):
    async def allow(self, source: str) -> tuple[bool, int]:
        """Whether to record this source's entry now, and how many of its entries were not recorded before it."""
        ...


class SourceLimiter:
    """At most `per_minute` entries per source and `10 * per_minute` in all, per minute (fixed windows), in this
    process; counts what it refused per source, handed over with the source's next allowed entry."""

    def __init__(self, per_minute: int, now: Callable[[], float] = time.monotonic) -> None:
        self._per_minute, self._now = per_minute, now
        self._window = -1
        self._all = 0
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._refused: OrderedDict[str, int] = OrderedDict()

    def take(self, source: str) -> tuple[bool, int]:
        window = int(self._now() // 60)
        if window != self._window:
            self._window, self._all = window, 0
            self._counts.clear()
        used = self._counts.get(source, 0)
        if used >= self._per_minute or self._all >= ALL_SOURCES_FACTOR * self._per_minute:
            self._refused[source] = self._refused.pop(source, 0) + 1
            while len(self._refused) > _SOURCES_KEPT:
                self._refused.popitem(last=False)
            return False, 0
        self._counts[source] = used + 1
        self._all += 1
        return True, self._refused.pop(source, 0)

    async def allow(self, source: str) -> tuple[bool, int]:
        return self.take(source)


class SourceBudget(Protocol):
    """The shared budget: one atomic step per entry a process would record."""

    async def take(self, source: str, *, window: int, per_minute: int, refused_here: int) -> tuple[bool, int]:
        """Count one entry of `source` in minute `window`: (recorded, entries not recorded before it).
        `refused_here`: this process's refusals of the source since it last asked, added to the count."""
        ...


class BudgetUnavailable(Exception):
    """The shared budget did not answer: count in this process for now."""


class SharedSourceLimiter:
    """`SourceLimits` over a `SourceBudget` shared by every process (see the module's docstring)."""

    def __init__(
        self,
        budget: SourceBudget,
        per_minute: int,
        *,
        now: Callable[[], float] = time.time,
        fallback: SourceLimiter | None = None,
    ) -> None:
        self._budget, self._per_minute, self._now = budget, per_minute, now
        self._fallback = fallback or SourceLimiter(per_minute, now)
        self._window = -1
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._refused: OrderedDict[str, int] = OrderedDict()  # refused here, not yet told to the budget
        self._failing = False

    async def allow(self, source: str) -> tuple[bool, int]:
        window = int(self._now() // 60)
        if window != self._window:
            self._window = window
            self._seen.clear()
        seen = self._seen.get(source, 0) + 1
        self._seen[source] = seen
        while len(self._seen) > _SOURCES_KEPT:
            self._seen.popitem(last=False)
        if seen > self._per_minute:  # over the shared budget as well: no round trip
            self._refused[source] = self._refused.pop(source, 0) + 1
            while len(self._refused) > _SOURCES_KEPT:
                self._refused.popitem(last=False)
            return False, 0
        refused_here = self._refused.pop(source, 0)
        try:
            answer = await self._budget.take(
                source, window=window, per_minute=self._per_minute, refused_here=refused_here
            )
        except BudgetUnavailable as error:
            if not self._failing:
                self._failing = True
                log.warning("inbox.shared_budget_unavailable", error=str(error))
            allowed, _ = self._fallback.take(source)  # its decision; what it skipped is counted here
            if not allowed:
                self._refused[source] = self._refused.pop(source, 0) + refused_here + 1
                return False, 0
            return True, refused_here
        if self._failing:
            self._failing = False
            log.warning("inbox.shared_budget_available_again")
        return answer


# KEYS: the source's count this minute, all sources' count this minute, the source's refusals not yet handed over.
# ARGV: per_minute, all sources' limit, refusals counted by the asking process, the keys' lifetime (ms).
# Returns {1, refusals handed over} when the entry is to be recorded, else {0, 0}.
_TAKE: Final = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
local allowed = used <= tonumber(ARGV[1])
if allowed then
  local all = redis.call('INCR', KEYS[2])
  if all == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
  allowed = all <= tonumber(ARGV[2])
end
if allowed then
  local before = tonumber(redis.call('GET', KEYS[3]) or '0')
  redis.call('DEL', KEYS[3])
  return {1, before + tonumber(ARGV[3])}
end
redis.call('INCRBY', KEYS[3], 1 + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[3], 86400000)
return {0, 0}
"""
_WINDOW_KEY_MS: Final = 120_000  # a minute's counts outlive it by a minute, for clocks a little apart


class RedisSourceBudget:
    """The budget in Redis, atomic by a Lua script. Keys carry a hash of the sender's address (no personal
    data in key names) under `prefix`, which names the inbox (its database): deployments sharing one Redis
    but not one inbox do not share a budget."""

    def __init__(self, redis: Redis, prefix: str, breaker: RedisBreaker) -> None:
        self._prefix, self._breaker = prefix, breaker
        self._script = redis.register_script(_TAKE)

    async def take(self, source: str, *, window: int, per_minute: int, refused_here: int) -> tuple[bool, int]:
        sender = hashlib.sha256(source.encode()).hexdigest()[:24]
        keys = [f"{self._prefix}:{window}:{sender}", f"{self._prefix}:{window}:*", f"{self._prefix}:refused:{sender}"]
        args = [per_minute, ALL_SOURCES_FACTOR * per_minute, refused_here, _WINDOW_KEY_MS]
        try:
            allowed, before = await self._breaker.call(lambda: self._script(keys=keys, args=args))
        except RedisUnavailable as error:
            raise BudgetUnavailable(str(error)) from None
        return int(allowed) == 1, int(before)
