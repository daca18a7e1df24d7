"""Deliveries (= shipments) and delivery notes, read as the 2026 spec shapes them (fulfilment.py makes them).

`GET /api/v1/deliveries` (filters `salesOrderId`, `deliveryNoteId`, `trackingNumber`, `carrier`, `sentAt`, …),
`GET /api/v1/shipments/{id}`, `GET /api/v1/deliveryNotes` (filters `salesOrderId`, `updatedAt`, `status`, …),
`GET /api/v1/deliveryNotes/{id}` (JSON or PDF) and `GET /api/v1/deliveryNotes/{id}/shipments`. Answers carry
only what the spec's closed schemas declare; the parcel's lines stay internal (the spec's delivery has none:
they are on the delivery note's positions, `deliveredQuantity`).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .context import RequestContext, json_response, paged, select
from .filters import FilterSpec
from .operations import PDF
from .problems import empty
from .representations import order_pdf
from .state import Record

__all__ = [
    "get_delivery_note",
    "get_shipment",
    "list_deliveries",
    "list_delivery_notes",
    "list_note_shipments",
]

_DELIVERY_KEYS = (
    "id",
    "tracking",
    "deliveryNote",
    "salesOrder",
    "shippingMethod",
    "sentAt",
    "sentAtTimestamp",
    "label",
    "additionalPackages",
)

_DELIVERY_FILTERS = FilterSpec(
    keys={
        "salesOrderId": lambda d: d["salesOrder"]["id"],
        "shippingMethodId": lambda d: d["shippingMethod"]["id"],
        "deliveryNoteId": lambda d: d["deliveryNote"]["id"],
        "trackingNumber": lambda d: d["tracking"].get("number"),
        "carrier": lambda d: d["tracking"].get("carrier"),
        "sentAt": lambda d: d["sentAt"],
        "sentAtTimestamp": lambda d: d["sentAtTimestamp"],
    },
    ops=frozenset(
        {
            "equals",
            "notEquals",
            "in",
            "notIn",
            "lessThan",
            "lessThanOrEquals",
            "greaterThan",
            "greaterThanOrEquals",
            "startsWith",
            "endsWith",
        }
    ),
)
_DELIVERY_ORDER = {"salesOrderId": lambda d: int(d["salesOrder"]["id"])}

_NOTE_FILTERS = FilterSpec(
    keys={
        "documentDate": lambda n: n["documentDate"],
        "createdAt": lambda n: n["createdAt"],
        "status": lambda n: n["status"],
        "salesOrderId": lambda n: n["salesOrder"]["id"],
        "updatedAt": lambda n: n["updatedAt"],
        "country": lambda n: n["country"],
        "projectId": lambda n: n["project"]["id"],
        "customerId": lambda n: n["customer"]["id"],
        "customerNumber": lambda n: n["customer"].get("number"),
        "shippingAddressName": lambda n: n["receiverName"],
        "documentNumber": lambda n: n["number"],
    },
    ops=frozenset(
        {
            "greaterThan",
            "lessThan",
            "equals",
            "notEquals",
            "in",
            "notIn",
            "contains",
            "notContains",
            "startsWith",
            "endsWith",
            "lessThanOrEquals",
            "greaterThanOrEquals",
        }
    ),
)


def delivery_item(delivery: Record) -> dict[str, Any]:
    return {key: delivery[key] for key in _DELIVERY_KEYS}


def _note_item(note: Record) -> dict[str, Any]:
    return {
        "id": note["id"],
        "number": note["number"],
        "createdAt": note["createdAt"],
        "updatedAt": note["updatedAt"],
        "documentDate": note["documentDate"],
        "receiver": {
            "id": note["customer"]["id"],
            "name": note["receiverName"],
            "number": note["customer"].get("number"),
        },
        "country": note["country"],
        "project": {"id": note["project"]["id"], "name": ""},
        "shippingMethod": {"id": note["shippingMethod"]["id"], "name": ""},
        "type": "deliveryNote",
        "status": note["status"] if note["status"] != "completed" else "sent",
        "salesOrder": dict(note["salesOrder"]),
    }


def _note_view(note: Record) -> dict[str, Any]:
    return {
        "id": note["id"],
        "documentNumber": note["number"],
        "salesOrder": dict(note["salesOrder"]),
        "date": note["documentDate"],
        # Assumption: the view's status enum has no `sent`; a note sent in full shows as `completed`.
        "status": "completed" if note["status"] == "sent" else note["status"],
        "customer": {"id": note["customer"]["id"], "number": note["customer"].get("number")},
        "project": {"id": note["project"]["id"]},
        "updatedAt": note["updatedAt"],
        "positions": [
            {
                "id": position["id"],
                "quantity": position["quantity"],
                "deliveredQuantity": position["deliveredQuantity"],
                "product": {
                    "id": position["product"]["id"],
                    "name": position["product"].get("name") or "",
                    "number": position["product"].get("number"),
                },
            }
            for position in note["positions"]
        ],
    }


def list_deliveries(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        chosen = select(ctx, list(ctx.state.shipments.values()), _DELIVERY_FILTERS, _DELIVERY_ORDER)
        return json_response(paged(ctx, chosen, delivery_item))


def get_shipment(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        delivery = ctx.state.shipments.get(ctx.path_params["id"])
        if delivery is None:
            return empty(404)
        return json_response({"data": delivery_item(delivery)})


def list_delivery_notes(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        # The spec's `order` enum for this list is one odd value ("id, deliveryNoteNumber"): ascending id.
        chosen = select(ctx, list(ctx.state.delivery_notes.values()), _NOTE_FILTERS, None)
        return json_response(paged(ctx, chosen, _note_item))


def get_delivery_note(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        note = ctx.state.delivery_notes.get(ctx.path_params["id"])
        if note is None:
            return empty(404)
        if ctx.media_type == PDF:
            return Response(order_pdf({"documentNumber": note["number"]}), media_type=PDF)
        return json_response({"data": _note_view(note)})


def list_note_shipments(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        note_id = ctx.path_params["id"]
        # Assumption: the spec declares no 404 here; an unknown note has no shipments (an empty page).
        mine = [d for d in ctx.state.shipments.values() if d["deliveryNote"]["id"] == note_id]
        return json_response(paged(ctx, select(ctx, mine, None, None), delivery_item))
