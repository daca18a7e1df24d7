"""Client-side pacing for Xentral's 100 requests/minute (docs/xentral.md#rate-limit).

Xentral counts per instance and client IP, so every process that calls one instance from
the same address shares one budget. `RateLimiter` is the port the client talks to; two
adapters sit beside it:

- `InProcessRateLimiter`: a sliding-window log with reservations, for one process.
- `RedisRateLimiter`: the same window kept in Redis by an atomic Lua script, for several
  processes or instances; a pause from `Retry-After` is shared there too.

Both never wait past the caller's deadline: when no slot frees up in time they raise
`RateBudgetExhausted`, carrying how long until one would.

Xentral counts a request when it arrives, we when we send it; in between a process starved of CPU, a
full connection pool or a stalled server can hold it for longer than the window's padding, and a
request sent at the end of one of Xentral's windows then opens the next, where the following window's
full budget meets it: one 429 (seen in the 3-process burst of bench/scale_out.py). So every send is
counted again when its answer came (`answered`): Xentral counted it somewhere between the two, and a
window counted from the later of them holds whatever the delay was.

Two lanes: background work (the reconciler's, marked by `orders.reads.in_background`) may use only
`background_share` of the window, and holds no reservation while it waits, so a new order arriving
meanwhile takes the next slot first.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import math
import random
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from redis.asyncio import Redis

from ..orders.reads import work_in_background
from ..redis_breaker import RedisBreaker, RedisUnavailable
from .errors import RateBudgetExhausted

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_WINDOW_SECONDS",
    "Clock",
    "InProcessRateLimiter",
    "RateBudgetExhausted",
    "RateLimiter",
    "RedisRateLimiter",
    "Sleep",
    "Slot",
]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_LIMIT: Final = 100
DEFAULT_WINDOW_SECONDS: Final = 60.0

# When Xentral says fewer than this share of the budget is left (others share our IP, or a
# restart forgot what we sent), requests are spread evenly over the window instead of bursting.
_LOW_REMAINING_SHARE: Final = 0.1
# Our window is this much longer than Xentral's, so latency jitter at the edge of a window
# cannot put one request too many into Xentral's count: Xentral counts by arrival, we by
# sending, and a late first arrival shifts its window. The fixed part covers scheduling delays
# on a loaded host (seen: >20 ms with the whole test suite on two cores); at 60 s it costs 0.4 %.
_WINDOW_PADDING_SHARE: Final = 0.01
_WINDOW_PADDING_SECONDS: Final = 0.25
# Background work waiting for a slot looks again this often rather than reserving one ahead.
_BACKGROUND_POLL_SECONDS: Final = 0.5


@dataclass(frozen=True, slots=True)
class Slot:
    """One send a limiter let through, to be counted again when its answer came (`RateLimiter.answered`).

    `sent`: when it was let through, on the in-process limiter's clock; `member`: its entry in the shared
    window, None when this process's own window let it through.
    """

    sent: float
    member: str | None = None


class RateLimiter(ABC):
    """The port: wait for a slot before every request; learn from every answer's headers."""

    @abstractmethod
    async def acquire(self, deadline: float) -> Slot:
        """Return when a request may be sent; raise `RateBudgetExhausted` if that is after `deadline`.

        `deadline` is on the limiter's clock (`time.monotonic` unless one was injected).
        """

    @abstractmethod
    async def answered(self, slot: Slot) -> None:
        """The request of `slot` has its answer (or failed): count it from now, not from its sending,
        since Xentral counted it on arrival, at the latest now."""

    @abstractmethod
    async def observe(self, remaining: int | None, limit: int | None, retry_after: float | None) -> None:
        """Adjust to Xentral's `X-RateLimit-Remaining`/`-Limit` and a 429's `Retry-After`.

        Async because a shared limiter writes the pause where the other processes see it.
        """

    async def aclose(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections, if the adapter holds any."""


class _Adjustments:
    """What the headers taught us: a smaller limit than configured, and whether to spread out."""

    def __init__(self, limit: int, window: float, background_share: float = 1.0) -> None:
        if limit < 1:
            raise ValueError("the rate limit must be at least 1 request per window")
        if window <= 0:
            raise ValueError("the window must be positive")
        if not 0 < background_share <= 1:
            raise ValueError("background_share must be in (0, 1]")
        self.background_share = background_share
        self.configured_limit = limit
        self.limit = limit
        self.window = window * (1 + _WINDOW_PADDING_SHARE) + _WINDOW_PADDING_SECONDS
        self.spread = False

    def lane_limit(self, background: bool) -> int:
        """Requests per window the lane may fill: all of them, or background work's share."""
        return max(1, math.floor(self.limit * self.background_share)) if background else self.limit

    @property
    def spacing(self) -> float:
        """Minimum gap between two requests: none normally, an even share of the window when low."""
        return self.window / self.limit if self.spread else 0.0

    def learn(self, remaining: int | None, limit: int | None) -> None:
        if limit is not None and limit > 0:
            self.limit = min(self.configured_limit, limit)
        if remaining is not None:
            self.spread = remaining <= max(1, math.floor(self.limit * _LOW_REMAINING_SHARE))


class InProcessRateLimiter(RateLimiter):
    """A sliding-window log of send times for one process; asyncio-safe without a lock.

    Each caller reserves the earliest time that keeps at most `limit` sends in any
    `window`, in arrival order, and sleeps until then; awake, it checks the slot is still free,
    since a 429's pause or a send counted again from its answer may have taken it meanwhile.
    Reserving and checking happen with no `await` in between, so concurrent tasks cannot take
    the same slot.
    """

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW_SECONDS,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        background_share: float = 1.0,
    ) -> None:
        self._rules = _Adjustments(limit, window, background_share)
        self._clock = clock
        self._sleep = sleep
        self._sends: list[float] = []  # sorted; entries in the future are reservations
        self._paused_until = 0.0

    @property
    def window(self) -> float:
        """The window actually enforced (the configured one, slightly padded)."""
        return self._rules.window

    async def acquire(self, deadline: float) -> Slot:
        if work_in_background():
            return await self._acquire_background(deadline)
        while True:
            now = self._clock()
            slot = self._next_slot(now)
            if slot > deadline:
                raise RateBudgetExhausted(slot - now)
            bisect.insort(self._sends, slot)  # taken, or reserved: later callers queue behind it
            if slot <= now:
                return Slot(slot)
            try:
                await self._sleep(slot - now)
            except BaseException:
                self._discard(slot)
                raise
            if self._still_free(slot):
                return Slot(slot)
            # A 429's pause, or a send counted again from its answer, took it meanwhile: queue again.
            self._discard(slot)

    async def answered(self, slot: Slot) -> None:
        now = self._clock()
        if now <= slot.sent:
            return
        self._discard(slot.sent)
        bisect.insort(self._sends, now)

    def note(self, sent: float) -> None:
        """Count a send this process made through another window (Redis's): falling back to this one, the
        process then knows its own sends of the last window instead of starting with a full budget."""
        del self._sends[: bisect.bisect_right(self._sends, self._clock() - self._rules.window)]
        bisect.insort(self._sends, sent)

    def _still_free(self, reserved: float) -> bool:
        """Whether the slot reserved at `reserved` (in the window, counted) still keeps the limit."""
        if self._paused_until > reserved:
            return False
        counted = bisect.bisect_right(self._sends, reserved) - bisect.bisect_right(
            self._sends, reserved - self._rules.window
        )
        return counted <= self._rules.limit

    def _discard(self, when: float) -> None:
        """Drop one entry at `when`, if the window still holds one (entries at one time are interchangeable)."""
        index = bisect.bisect_left(self._sends, when)
        if index < len(self._sends) and self._sends[index] == when:
            del self._sends[index]

    async def observe(self, remaining: int | None, limit: int | None, retry_after: float | None) -> None:
        self._rules.learn(remaining, limit)
        if retry_after is not None and retry_after > 0:
            self._paused_until = max(self._paused_until, self._clock() + retry_after)

    async def _acquire_background(self, deadline: float) -> Slot:
        """Take a slot only when one is free now within background work's share, else look again later:
        no reservation is held, so new orders arriving meanwhile go first."""
        while True:
            now = self._clock()
            slot = self._next_slot(now, background=True)
            if slot > deadline:
                raise RateBudgetExhausted(slot - now)
            if slot <= now:
                bisect.insort(self._sends, now)
                return Slot(now)
            await self._sleep(min(slot - now, _BACKGROUND_POLL_SECONDS))

    def _next_slot(self, now: float, *, background: bool = False) -> float:
        rules = self._rules
        del self._sends[: bisect.bisect_right(self._sends, now - rules.window)]
        slot = max(now, self._paused_until)
        if self._sends:
            slot = max(slot, self._sends[-1] + rules.spacing)
        limit = rules.lane_limit(background)
        if len(self._sends) >= limit:
            slot = max(slot, self._sends[-limit] + rules.window)
        return slot


