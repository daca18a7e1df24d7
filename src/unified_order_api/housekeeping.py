"""Background loops of a running service: purge old attempts, bodies, inbox entries, handled Xentral events,
delivered callbacks, finished write-backs and the shop's ids of orders gone (each store's `purge`), report the
queue (depth, oldest order's age) and the unresolved orders.

Each loop survives its own failures (logged) and runs until cancelled by the container.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Protocol

import structlog

from .clock import Clock, utc_now
from .metrics import Metrics
from .orders.attempts import StoreUnavailable, Unresolved
from .orders.ports import OrderQueue, UnresolvedAttempts

__all__ = [
    "PURGE_INTERVAL_SECONDS",
    "QUEUE_DEPTH_INTERVAL_SECONDS",
    "Purges",
    "oldest_age",
    "purge_forever",
    "report_queue",
    "unresolved_now",
    "watch_queue_depth",
]

log = structlog.get_logger(__name__)

PURGE_INTERVAL_SECONDS = 3600.0
"""Finished attempts are purged hourly: retention is counted in days, so an hour late is nothing, and a
purge is one DELETE whatever it finds."""
QUEUE_DEPTH_INTERVAL_SECONDS = 5.0
"""The queue-depth gauge is one COUNT this often: fresh for any scrape interval, cheap for the database."""


class Purges(Protocol):
    async def purge(self, older_than: dt.datetime) -> int: ...


async def purge_forever(
    store: Purges, retention: dt.timedelta, clock: Clock = utc_now, *, what: str = "attempts"
) -> None:
    """What `store` keeps (finished attempts, inbox entries, delivered callbacks, …) older than the retention is
    deleted every hour; what is still needed (pending, dead, not yet handled) the store's `purge` leaves alone."""
    while True:
        try:
            purged = await store.purge(clock() - retention)
            if purged:
                log.info(f"{what}.purged", count=purged)
        except StoreUnavailable as error:
            log.warning(f"{what}.purge_failed", error=error.detail)
        except Exception:
            log.exception(f"{what}.purge_failed")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)


async def watch_queue_depth(
    queue: OrderQueue,
    metrics: Metrics,
    unresolved: UnresolvedAttempts | None = None,
    lease: dt.timedelta = dt.timedelta(minutes=1),
    clock: Clock = utc_now,
) -> None:
    """`report_queue` every few seconds."""
    while True:
        try:
            await report_queue(queue, metrics, unresolved, lease, clock)
        except StoreUnavailable as error:
            log.warning("queue.depth_failed", error=error.detail)
        except Exception:
            log.exception("queue.depth_failed")
        await asyncio.sleep(QUEUE_DEPTH_INTERVAL_SECONDS)


async def report_queue(
    queue: OrderQueue,
    metrics: Metrics,
    unresolved: UnresolvedAttempts | None = None,
    lease: dt.timedelta = dt.timedelta(minutes=1),
    clock: Clock = utc_now,
) -> None:
    """The async lane's depth and how long its oldest order has waited (a queue can be short and stuck), and,
    given `unresolved`, the unresolved orders' count and oldest age, into the gauges."""
    now = clock()
    metrics.set_queue_depth("orders", await queue.queue_depth())
    oldest = await queue.oldest_queued()
    metrics.set_queue_oldest_age("orders", max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
    if unresolved is not None:
        summary = await unresolved_now(unresolved, lease, clock)
        metrics.set_unresolved(summary.count, oldest_age(summary, now))


async def unresolved_now(attempts: UnresolvedAttempts, lease: dt.timedelta, clock: Clock = utc_now) -> Unresolved:
    """Synchronous orders still without an outcome a lease after they were received (a request still
    within its lease is merely running)."""
    return await attempts.unresolved(clock() - lease)


def oldest_age(summary: Unresolved, now: dt.datetime) -> float:
    """Seconds since the oldest unresolved order was received; 0 when there is none."""
    return max(0.0, (now - summary.oldest).total_seconds()) if summary.oldest is not None else 0.0
