"""The poller's reads of one Xentral instance: what changed since a time, checked against the filter asked.

Three lists (docs/xentral.md#after-the-import): sales orders by `updatedAt`, delivery notes by `updatedAt`,
deliveries by `salesOrderId` `in` (only for orders that changed), and a delivery note's view for a new
parcel (to know whether the order is shipped in full). Every answer is checked: an item the filter
excludes means the filter was not applied, and the answer is refused (`verification`). Calls are counted
(`calls`), for tracking's share of the budget. The caller runs them in the limiter's background lane.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel

from ..lifecycle import ShippedLine
from ..lifecycle.polling import DeliverySeen, NoteProgress, NoteSeen, OrderSeen
from .client import XentralClient
from .converters import to_sales_order
from .filters import MAX_PAGE_SIZE, Filter, Page
from .verification import AnswerChecks, UntrustedHook
from .wire import DeliveryItem, DeliveryNoteItem, DeliveryNoteView, ListResponse, SalesOrderItem

__all__ = [
    "MAX_TRACKING_PAGES",
    "XentralTrackingReads",
    "note_delivered",
    "note_progress",
    "note_shipped_in_full",
    "parse_time",
    "wire_time",
]

MAX_TRACKING_PAGES = 200
"""Pages of one tracking list at most (10,000 items): far above what changes in one poll interval."""

W = TypeVar("W", bound=BaseModel)


def wire_time(at: dt.datetime) -> str:
    """A filter value for a date-time key. Assumption: ISO 8601 in UTC is what Xentral parses."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> dt.datetime | None:
    """Xentral's `updatedAt` / `sentAtTimestamp` (ISO 8601, or `YYYY-MM-DD HH:MM:SS`); naive reads as UTC."""
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class XentralTrackingReads:
    """Implements `lifecycle.polling.TrackingReads` over one instance's client."""

    def __init__(self, client: XentralClient, *, on_untrusted: UntrustedHook | None = None) -> None:
        self._client = client
        self._checks = AnswerChecks(on_untrusted)
        self.calls = 0

    async def _pages(
        self,
        fetch: Callable[[list[Filter], Page], Awaitable[ListResponse[W]]],
        filters: list[Filter],
        operation: str,
        key: str,
        check: Callable[[W], bool],
    ) -> list[W]:
        items: list[W] = []
        page = Page(1, MAX_PAGE_SIZE)
        for _ in range(MAX_TRACKING_PAGES):
            self.calls += 1
            answer = await fetch(filters, page)
            self._checks.filter_applied(operation, key, answer.data, check)
            items.extend(answer.data)
            if len(answer.data) < page.size:
                return items
            page = page.next()
        return items

    async def orders_changed(self, since: dt.datetime) -> list[OrderSeen]:
        def after(item: SalesOrderItem) -> bool:
            at = parse_time(item.updated_at)
            return at is None or at >= since - dt.timedelta(seconds=1)

        items = await self._pages(
            self._client.list_sales_orders,
            [Filter("updatedAt", "greaterThanOrEquals", wire_time(since))],
            "list_sales_orders",
            "updatedAt",
            after,
        )
        seen = []
        for item in items:
            order = to_sales_order(item)
            seen.append(
                OrderSeen(
                    order.id,
                    item.status,
                    tuple(order.held_reasons or ()),
                    order.held_reasons is not None,
                    parse_time(item.updated_at),
                )
            )
        return seen

    async def notes_changed(self, since: dt.datetime) -> list[NoteSeen]:
        def after(item: DeliveryNoteItem) -> bool:
            at = parse_time(item.updated_at)
            return at is None or at >= since - dt.timedelta(seconds=1)

        items = await self._pages(
            self._client.list_delivery_notes,
            [Filter("updatedAt", "greaterThanOrEquals", wire_time(since))],
            "list_delivery_notes",
            "updatedAt",
            after,
        )
        return [
            NoteSeen(item.id, item.sales_order.id, item.status or "unknown", parse_time(item.updated_at))
            for item in items
            if item.sales_order is not None
        ]

    async def deliveries_of(self, sales_order_ids: Sequence[str]) -> list[DeliverySeen]:
        found: list[DeliverySeen] = []
        wanted = list(dict.fromkeys(sales_order_ids))
        for start in range(0, len(wanted), MAX_PAGE_SIZE):
            chunk = wanted[start : start + MAX_PAGE_SIZE]
            chosen = set(chunk)

            def ours(item: DeliveryItem, chosen: set[str] = chosen) -> bool:
                return item.sales_order is not None and item.sales_order.id in chosen

            items = await self._pages(
                self._client.list_deliveries,
                [Filter("salesOrderId", "in", chunk)],
                "list_deliveries",
                "salesOrderId",
                ours,
            )
            for item in items:
                tracking = item.tracking
                found.append(
                    DeliverySeen(
                        shipment_id=item.id,
                        sales_order_id=item.sales_order.id if item.sales_order else "",
                        delivery_note_id=item.delivery_note.id if item.delivery_note else None,
                        tracking_number=tracking.number if tracking else None,
                        carrier=tracking.carrier if tracking else None,
                        tracking_url=tracking.link if tracking else None,
                        sent_at=parse_time(item.sent_at_timestamp),
                    )
                )
        return found

    async def note_progress(self, delivery_note_id: str) -> NoteProgress:
        self.calls += 1
        return note_progress(await self._client.get_delivery_note(delivery_note_id))


def note_shipped_in_full(note: DeliveryNoteView) -> bool:
    """Every position of the note delivered (assumed: docs/xentral.md#after-the-import)."""
    return bool(note.positions) and all(p.delivered_quantity >= p.quantity for p in note.positions)


def note_delivered(note: DeliveryNoteView) -> tuple[ShippedLine, ...]:
    """What the note has delivered in all, by product number (the SKU the order was imported with); nothing
    (unknown) when a position names no product number, so no parcel is told a part of its lines."""
    delivered: dict[str, Decimal] = {}
    for position in note.positions:
        number = position.product.number if position.product is not None else None
        if not number:
            return ()
        if position.delivered_quantity > 0:
            delivered[number] = delivered.get(number, Decimal(0)) + position.delivered_quantity
    return tuple(ShippedLine(None, None, sku, quantity) for sku, quantity in delivered.items())


def note_progress(note: DeliveryNoteView) -> NoteProgress:
    return NoteProgress(note_shipped_in_full(note), note_delivered(note))