# KEYS[1]: sorted set of send times (ms, Redis clock); KEYS[2]: pause-until (ms); KEYS[3]: spacing (ms)
# ARGV: limit, window_ms, member. Returns {1, 0} when a slot was taken, else {0, ms to wait}.
_ACQUIRE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  return {0, paused - now}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local edge = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return {0, math.max(1, tonumber(edge[2]) + window - now)}
end
local spacing = tonumber(redis.call('GET', KEYS[3]) or '0')
if spacing > 0 and count > 0 then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  local next_at = tonumber(last[2]) + spacing
  if next_at > now then
    return {0, next_at - now}
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
"""

# KEYS[1]: sorted set of send times; ARGV: member, window_ms. The send counts from now (its answer came).
_ANSWERED: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return now
"""

# KEYS[1]: sorted set of send times; ARGV: window_ms, then (member, age ms) per send this process made alone
# while Redis was unavailable: counted in the shared window from when they went.
_SHARE_ALONE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], now - tonumber(ARGV[i + 1]), ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return now
"""

# KEYS[1]: pause-until (ms). ARGV: pause ms. Only ever extends the pause.
_PAUSE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]))
end
return until_ms
"""

# Poll at least this often while waiting, since another process may take the slot we wait for;
# a little jitter keeps waiting processes from asking in lockstep.
_MIN_POLL_SECONDS: Final = 0.005
_POLL_JITTER_SECONDS: Final = 0.01


