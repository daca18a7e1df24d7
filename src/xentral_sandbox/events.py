"""What happens in the sandbox, as Xentral's events name it: the source for webhook subscriptions.

Every change that Xentral announces as an event (an order released, dispatched, a shipment created, …)
is emitted here once, in order, with an integer id as Xentral's event payloads carry integers. Listeners
(the webhook deliveries to subscriptions) are called after the change, outside the state lock.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["EmittedEvent", "SandboxEvents", "event_type"]


def event_type(name: str, version: int = 1) -> str:
    """`salesOrder.dispatched` → `com.xentral.salesOrder.dispatched.v1`, the form subscriptions and payloads use."""
    return f"com.xentral.{name}.v{version}"


@dataclass(frozen=True, slots=True)
class EmittedEvent:
    sequence: int
    type: str
    body: dict[str, Any]
    at: dt.datetime


Listener = Callable[[EmittedEvent], None]


class SandboxEvents:
    """The sandbox's events in emission order. `emit` records and notifies; `since` lets tests read them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[EmittedEvent] = []
        self._listeners: list[Listener] = []

    def emit(self, name: str, body: dict[str, Any], *, version: int = 1) -> EmittedEvent:
        with self._lock:
            event = EmittedEvent(len(self._events) + 1, event_type(name, version), dict(body), dt.datetime.now(dt.UTC))
            self._events.append(event)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)
        return event

    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def since(self, after: int = 0) -> list[EmittedEvent]:
        with self._lock:
            return [event for event in self._events if event.sequence > after]

    def clear(self) -> None:
        """Forget the events (`SandboxState.reset`); listeners stay."""
        with self._lock:
            self._events.clear()
