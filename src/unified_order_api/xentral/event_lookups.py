"""`XentralEventLookups`: the event worker's reads, per instance — a delivery note, an order's status.

A shipment event names its delivery note only (docs/xentral.md#events-webhooks), so its order is
read from `GET /api/v1/deliveryNotes/{id}`, and whether the parcel leaves the order shipped in full
(every position delivered, as the poller reads it: docs/xentral.md#after-the-import); a thin
`salesOrder.updated` names no change, so the order's status is read from `GET
/api/v1/salesOrders/{id}`. A note or order that is gone reads as None. The worker calls these as
background work (the rate limiter's low-priority lane).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..xentral_events.ports import NoteRead
from .client import XentralClient
from .errors import XentralNotFound
from .tracking_reads import note_progress

__all__ = ["XentralEventLookups"]


class XentralEventLookups:
    def __init__(self, clients: Mapping[str, XentralClient]) -> None:
        self._clients = dict(clients)

    async def delivery_note(self, instance: str, delivery_note_id: str) -> NoteRead | None:
        try:
            note = await self._clients[instance].get_delivery_note(delivery_note_id)
        except XentralNotFound:
            return None
        order_id = note.sales_order.id if note.sales_order is not None else None
        progress = note_progress(note)
        return NoteRead(order_id, progress.shipped_in_full, progress.delivered)

    async def order_status(self, instance: str, sales_order_id: str) -> str | None:
        try:
            order = await self._clients[instance].get_sales_order(sales_order_id)
        except XentralNotFound:
            return None
        return order.status
