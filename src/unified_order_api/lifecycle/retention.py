"""Tracking ends: orders past their tracking time are closed, closed ones deleted as long again after."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Protocol

import structlog

from ..clock import Clock, utc_now
from ..orders.attempts import StoreUnavailable

__all__ = ["TrackingPurge", "purge_tracking_forever"]

log = structlog.get_logger(__name__)

PURGE_INTERVAL_SECONDS = 3600.0
"""Hourly, as the attempts' purge: retention is counted in days."""


class TrackingPurge(Protocol):
    async def purge(self, now: dt.datetime, keep: dt.timedelta) -> int: ...


async def purge_tracking_forever(store: TrackingPurge, retention: dt.timedelta, clock: Clock = utc_now) -> None:
    while True:
        try:
            purged = await store.purge(clock(), retention)
            if purged:
                log.info("tracking.purged", count=purged)
        except StoreUnavailable as error:
            log.warning("tracking.purge_failed", error=error.detail)
        except Exception:
            log.exception("tracking.purge_failed")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
