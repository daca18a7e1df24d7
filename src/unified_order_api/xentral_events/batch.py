"""`BatchLookups`: the event worker's Xentral reads for one claimed batch of events, each made once.

An event names too little at times (`translation`): a shipment its delivery note only, a thin
`salesOrder.updated` no status. Events of one change come together (a parcel: `shipment.created`,
`salesOrderPosition.delivered`, then a thin `salesOrder.updated`), so one batch reads:

- each delivery note once: every shipment of the note in the batch is answered by the same read, made
  after all of them arrived;
- each order's status once, and not at all where an event of the same batch, dated no earlier than
  the thin update, carries that order's status (`salesOrderPosition.delivered`'s `salesOrder.status`,
  documented in the AsyncAPI; a full `salesOrder.updated`): what Xentral said at or after the update
  stands for the read (docs/xentral.md#events-webhooks). A later change sends an event of its own.

A failed read is not kept (the next event asks again; the failed one is retried). A new batch reads
anew: what was read before may have changed since. Reads run in the limiter's background lane.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..orders.reads import in_background
from .ids import NotAnId, rest_id
from .ports import EventLookups, NoteRead, QueuedEvent
from .translation import event_name, event_time

__all__ = ["BatchLookups"]


def _carried_status(event: QueuedEvent) -> tuple[str, str, dt.datetime] | None:
    """(order id, status, when) where the event carries its order's status, else None."""
    name = event_name(event.event_type)
    body = event.body
    if name == "salesOrderPosition.delivered":
        order = body.get("salesOrder")
        order_id, status = (order.get("id"), order.get("status")) if isinstance(order, dict) else (None, None)
    elif name == "salesOrder.updated":
        order_id, status = body.get("salesOrderId"), body.get("status")
    else:
        return None
    if not isinstance(status, str):
        return None
    try:
        return rest_id(order_id), status, event_time(body, event.received_at)
    except NotAnId:
        return None


class BatchLookups:
    def __init__(self, lookups: EventLookups, events: Iterable[QueuedEvent]) -> None:
        self._lookups = lookups
        self._notes: dict[tuple[str, str], NoteRead | None] = {}
        self._statuses: dict[tuple[str, str], str | None] = {}
        self._carried: dict[tuple[str, str], list[tuple[dt.datetime, str]]] = {}
        for event in events:
            carried = _carried_status(event)
            if carried is not None:
                order_id, status, at = carried
                self._carried.setdefault((event.instance, order_id), []).append((at, status))

    async def delivery_note(self, instance: str, delivery_note_id: str) -> NoteRead | None:
        key = (instance, delivery_note_id)
        if key not in self._notes:
            with in_background():
                self._notes[key] = await self._lookups.delivery_note(instance, delivery_note_id)
        return self._notes[key]

    async def order_status(self, instance: str, sales_order_id: str, *, changed_at: dt.datetime) -> str | None:
        """The order's status as of `changed_at` or later: carried by the batch, read before, or read now."""
        carried = [(at, status) for at, status in self._carried.get((instance, sales_order_id), ()) if at >= changed_at]
        if carried:
            return max(carried, key=lambda seen: seen[0])[1]
        key = (instance, sales_order_id)
        if key not in self._statuses:
            with in_background():
                self._statuses[key] = await self._lookups.order_status(instance, sales_order_id)
        return self._statuses[key]
