"""The lifecycle as callers read it: in `GET /api/orders/{reference}` and in the change feed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from ..lifecycle.model import LifecycleChange, Shipment
from ..store.tracking import TrackedView

__all__ = ["ChangeFeedOut", "ChangeOut", "LifecycleOut", "ShipmentOut"]


class ShippedLineOut(BaseModel):
    position_id: str | None
    sku: str | None
    quantity: Decimal


class ShipmentOut(BaseModel):
    shipment_id: str = Field(description="Xentral's shipment (delivery) id: one `order.shipped` per id")
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    delivery_note_id: str | None
    shipped_at: dt.datetime | None
    lines: list[ShippedLineOut] = Field(default_factory=list, description="Where Xentral says which lines")

    @classmethod
    def of(cls, shipment: Shipment) -> ShipmentOut:
        return cls(
            shipment_id=shipment.shipment_id,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            tracking_url=shipment.tracking_url,
            delivery_note_id=shipment.delivery_note_id,
            shipped_at=shipment.shipped_at,
            lines=[ShippedLineOut(position_id=x.position_id, sku=x.sku, quantity=x.quantity) for x in shipment.lines],
        )


class ChangeOut(BaseModel):
    change_id: int
    reference: str
    order_id: str
    state: str
    previous_state: str | None = Field(description="None: the import itself")
    at: dt.datetime
    shipment: ShipmentOut | None = None
    held_reasons: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, change: LifecycleChange) -> ChangeOut:
        return cls(
            change_id=change.change_id,
            reference=change.reference,
            order_id=change.sales_order_id,
            state=change.state.value,
            previous_state=change.previous_state.value if change.previous_state else None,
            at=change.at,
            shipment=ShipmentOut.of(change.shipment) if change.shipment else None,
            held_reasons=list(change.held_reasons),
        )


class LifecycleOut(BaseModel):
    state: str = Field(
        description="imported, released, held, dispatched, partially_shipped, shipped, completed or cancelled"
    )
    held_reasons: list[str] = Field(default_factory=list)
    shipments: list[ShipmentOut]
    timeline: list[ChangeOut] = Field(description="Every change since the import, oldest first")
    tracked_until: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, view: TrackedView) -> LifecycleOut:
        return cls(
            state=view.order.state.value,
            held_reasons=list(view.order.held_reasons),
            shipments=[ShipmentOut.of(shipment) for shipment in view.order.shipments],
            timeline=[ChangeOut.of(change) for change in view.changes],
            tracked_until=view.track_until,
            updated_at=view.updated_at,
        )


class ChangeFeedOut(BaseModel):
    """One page of the client's lifecycle changes, oldest first."""

    changes: list[ChangeOut]
    next_cursor: str | None = Field(
        description="Send as `cursor` for the changes after this page (also when it was the last: new ones follow)"
    )
    has_more: bool = Field(description="More changes are waiting now")
