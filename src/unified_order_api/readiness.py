"""Readiness: can this process take orders now? The database, Redis (if used), every Xentral instance.

What orders need from the database is a write, not a read: a locked, read-only or emptied
database answers `SELECT 1` and still fails every order, so the check writes and rolls back.
`/readyz` needs no key, so a failed database check reports only the kind of failure (driver
messages name hosts). A Redis that does not answer leaves the service ready but degraded: the
limiter paces this process alone and the caches are skipped. Each Xentral instance is checked on
its own, so one instance down is visible as that instance. A token within 14 days of its expiry
date (token_expiry.py) leaves the service ready but degraded, so the warning is seen before orders fail.
Unresolved orders leave it ready too (new orders are served) but degraded once the oldest is older
than `degraded_after_seconds`: the reconciler cannot finish them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Mapping
from typing import Any, Protocol

from .clock import Clock, utc_now
from .housekeeping import oldest_age, unresolved_now
from .orders.attempts import StoreUnavailable
from .orders.ports import UnresolvedAttempts
from .redis_breaker import RedisUnavailable, SharedRedis
from .token_expiry import WARN_BEFORE, TokenExpiry

__all__ = ["Readiness", "WriteProbe", "XentralProbe"]


class WriteProbe(Protocol):
    async def probe_write(self) -> None:
        """Write and roll back; raises when the database cannot take an order's writes now."""
        ...


class XentralProbe(Protocol):
    async def list_projects(self) -> Any:
        """Any cheap authenticated read: it proves the instance answers with this token."""
        ...


class Readiness:
    def __init__(
        self,
        *,
        database: WriteProbe,
        database_timeout_seconds: float,
        redis: SharedRedis | None,
        xentral: Mapping[str, XentralProbe],
        unresolved: UnresolvedAttempts | None = None,
        lease: dt.timedelta = dt.timedelta(minutes=1),
        degraded_after_seconds: float = float("inf"),
        token_expires: Mapping[str, dt.date | None] | None = None,
        token_warn_before: dt.timedelta = WARN_BEFORE,
        clock: Clock | None = None,
    ) -> None:
        """`unresolved`: the attempts checked for orders still without an outcome a `lease` after they
        were received (`orders`); without it there is no such check."""
        self._database = database
        self._database_timeout = database_timeout_seconds + 1
        self._redis = redis
        self._xentral = xentral
        self._unresolved = unresolved
        self._lease = lease
        self._degraded_after = degraded_after_seconds
        self._token_expires = token_expires or {}
        self._token_warn_before = token_warn_before
        self._clock = clock or utc_now

    async def check(self) -> dict[str, Any]:
        """One entry per dependency (`database`, `redis` when used, `orders` when the database answers,
        `xentral` with its `instances`)."""
        checks: dict[str, Any] = {"database": await self._check_database()}
        if self._redis is not None:
            checks["redis"] = await _check_redis(self._redis)
        if self._unresolved is not None and checks["database"]["ok"]:
            checks["orders"] = await self._check_orders(self._unresolved)
        names = list(self._xentral)
        answers = await asyncio.gather(*(_check_xentral(self._xentral[name]) for name in names))
        instances = dict(zip(names, answers, strict=True))
        ok = all(answer["ok"] for answer in answers)
        due = False
        for name, answer in instances.items():
            expires = self._token_expires.get(name)
            if expires is None:
                continue
            expiry = TokenExpiry(expires, self._clock(), self._token_warn_before)
            answer["token_expires"] = expires.isoformat()
            if expiry.soon:
                answer["warning"] = expiry.describe()
                due = True
        checks["xentral"] = {"ok": ok, "instances": instances}
        if ok and due:
            checks["xentral"]["degraded"] = True  # still takes orders: say so, before they fail
        return checks

    async def _check_database(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self._database.probe_write(), self._database_timeout)
        except StoreUnavailable as error:  # the kind only: the message names hosts
            return {"ok": False, "error": type(error.__cause__ or error).__name__}
        except Exception as error:  # any failure means "not ready"; the kind is all we report
            return {"ok": False, "error": type(error).__name__}
        return {"ok": True, "ms": _ms_since(started)}

    async def _check_orders(self, unresolved: UnresolvedAttempts) -> dict[str, Any]:
        summary = await unresolved_now(unresolved, self._lease, self._clock)
        age = oldest_age(summary, self._clock())
        check: dict[str, Any] = {"ok": True, "unresolved": summary.count, "oldest_age_seconds": round(age)}
        if age > self._degraded_after:
            check |= {"ok": False, "degraded": True}
        return check


async def _check_redis(redis: SharedRedis) -> dict[str, Any]:
    """A ping through the breaker (a probe when it is open, so recovery is seen)."""
    try:
        await redis.breaker.call(redis.client.ping)
        return {"ok": True}
    except RedisUnavailable:
        return {
            "ok": False,
            "degraded": True,
            "error": redis.breaker.last_error_kind or "RedisUnavailable",
            "fallback": "rate limit paced in this process at a safe share of the budget; no shared cache",
        }


async def _check_xentral(client: XentralProbe) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await client.list_projects()
    except Exception as error:  # any failure means "not ready"; what it was is all we report
        return {"ok": False, "error": str(error)}
    return {"ok": True, "ms": _ms_since(started)}


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
