"""Our webhook subscription at one Xentral instance, created or repaired to exactly one, idempotently.

`SubscriptionKeeper.ensure` makes Xentral hold exactly one subscription of ours — found by our name
or our URL — with our URL, the events we need (`SUBSCRIBED_EVENTS`) and our signature key:

- none: create it with the instance's key (generated once and stored, `SubscriptionStore.key`);
- one: leave it when it is the one we made and shows our URL and events; else update it, sending
  our key too (Xentral never shows a key, so one we did not record may not be ours);
- several: keep the one we recorded (else the lowest id) and delete the others.

`inspect` only reads (the keeper's view, without the store): what `check-config` shows (found, missing,
URL differs, events missing, duplicates).

Several processes: one repairs at a time (a lease on the instance's row); another waits for it and
then checks again, finding nothing left to do. Running it twice changes nothing the second time.
The key is never logged, shown or put in an error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..clock import Clock, utc_now
from .ports import SubscriptionStore, WebhookSubscription, WebhookSubscriptions
from .translation import SUBSCRIBED_EVENTS

__all__ = [
    "SubscriptionBusy",
    "SubscriptionKeeper",
    "SubscriptionReport",
    "SubscriptionSeen",
    "inspect",
    "new_signature_key",
    "ours_first",
    "receiver_url",
]


def new_signature_key() -> str:
    """43 URL-safe characters (256 bits): within Xentral's 20 to 255."""
    return secrets.token_urlsafe(32)


def receiver_url(public_url: str, instance: str) -> str:
    """Where Xentral delivers the instance's events: our `POST /api/xentral/{instance}/events`."""
    return f"{public_url.rstrip('/')}/api/xentral/{instance}/events"


class SubscriptionBusy(Exception):
    """Another process held the instance's repair lease for longer than we waited."""


@dataclass(frozen=True, slots=True)
class SubscriptionReport:
    """What `ensure` found and did: `action` is unchanged, created, updated or deduplicated."""

    instance: str
    webhook_id: str
    url: str
    events: tuple[str, ...]
    action: str
    removed: tuple[str, ...] = ()


SeenStatus = Literal["found", "missing", "url_differs", "events_missing", "duplicates"]


@dataclass(frozen=True, slots=True)
class SubscriptionSeen:
    """What Xentral holds of ours, compared with what we want (`inspect`); never a key (Xentral shows none)."""

    instance: str
    status: SeenStatus
    wanted_url: str
    webhook_id: str | None = None  # the one `ensure` would keep
    url: str | None = None  # where it delivers, as Xentral has it
    missing_events: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()  # further subscriptions of ours, which `ensure` would delete


def ours_first(
    found: Sequence[WebhookSubscription], name: str, url: str, known: str | None
) -> list[WebhookSubscription]:
    """Ours among Xentral's subscriptions (our name or our URL), the one to keep first: the one we recorded
    (`known`), else the lowest id."""
    ours = [w for w in found if w.name == name or w.url == url]
    ours.sort(key=lambda w: (w.id != known, int(w.id) if w.id.isdigit() else 0))
    return ours


async def inspect(
    instance: str,
    xentral: WebhookSubscriptions,
    *,
    name: str,
    url: str,
    events: Sequence[str] = SUBSCRIBED_EVENTS,
    known: str | None = None,
) -> SubscriptionSeen:
    """Read-only: how Xentral's subscription of ours differs from the one wanted (a read error is raised)."""
    ours = ours_first(await xentral.list(), name, url, known)
    if not ours:
        return SubscriptionSeen(instance, "missing", url)
    kept, extra = ours[0], tuple(w.id for w in ours[1:])
    missing = tuple(event for event in events if event not in kept.events)
    status: SeenStatus = (
        "url_differs" if kept.url != url else "events_missing" if missing else "duplicates" if extra else "found"
    )
    return SubscriptionSeen(instance, status, url, kept.id, kept.url, missing, extra)


class SubscriptionKeeper:
    def __init__(
        self,
        instance: str,
        xentral: WebhookSubscriptions,
        store: SubscriptionStore,
        *,
        name: str,
        url: str,
        events: Sequence[str] = SUBSCRIBED_EVENTS,
        owner: str | None = None,
        clock: Clock = utc_now,
        lease_seconds: float = 60.0,
        wait_seconds: float = 30.0,
    ) -> None:
        self.instance = instance
        self._xentral = xentral
        self._store = store
        self._name = name
        self._url = url
        self._events = tuple(events)
        self._owner = owner or f"keeper-{secrets.token_hex(6)}"
        self._clock = clock
        self._lease = dt.timedelta(seconds=lease_seconds)
        self._wait = wait_seconds

    async def ensure(self) -> SubscriptionReport:
        """Create or repair the subscription; a failure is recorded as the instance's problem and raised."""
        key = await self._store.key(self.instance, new_signature_key(), self._clock())
        await self._take_lease()
        try:
            report = await self._ensure(key)
        except Exception as error:
            record = await self._store.get(self.instance)
            await self._store.checked(
                self.instance,
                webhook_id=record.webhook_id if record else None,
                url=self._url,
                events=self._events,
                problem=f"{type(error).__name__}: {error}"[:300],
                now=self._clock(),
            )
            raise
        finally:
            await self._store.release(self.instance, self._owner)
        await self._store.checked(
            self.instance,
            webhook_id=report.webhook_id,
            url=report.url,
            events=report.events,
            problem=None,
            now=self._clock(),
        )
        return report

    async def _take_lease(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait
        while True:
            now = self._clock()
            if await self._store.lease(self.instance, self._owner, now, now + self._lease):
                return
            if loop.time() >= deadline:
                raise SubscriptionBusy(f"another process is repairing the subscription of {self.instance}")
            await asyncio.sleep(0.1)

    async def _ensure(self, key: str) -> SubscriptionReport:
        record = await self._store.get(self.instance)
        known = record.webhook_id if record else None
        ours = ours_first(await self._xentral.list(), self._name, self._url, known)
        if not ours:
            webhook_id = await self._xentral.create(self._name, self._url, key, self._events)
            return SubscriptionReport(self.instance, webhook_id, self._url, self._events, "created")
        kept, extra = ours[0], ours[1:]
        for duplicate in extra:
            await self._xentral.delete(duplicate.id)
        removed = tuple(w.id for w in extra)
        as_wanted = kept.url == self._url and kept.name == self._name and set(kept.events) == set(self._events)
        if as_wanted and kept.id == known:
            action = "deduplicated" if removed else "unchanged"
            return SubscriptionReport(self.instance, kept.id, kept.url, kept.events, action, removed)
        await self._xentral.update(kept.id, self._name, self._url, self._events, key)
        return SubscriptionReport(self.instance, kept.id, self._url, self._events, "updated", removed)
