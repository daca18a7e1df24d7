"""Are an instance's Xentral events working? The port the lifecycle's poller reads, and its answer.

Healthy means: our subscription was found (or made) as it should be at its last check, and either a
verified event arrived, or that check passed, within `within_seconds`. Then polling can be the
slower safety net; otherwise it is the only source (an instance without the feature, a broken
subscription, a receiver Xentral cannot reach for a while). A forged event never makes an
instance healthy: only verified ones count (`EventQueue.add` notes them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from ..clock import Clock, utc_now
from .ports import SubscriptionStore

__all__ = ["EventHealth", "EventsStatus", "StoredEventHealth"]


class EventHealth(Protocol):
    """Whether `instance`'s events can be relied on now (the poller slows down where they can)."""

    async def events_healthy(self, instance: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class EventsStatus:
    instance: str
    subscribed: bool  # our subscription exists at Xentral, as of the last check
    healthy: bool
    problem: str | None
    checked_at: dt.datetime | None
    last_event_at: dt.datetime | None


class StoredEventHealth:
    def __init__(self, store: SubscriptionStore, *, within_seconds: float, clock: Clock = utc_now) -> None:
        self._store = store
        self._within = dt.timedelta(seconds=within_seconds)
        self._clock = clock

    async def events_healthy(self, instance: str) -> bool:
        return (await self.status(instance)).healthy

    async def status(self, instance: str) -> EventsStatus:
        record = await self._store.get(instance)
        if record is None:
            return EventsStatus(instance, False, False, "no subscription yet", None, None)
        subscribed = record.webhook_id is not None and record.problem is None
        since = self._clock() - self._within
        recent = any(at is not None and at >= since for at in (record.last_event_at, record.checked_at))
        return EventsStatus(
            instance, subscribed, subscribed and recent, record.problem, record.checked_at, record.last_event_at
        )
