"""`XentralEventLookups`: the event worker's reads, per instance — a delivery note's order, an order's status.

A shipment event names its delivery note only (docs/xentral.md#events-webhooks), so its order is
read from `GET /api/v1/deliveryNotes/{id}`; a thin `salesOrder.updated` names no change, so the
order's status is read from `GET /api/v1/salesOrders/{id}`. A note or order that is gone reads as
None. The worker calls these as background work (the rate limiter's low-priority lane).
"""

from __future__ import annotations

from collections.abc import Mapping

from .client import XentralClient
from .errors import XentralNotFound

__all__ = ["XentralEventLookups"]


class XentralEventLookups:
    def __init__(self, clients: Mapping[str, XentralClient]) -> None:
        self._clients = dict(clients)

    async def order_of_delivery_note(self, instance: str, delivery_note_id: str) -> str | None:
        try:
            note = await self._clients[instance].get_delivery_note(delivery_note_id)
        except XentralNotFound:
            return None
        return note.sales_order.id if note.sales_order is not None else None

    async def order_status(self, instance: str, sales_order_id: str) -> str | None:
        try:
            order = await self._clients[instance].get_sales_order(sales_order_id)
        except XentralNotFound:
            return None
        return order.status