class RedisRateLimiter(RateLimiter):
    """The sliding window kept in Redis, shared by every process using the same `key`.

    Times come from Redis (`TIME` inside the script), so the processes' clocks need not
    agree. `key` should name the Xentral instance (its base URL), since that is what Xentral
    counts. While Redis fails or hangs (the `breaker` is open), the limiter paces this process
    alone at `fallback_share` of the budget, since the other instances do the same and Xentral
    still counts them together: better a smaller local limit than none, or an outage. The local
    window counts this process's sends through Redis too, so a Redis hiccup in a busy window does
    not hand the process a fresh share on top of what it already sent (one 429 of the stop run);
    and once Redis answers again the sends made alone are added to the shared window, so the others
    do not fill it as if they had not happened.
    """

    def __init__(
        self,
        redis: Redis,
        key: str,
        limit: int = DEFAULT_LIMIT,
        window: float = DEFAULT_WINDOW_SECONDS,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        owns_connection: bool = False,
        breaker: RedisBreaker | None = None,
        fallback_share: float = 1.0,
        on_fallback: Callable[[], None] | None = None,
        background_share: float = 1.0,
    ) -> None:
        if not 0 < fallback_share <= 1:
            raise ValueError("fallback_share must be in (0, 1]")
        self._redis = redis
        self._breaker = breaker or RedisBreaker()
        self._on_fallback = on_fallback
        self._falling_back = False
        self._keys = (f"{key}:sends", f"{key}:paused-until", f"{key}:spacing")
        self._rules = _Adjustments(limit, window, background_share)
        self._clock = clock
        self._sleep = sleep
        self._owns_connection = owns_connection
        self._acquire_script = redis.register_script(_ACQUIRE)
        self._pause_script = redis.register_script(_PAUSE)
        self._answered_script = redis.register_script(_ANSWERED)
        self._share_script = redis.register_script(_SHARE_ALONE)
        self._alone: list[float] = []  # when this process's sends went while it paced alone
        self._fallback = InProcessRateLimiter(
            max(1, math.floor(limit * fallback_share)),
            window,
            clock=clock,
            sleep=sleep,
            background_share=background_share,
        )

    async def acquire(self, deadline: float) -> Slot:
        window_ms = max(1, round(self._rules.window * 1000))
        while True:
            member = uuid.uuid4().hex
            try:
                args = [self._rules.lane_limit(work_in_background()), window_ms, member]
                taken, wait_ms = await self._breaker.call(
                    lambda args=args: self._acquire_script(keys=list(self._keys), args=args)  # type: ignore[misc]
                )
            except RedisUnavailable:
                if not self._falling_back:
                    self._falling_back = True
                    logger.warning("rate limiter: Redis is unavailable; pacing this process alone")
                if self._on_fallback is not None:
                    self._on_fallback()
                slot = await self._fallback.acquire(deadline)
                self._alone.append(slot.sent)
                return slot
            if self._falling_back:
                self._falling_back = False
                logger.warning("rate limiter: Redis answers again; pacing with the shared window")
                await self._share_alone(window_ms)
            if int(taken) == 1:
                sent = self._clock()
                self._fallback.note(sent)
                return Slot(sent, member)
            wait = int(wait_ms) / 1000
            now = self._clock()
            if now + wait > deadline:
                raise RateBudgetExhausted(wait)
            pause = max(_MIN_POLL_SECONDS, wait) + random.uniform(0, _POLL_JITTER_SECONDS)
            await self._sleep(min(pause, max(0.0, deadline - now)))

    async def answered(self, slot: Slot) -> None:
        member = slot.member
        if member is None:  # this process's own window let it through (Redis was unavailable)
            await self._fallback.answered(slot)
            if slot.sent in self._alone:
                self._alone[self._alone.index(slot.sent)] = self._clock()
            return
        await self._fallback.answered(Slot(slot.sent))  # this process's own count, as Redis's below
        window_ms = max(1, round(self._rules.window * 1000))
        # Redis unavailable: the breaker said so once; the send stays counted from when it went.
        with contextlib.suppress(RedisUnavailable):
            await self._breaker.call(lambda: self._answered_script(keys=[self._keys[0]], args=[member, window_ms]))

    async def _share_alone(self, window_ms: int) -> None:
        """Add the sends this process made alone (within the last window) to the shared window."""
        now, window = self._clock(), self._rules.window
        ages = [now - sent for sent in self._alone if now - sent < window]
        self._alone.clear()
        if not ages:
            return
        args: list[str | int] = [window_ms]
        for age in ages:
            args += [uuid.uuid4().hex, max(0, round(age * 1000))]
        # Redis failing again: the breaker said so; the sends then count only in this process's window.
        with contextlib.suppress(RedisUnavailable):
            await self._breaker.call(lambda: self._share_script(keys=[self._keys[0]], args=args))

    async def observe(self, remaining: int | None, limit: int | None, retry_after: float | None) -> None:
        was_spread = self._rules.spread
        self._rules.learn(remaining, limit)
        await self._fallback.observe(remaining, limit, retry_after)
        try:
            if retry_after is not None and retry_after > 0:
                pause_ms = max(1, math.ceil(retry_after * 1000))
                await self._breaker.call(lambda: self._pause_script(keys=[self._keys[1]], args=[pause_ms]))
            if self._rules.spread:
                window_ms = max(1, round(self._rules.window * 1000))
                spacing_ms = max(1, round(self._rules.spacing * 1000))
                await self._breaker.call(lambda: self._redis.set(self._keys[2], spacing_ms, px=window_ms))
            elif was_spread:
                await self._breaker.call(lambda: self._redis.delete(self._keys[2]))
        except RedisUnavailable:
            logger.warning("rate limiter: could not share Xentral's rate headers via Redis")

    async def aclose(self) -> None:
        if self._owns_connection:
            await self._redis.aclose()
