"""Xentral's events → what the lifecycle understands: one of four results per event, pure, no I/O.

- `Observed`: the event says where one sales order stands (`salesOrder.released` → released, …).
- `ShipmentOfNote`: a shipment (`shipment.created`) names its delivery note but not its order
  (docs/xentral.md#events-webhooks); the worker asks Xentral which order the note belongs to.
- `StatusToRead`: a thin `salesOrder.updated` says only that the order changed (a cancellation or a
  completion has no event of its own); the worker reads the order's status.
- `Ignored`: nothing the lifecycle needs (another resource, an unknown status).

Ids become REST digit strings here (`ids.rest_id`), and only here. An event that is not shaped as
the AsyncAPI says (a missing or non-integer id) is `EventMalformed`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..lifecycle import LifecycleState, Shipment, ShippedLine
from .ids import NotAnId, rest_id

__all__ = [
    "SUBSCRIBED_EVENTS",
    "EventMalformed",
    "Ignored",
    "Observed",
    "ShipmentOfNote",
    "StatusToRead",
    "Translation",
    "event_name",
    "event_time",
    "state_of_status",
    "translate",
]

# The events our subscription asks for (each a channel of Xentral's AsyncAPI; a contract test checks them).
SUBSCRIBED_EVENTS: tuple[str, ...] = (
    "com.xentral.salesOrder.released.v1",
    "com.xentral.salesOrder.dispatched.v1",
    "com.xentral.salesOrder.updated.v1",
    "com.xentral.salesOrder.deleted.v1",
    "com.xentral.salesOrderPosition.delivered.v1",
    "com.xentral.shipment.created.v1",
    "com.xentral.shipment.labelCreated.v1",
)

# The event that alone says where an order stands.
_STATE_OF_EVENT: Mapping[str, LifecycleState] = {
    "salesOrder.created": LifecycleState.IMPORTED,
    "salesOrder.imported": LifecycleState.IMPORTED,
    "salesOrder.released": LifecycleState.RELEASED,
    "salesOrder.dispatched": LifecycleState.DISPATCHED,
    # Assumed: a deleted order never ships (only drafts can be deleted, FACTS §5); for us it is cancelled.
    "salesOrder.deleted": LifecycleState.CANCELLED,
    # Assumed: a delivered position means the order is on its way; the shipment itself is `shipment.*`.
    "salesOrderPosition.delivered": LifecycleState.DISPATCHED,
}

# Xentral's order statuses (v1 and v3 spellings, FACTS §5) → our states; others say nothing.
_STATE_OF_STATUS: Mapping[str, LifecycleState] = {
    "created": LifecycleState.IMPORTED,
    "draft": LifecycleState.IMPORTED,
    "released": LifecycleState.RELEASED,
    "canceled": LifecycleState.CANCELLED,
    "cancelled": LifecycleState.CANCELLED,
    "completed": LifecycleState.COMPLETED,
}


class EventMalformed(ValueError):
    """The event is not shaped as Xentral's AsyncAPI says; it is kept, marked failed, never guessed at."""


@dataclass(frozen=True, slots=True)
class Observed:
    sales_order_id: str
    observed_at: dt.datetime
    state: LifecycleState | None = None
    shipment: Shipment | None = None
    all_shipped: bool | None = None  # with a shipment: its delivery note delivered in full (read by the worker)
    delivered: tuple[ShippedLine, ...] = ()  # …and what it has delivered by SKU in all


@dataclass(frozen=True, slots=True)
class ShipmentOfNote:
    delivery_note_id: str
    shipment: Shipment
    observed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StatusToRead:
    sales_order_id: str
    observed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


Translation = Observed | ShipmentOfNote | StatusToRead | Ignored


def event_name(event_type: str) -> str:
    """`com.xentral.shipment.created.v1` → `shipment.created` (the AsyncAPI channel)."""
    name = event_type.removeprefix("com.xentral.")
    head, _, version = name.rpartition(".")
    return head if head and version.startswith("v") and version[1:].isdigit() else name


def state_of_status(status: object) -> LifecycleState | None:
    """The state a Xentral order status means, None for any other status."""
    return _STATE_OF_STATUS.get(status.lower()) if isinstance(status, str) else None


def _id(body: Mapping[str, Any], *path: str) -> str:
    value: Any = body
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    try:
        return rest_id(value)
    except NotAnId as error:
        raise EventMalformed(f"{'.'.join(path)}: {error}") from None


def event_time(body: Mapping[str, Any], received_at: dt.datetime) -> dt.datetime:
    """When it happened, as the event says (`updatedAt`, `createdAt`), else when it arrived."""
    for key in ("updatedAt", "createdAt"):
        value = body.get(key)
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return received_at


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _shipment(body: Mapping[str, Any], at: dt.datetime) -> Shipment:
    return Shipment(
        shipment_id=_id(body, "shipmentId"),
        carrier=_text(body, "carrier"),
        tracking_number=_text(body, "trackingNumber"),
        tracking_url=_text(body, "trackingUrl"),
        delivery_note_id=_id(body, "deliveryNoteId"),
        shipped_at=at,
    )


def translate(event_type: str, body: Mapping[str, Any], received_at: dt.datetime) -> Translation:
    """What one event means for the lifecycle (`received_at`: when it arrived, if it names no time)."""
    name = event_name(event_type)
    at = event_time(body, received_at)
    if name in ("shipment.created", "shipment.labelCreated"):
        shipment = _shipment(body, at)
        if body.get("salesOrderId") is not None:  # labelCreated may name the order
            return Observed(_id(body, "salesOrderId"), at, shipment=shipment)
        return ShipmentOfNote(_id(body, "deliveryNoteId"), shipment, at)
    if name == "salesOrderPosition.delivered":
        return Observed(_id(body, "salesOrder", "id"), at, state=_STATE_OF_EVENT[name])
    if name == "salesOrder.updated":
        order_id = _id(body, "salesOrderId")
        if "status" not in body:  # the thin form: the change is not named
            return StatusToRead(order_id, at)
        state = state_of_status(body["status"])
        return Observed(order_id, at, state=state) if state is not None else Ignored(f"status {body['status']!r}")
    if name in _STATE_OF_EVENT:
        return Observed(_id(body, "salesOrderId"), at, state=_STATE_OF_EVENT[name])
    return Ignored(f"{name} is not an order's step")
