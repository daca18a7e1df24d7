"""The lifecycle's words, shared by its sources (events, polling) and its consumers (webhooks, shops).

Ids are Xentral's REST form (digit strings) everywhere here: an event's integer ids are converted
once, where the event is read. Nothing here knows HTTP, SQL or Xentral's wire format.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

__all__ = [
    "ChangeFeed",
    "LifecycleChange",
    "LifecycleState",
    "Observation",
    "ObservationSink",
    "ObservationSource",
    "Shipment",
    "ShippedLine",
]

ObservationSource = Literal["event", "poll", "shop"]  # "shop": our own cancel call, on the shop's request


class LifecycleState(enum.StrEnum):
    """Where an imported order stands. `rank` orders the forward path; `held` is a side state of an
    order that is released but cannot ship yet, `cancelled` ends the path from anywhere before `shipped`."""

    IMPORTED = "imported"
    RELEASED = "released"
    HELD = "held"
    DISPATCHED = "dispatched"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def final(self) -> bool:
        return self in (LifecycleState.COMPLETED, LifecycleState.CANCELLED)


_RANK = {
    LifecycleState.IMPORTED: 0,
    LifecycleState.RELEASED: 1,
    LifecycleState.HELD: 1,
    LifecycleState.DISPATCHED: 2,
    LifecycleState.PARTIALLY_SHIPPED: 3,
    LifecycleState.SHIPPED: 4,
    LifecycleState.COMPLETED: 5,
    LifecycleState.CANCELLED: 5,
}


@dataclass(frozen=True, slots=True)
class ShippedLine:
    """One order line in a shipment, as far as Xentral says: the position id and, where the shop
    sent one, the shop's line id (`webId`), and the quantity shipped."""

    position_id: str | None
    web_id: str | None
    sku: str | None
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Shipment:
    """One parcel on its way. `shipment_id` is Xentral's, and identifies the shipment for every
    consumer (one `order.shipped`, one shop fulfilment per shipment id)."""

    shipment_id: str
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    delivery_note_id: str | None = None
    shipped_at: dt.datetime | None = None
    lines: tuple[ShippedLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    """What one source saw of one Xentral sales order at one time. `state` None: nothing about the
    state (e.g. a shipment event alone). `shipment` None: no shipment in this observation.
    `all_shipped`: the shipment's delivery note is delivered in full (None: not read)."""

    instance: str
    sales_order_id: str
    observed_at: dt.datetime
    source: ObservationSource
    state: LifecycleState | None = None
    shipment: Shipment | None = None
    held_reasons: tuple[str, ...] = ()
    all_shipped: bool | None = None
    delivered: tuple[ShippedLine, ...] = ()
    """With a shipment: what its delivery note had delivered when it was read, by product number (SKU),
    in all — the parcel's own lines are that less the order's earlier parcels (`machine`)."""


class ObservationSink(Protocol):
    """Where sources hand what they saw. Applying is idempotent and never moves an order backwards,
    so an event seen twice, late or out of order, and a poll that repeats it, change nothing more."""

    async def observe(self, observations: Sequence[Observation]) -> None: ...


@dataclass(frozen=True, slots=True)
class LifecycleChange:
    """One step in a tracked order's story, recorded once. `change_id` grows monotonically, so a
    consumer keeps the last id it handled and resumes after it (at-least-once, in order)."""

    change_id: int
    client: str
    reference: str
    instance: str
    sales_order_id: str
    state: LifecycleState
    previous_state: LifecycleState | None
    at: dt.datetime
    shipment: Shipment | None = None
    held_reasons: tuple[str, ...] = field(default=())


class ChangeFeed(Protocol):
    """The recorded changes in `change_id` order."""

    async def changes_since(self, after: int, limit: int) -> Sequence[LifecycleChange]: ...
