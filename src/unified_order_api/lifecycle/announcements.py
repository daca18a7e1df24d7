"""Which lifecycle changes a client hears of as webhooks: `order.dispatched`, `order.shipped` (one per
shipment), `order.cancelled`, `order.completed`, `order.held` (with reasons).

Each client chooses its events (setting `clients[].lifecycle_events`); they go to its `webhook_url`,
signed by the dispatcher like `order.created`. The message is written in the same transaction as the
change, and its event id is the change's (`evt_lc_<change_id>`), so a change is announced once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ..clock import Clock
from ..orders.attempts import WebhookMessage
from .model import LifecycleChange, LifecycleState
from .records import change_to_json

__all__ = ["LIFECYCLE_EVENTS", "ClientAnnouncements", "LifecycleEvent", "event_of"]

LifecycleEvent = Literal["order.dispatched", "order.shipped", "order.cancelled", "order.completed", "order.held"]
LIFECYCLE_EVENTS: tuple[LifecycleEvent, ...] = get_args(LifecycleEvent)

_BY_STATE: Mapping[LifecycleState, LifecycleEvent] = {
    LifecycleState.DISPATCHED: "order.dispatched",
    LifecycleState.CANCELLED: "order.cancelled",
    LifecycleState.COMPLETED: "order.completed",
    LifecycleState.HELD: "order.held",
}


def event_of(change: LifecycleChange) -> LifecycleEvent | None:
    """The event a change is announced as, or None: the import itself (told by `order.created`), a hold
    lifted, or an order completing its shipments without a new parcel."""
    if change.previous_state is None:
        return None
    if change.shipment is not None:
        return "order.shipped"
    return _BY_STATE.get(change.state)


@dataclass(frozen=True, slots=True)
class ClientTarget:
    url: str
    events: frozenset[str]


class ClientAnnouncements:
    """The webhook messages of the lifecycle changes, per client; `targets`: client → (webhook_url, events)."""

    def __init__(self, targets: Mapping[str, tuple[str | None, Collection[str]]], clock: Clock) -> None:
        self._targets = {
            client: ClientTarget(url, frozenset(events)) for client, (url, events) in targets.items() if url
        }
        self._clock = clock

    def messages(self, changes: Iterable[LifecycleChange], order_number: str | None) -> list[WebhookMessage]:
        found = []
        for change in changes:
            message = self.message(change, order_number)
            if message is not None:
                found.append(message)
        return found

    def message(self, change: LifecycleChange, order_number: str | None) -> WebhookMessage | None:
        event = event_of(change)
        target = self._targets.get(change.client)
        if event is None or target is None or event not in target.events:
            return None
        event_id = f"evt_lc_{change.change_id}"
        data: dict[str, Any] = {**change_to_json(change), "order_number": order_number}
        payload = {"type": event, "id": event_id, "timestamp": self._clock().isoformat(), "data": data}
        return WebhookMessage(
            client=change.client, url=target.url, event_type=event, event_id=event_id, payload=payload
        )
