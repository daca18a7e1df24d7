"""An order's life after the import, as a warehouse moves it: dispatch, ship (parcels), cancel, complete.

The sandbox's model (docs/xentral.md#after-the-import, assumptions marked there):

- `dispatch` puts a released order into shipping: one delivery note holding every position (ordered
  quantity, delivered 0). Events: `salesOrder.dispatched`, `deliveryNote.created`.
- `ship` sends a parcel: one delivery (= shipment: tracking number, carrier, link) on the order's delivery
  note, for the lines given (position id and quantity) or for everything not yet delivered. An order not
  dispatched yet is dispatched first. When every position is delivered, the note is `sent`. Events:
  `shipment.created`, `salesOrderPosition.delivered` per position delivered in full, `salesOrder.updated`.
- `cancel`: a released order without a parcel becomes `canceled` (its note too). `complete`: `completed`.
  Events: `salesOrder.updated` (the AsyncAPI has no cancel or complete event of its own).
- `cancel_action`: the API's `POST /api/v1/salesOrders/{id}/actions/cancel`, stricter than the warehouse's
  move: refused once the order is dispatched (it has a delivery note) or shipped; which statuses it takes is
  a contested reading (`readings.Readings.cancellable`).

Every change moves the order's `updatedAt`, so `GET /api/v1/salesOrders` filtered by `updatedAt` finds it.
Refusals raise `FulfilmentRefused` (the admin answers 409 with the reason). Events are emitted after the
state lock is released, in the order the changes happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .state import Record, SandboxState, UnknownOrder

__all__ = ["FulfilmentRefused", "Line", "cancel", "cancel_action", "complete", "dispatch", "ship"]

Emitted = list[tuple[str, dict[str, Any]]]


class FulfilmentRefused(ValueError):
    """The order is in no state for this (e.g. shipping a cancelled order)."""


@dataclass(frozen=True, slots=True)
class Line:
    """A position of the order and the quantity of it in a parcel."""

    position_id: str
    quantity: Decimal


def _now() -> datetime:
    return datetime.now(UTC)


def _order(state: SandboxState, order_id: str) -> Record:
    order = state.sales_orders.get(order_id)
    if order is None:
        raise UnknownOrder(order_id)
    return order


def _project(order: Record) -> dict[str, int]:
    return {"id": int(order["project"]["id"])}


def _touch(order: Record, now: datetime) -> None:
    order["updatedAt"] = now.isoformat(timespec="seconds")


def _emit(state: SandboxState, emitted: Emitted) -> None:
    for name, body in emitted:
        state.events.emit(name, body)


def dispatch(state: SandboxState, order_id: str) -> Record:
    """Put a released order into shipping; returns its delivery note."""
    emitted: Emitted = []
    with state.lock:
        note = _dispatch(state, _order(state, order_id), _now(), emitted)
    _emit(state, emitted)
    return note


def _dispatch(state: SandboxState, order: Record, now: datetime, emitted: Emitted) -> Record:
    if order["status"] != "released":
        raise FulfilmentRefused(f"sales order {order['id']} is {order['status']}, not released")
    if order.get("deliveryNoteId"):
        raise FulfilmentRefused(f"sales order {order['id']} is dispatched already")
    note_id = state.next_id(state.delivery_notes)
    stamp = now.isoformat(timespec="seconds")
    address = order["delivery"].get("shippingAddress") or {}
    note: Record = {
        "id": note_id,
        "number": state.take_number("deliveryNote", 300001),
        "createdAt": stamp,
        "updatedAt": stamp,
        "documentDate": now.date().isoformat(),
        "status": "released",
        "salesOrder": {"id": order["id"]},
        "customer": dict(order["customer"]),
        "project": {"id": order["project"]["id"]},
        "shippingMethod": {"id": order["delivery"]["shippingMethod"]["id"]},
        "country": address.get("country") or "",
        "receiverName": address.get("name") or "",
        "positions": [
            {
                "id": position["id"],
                "quantity": float(position["quantity"]),
                "deliveredQuantity": 0.0,
                "product": dict(position["product"]),
                "webId": position.get("webId") or "",
            }
            for position in order["positions"]
        ],
    }
    state.delivery_notes[note_id] = note
    order["deliveryNoteId"] = note_id
    _touch(order, now)
    emitted.append(
        (
            "salesOrder.dispatched",
            {"salesOrderId": int(order["id"]), "project": _project(order), "updatedAt": now.isoformat()},
        )
    )
    emitted.append(("deliveryNote.created", {"deliveryNoteId": int(note_id), "createdAt": now.isoformat()}))
    return note


def ship(
    state: SandboxState,
    order_id: str,
    *,
    tracking_number: str,
    carrier: str | None = None,
    tracking_url: str | None = None,
    lines: list[Line] | None = None,
) -> Record:
    """Send a parcel of the order (the lines given, or all not yet delivered); returns the shipment."""
    emitted: Emitted = []
    now = _now()
    with state.lock:
        order = _order(state, order_id)
        if order["status"] != "released":
            raise FulfilmentRefused(f"sales order {order_id} is {order['status']}, not released")
        note = state.delivery_notes.get(order.get("deliveryNoteId") or "") or _dispatch(state, order, now, emitted)
        positions = {position["id"]: position for position in note["positions"]}
        parcel = _parcel_lines(positions, lines)
        delivered = []
        for position_id, quantity in parcel:
            position = positions[position_id]
            position["deliveredQuantity"] = float(Decimal(str(position["deliveredQuantity"])) + quantity)
            if Decimal(str(position["deliveredQuantity"])) >= Decimal(str(position["quantity"])):
                delivered.append(position)
        shipment_id = state.next_id(state.shipments)
        shipment: Record = {
            "id": shipment_id,
            "tracking": {
                k: v for k, v in (("number", tracking_number), ("link", tracking_url), ("carrier", carrier)) if v
            },
            "deliveryNote": {"id": note["id"]},
            "salesOrder": {"id": order_id},
            "shippingMethod": {"id": note["shippingMethod"]["id"]},
            "sentAt": now.date().isoformat(),
            "sentAtTimestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
            "label": None,
            "additionalPackages": [],
            "lines": [{"positionId": pid, "quantity": str(quantity)} for pid, quantity in parcel],
        }
        state.shipments[shipment_id] = shipment
        if all(Decimal(str(p["deliveredQuantity"])) >= Decimal(str(p["quantity"])) for p in note["positions"]):
            note["status"] = "sent"
        note["updatedAt"] = now.isoformat(timespec="seconds")
        _touch(order, now)
        emitted.append(
            (
                "shipment.created",
                {
                    "shipmentId": int(shipment_id),
                    "deliveryNoteId": int(note["id"]),
                    "carrier": carrier,
                    "trackingNumber": tracking_number,
                    "trackingUrl": tracking_url,
                    "createdAt": now.isoformat(),
                },
            )
        )
        for position in delivered:
            emitted.append(
                (
                    "salesOrderPosition.delivered",
                    {
                        "salesOrderPositionId": int(position["id"]),
                        "salesOrder": {"id": int(order_id), "status": order["status"]},
                        "product": {"id": int(position["product"]["id"])},
                        "updatedAt": now.isoformat(),
                    },
                )
            )
        emitted.append(("salesOrder.updated", _updated(order, now)))
    _emit(state, emitted)
    return shipment


def _parcel_lines(positions: dict[str, Record], lines: list[Line] | None) -> list[tuple[str, Decimal]]:
    """What goes in the parcel: the lines asked for (each within what is left of its position), or all that is left."""

    def left(position: Record) -> Decimal:
        return Decimal(str(position["quantity"])) - Decimal(str(position["deliveredQuantity"]))

    if lines is None:
        parcel = [(pid, left(position)) for pid, position in positions.items() if left(position) > 0]
    else:
        parcel = []
        for line in lines:
            position = positions.get(line.position_id)
            if position is None:
                raise FulfilmentRefused(f"the order has no position {line.position_id}")
            if line.quantity <= 0 or line.quantity > left(position):
                raise FulfilmentRefused(f"position {line.position_id} has {left(position)} left to ship")
            parcel.append((line.position_id, line.quantity))
    if not parcel:
        raise FulfilmentRefused("nothing is left to ship")
    return parcel


def _updated(order: Record, now: datetime) -> dict[str, Any]:
    return {"salesOrderId": int(order["id"]), "project": _project(order), "updatedAt": now.isoformat()}


def cancel(state: SandboxState, order_id: str) -> None:
    """Cancel an order nothing of which was shipped (the admin's move: a dispatched order too)."""
    now = _now()
    with state.lock:
        order = _order(state, order_id)
        if order["status"] not in ("created", "released"):
            raise FulfilmentRefused(f"sales order {order_id} is {order['status']}")
        if _shipped(state, order_id):
            raise FulfilmentRefused(f"sales order {order_id} has shipped parcels")
        emitted = _cancelled(state, order, now)
    _emit(state, emitted)


def cancel_action(state: SandboxState, order_id: str) -> None:
    """`POST /api/v1/salesOrders/{id}/actions/cancel`: what the API lets a client cancel (readings.py,
    `cancellable`). Refused (the API answers 409) once the order is dispatched or a parcel left, and for the
    states the reading excludes; an order cancelled already is refused too (assumed: the state is wrong)."""
    now = _now()
    with state.lock:
        order = _order(state, order_id)
        status = order["status"]
        allowed = ("released",) if state.readings.cancellable == "released" else ("created", "completed")
        if status not in allowed:
            raise FulfilmentRefused(f"Sales order {order_id} is {status} and cannot be canceled.")
        if order.get("deliveryNoteId") or _shipped(state, order_id):
            raise FulfilmentRefused(f"Sales order {order_id} is dispatched and cannot be canceled.")
        emitted = _cancelled(state, order, now)
    _emit(state, emitted)


def _shipped(state: SandboxState, order_id: str) -> bool:
    return any(shipment["salesOrder"]["id"] == order_id for shipment in state.shipments.values())


def _cancelled(state: SandboxState, order: Record, now: datetime) -> Emitted:
    """The order (and its delivery note, if any) `canceled`; the events that tell it."""
    order["status"] = "canceled"
    note = state.delivery_notes.get(order.get("deliveryNoteId") or "")
    if note is not None:
        note["status"] = "canceled"
        note["updatedAt"] = now.isoformat(timespec="seconds")
    _touch(order, now)
    emitted: Emitted = [("salesOrder.updated", _updated(order, now))]
    if note is not None:
        emitted.append(("deliveryNote.canceled", {"deliveryNoteId": int(note["id"]), "updatedAt": now.isoformat()}))
    return emitted


def complete(state: SandboxState, order_id: str) -> None:
    """Mark a released order completed (in Xentral: its documents are done)."""
    now = _now()
    with state.lock:
        order = _order(state, order_id)
        if order["status"] != "released":
            raise FulfilmentRefused(f"sales order {order_id} is {order['status']}, not released")
        order["status"] = "completed"
        _touch(order, now)
        emitted: Emitted = [("salesOrder.updated", _updated(order, now))]
    _emit(state, emitted)
