"""Background loops of a running service: purge old attempts, report the queue depth.

Each loop survives its own failures (logged) and runs until cancelled by the container.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import structlog

from .clock import Clock, utc_now
from .metrics import Metrics
from .orders.attempts import StoreUnavailable
from .orders.ports import Attempts, OrderQueue

__all__ = ["PURGE_INTERVAL_SECONDS", "QUEUE_DEPTH_INTERVAL_SECONDS", "purge_forever", "watch_queue_depth"]

log = structlog.get_logger(__name__)

PURGE_INTERVAL_SECONDS = 3600.0
"""Finished attempts are purged hourly: retention is counted in days, so an hour late is nothing, and a
purge is one DELETE whatever it finds."""
QUEUE_DEPTH_INTERVAL_SECONDS = 5.0
"""The queue-depth gauge is one COUNT this often: fresh for any scrape interval, cheap for the database."""


async def purge_forever(attempts: Attempts, retention: dt.timedelta, clock: Clock = utc_now) -> None:
    """Finished attempts older than the retention are deleted every hour."""
    while True:
        try:
            purged = await attempts.purge(clock() - retention)
            if purged:
                log.info("attempts.purged", count=purged)
        except StoreUnavailable as error:
            log.warning("attempts.purge_failed", error=error.detail)
        except Exception:
            log.exception("attempts.purge_failed")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)


async def watch_queue_depth(queue: OrderQueue, metrics: Metrics) -> None:
    """The queue depth gauge, refreshed every few seconds."""
    while True:
        try:
            metrics.set_queue_depth("orders", await queue.queue_depth())
        except StoreUnavailable as error:
            log.warning("queue.depth_failed", error=error.detail)
        except Exception:
            log.exception("queue.depth_failed")
        await asyncio.sleep(QUEUE_DEPTH_INTERVAL_SECONDS)
