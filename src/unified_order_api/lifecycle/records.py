"""Shipments and changes as JSON: how the store keeps them and callers (webhooks, the API) read them.

One form for both, so a shipment reads the same in `GET /api/orders/{reference}`, in the change
feed and in `order.shipped`. Quantities are decimal strings, times ISO 8601.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .model import LifecycleChange, Shipment, ShippedLine

__all__ = ["change_to_json", "shipment_from_json", "shipment_to_json"]


def shipment_to_json(shipment: Shipment) -> dict[str, Any]:
    return {
        "shipment_id": shipment.shipment_id,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "delivery_note_id": shipment.delivery_note_id,
        "shipped_at": shipment.shipped_at.isoformat() if shipment.shipped_at else None,
        "lines": [
            {"position_id": line.position_id, "web_id": line.web_id, "sku": line.sku, "quantity": str(line.quantity)}
            for line in shipment.lines
        ],
    }


def shipment_from_json(data: dict[str, Any]) -> Shipment:
    shipped_at = data.get("shipped_at")
    return Shipment(
        shipment_id=str(data["shipment_id"]),
        carrier=data.get("carrier"),
        tracking_number=data.get("tracking_number"),
        tracking_url=data.get("tracking_url"),
        delivery_note_id=data.get("delivery_note_id"),
        shipped_at=dt.datetime.fromisoformat(shipped_at) if shipped_at else None,
        lines=tuple(
            ShippedLine(line.get("position_id"), line.get("web_id"), line.get("sku"), Decimal(str(line["quantity"])))
            for line in data.get("lines") or []
        ),
    )


def change_to_json(change: LifecycleChange) -> dict[str, Any]:
    return {
        "change_id": change.change_id,
        "reference": change.reference,
        "order_id": change.sales_order_id,
        "state": change.state.value,
        "previous_state": change.previous_state.value if change.previous_state else None,
        "at": change.at.isoformat(),
        "shipment": shipment_to_json(change.shipment) if change.shipment else None,
        "held_reasons": list(change.held_reasons),
    }
