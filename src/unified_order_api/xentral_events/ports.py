"""What the event intake, its worker and the subscription keeper need from the outside, as small protocols.

The SQL adapters are `store.event_queue` and `store.subscriptions`; the Xentral ones are in
`xentral.event_lookups` and `xentral.subscriptions`. Unit tests use in-memory fakes of each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..lifecycle import ShippedLine

__all__ = [
    "EventLookups",
    "EventQueue",
    "NoteRead",
    "QueuedEvent",
    "SubscriptionRecord",
    "SubscriptionStore",
    "TrackedOrders",
    "WebhookSubscription",
    "WebhookSubscriptions",
]


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    """One received, verified event waiting to be handled (`attempts`: tries so far)."""

    id: int
    instance: str
    event_type: str
    body: dict[str, Any]
    received_at: dt.datetime
    attempts: int = 0


class EventQueue(Protocol):
    """The durable queue of received events. `add` is False for an event already queued (same instance,
    type and body): a repeat is stored once and handled once."""

    async def add(self, instance: str, event_type: str, body: dict[str, Any], now: dt.datetime) -> bool: ...

    async def claim(self, *, worker: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[QueuedEvent]: ...

    async def finish(self, event: QueuedEvent, *, worker: str, outcome: str, now: dt.datetime) -> None: ...

    async def retry(self, event: QueuedEvent, *, worker: str, error: str, at: dt.datetime, give_up: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """What we keep per instance: our subscription's id at Xentral, its key, and what we saw of it."""

    instance: str
    signature_key: str
    webhook_id: str | None = None
    url: str | None = None
    events: tuple[str, ...] = ()
    checked_at: dt.datetime | None = None
    problem: str | None = None  # why the last check or repair failed; None when it succeeded
    last_event_at: dt.datetime | None = None  # the last verified event


class SubscriptionStore(Protocol):
    async def get(self, instance: str) -> SubscriptionRecord | None: ...

    async def key(self, instance: str, candidate: str, now: dt.datetime) -> str:
        """The instance's key: `candidate` when it had none, else the one stored (every process agrees)."""
        ...

    async def lease(self, instance: str, owner: str, now: dt.datetime, until: dt.datetime) -> bool: ...

    async def release(self, instance: str, owner: str) -> None: ...

    async def checked(
        self,
        instance: str,
        *,
        webhook_id: str | None,
        url: str | None,
        events: Sequence[str],
        problem: str | None,
        now: dt.datetime,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    """A subscription as Xentral shows it (never with its key)."""

    id: str
    name: str
    url: str
    events: tuple[str, ...] = field(default=())


class WebhookSubscriptions(Protocol):
    """Xentral's subscription API (`/api/v1/webhooks`) of one instance."""

    async def list(self) -> list[WebhookSubscription]: ...

    async def create(self, name: str, url: str, key: str, events: Sequence[str]) -> str: ...

    async def update(self, webhook_id: str, name: str, url: str, events: Sequence[str], key: str | None) -> None: ...

    async def delete(self, webhook_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class NoteRead:
    """A delivery note as a shipment event needs it: its order, and whether every position is delivered
    (the parcel the event names is then the last: the order is shipped in full, not partially)."""

    sales_order_id: str | None
    shipped_in_full: bool
    delivered: tuple[ShippedLine, ...] = ()  # by SKU, in all (`lifecycle.Observation.delivered`)


class EventLookups(Protocol):
    """The reads an event may need, in the low-priority lane: a delivery note, an order's status."""

    async def delivery_note(self, instance: str, delivery_note_id: str) -> NoteRead | None:
        """None when the note is gone."""
        ...

    async def order_status(self, instance: str, sales_order_id: str) -> str | None: ...


class TrackedOrders(Protocol):
    """Which of these Xentral orders of `instance` are ours (made or found by this service)."""

    async def ours(self, instance: str, sales_order_ids: Collection[str]) -> set[str]: ...
