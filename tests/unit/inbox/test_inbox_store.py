"""The inbox's store keeps entries for the retention: the hourly purge deletes older ones and keeps the rest."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.inbox import InboxQuery, NewInboxEntry
from unified_order_api.store.inbox import SqlInbox

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


def refused(received_at: dt.datetime, reference: str) -> NewInboxEntry:
    return NewInboxEntry(
        received_at=received_at,
        channel="orders",
        client="shop",
        shop=None,
        source="203.0.113.9",
        path="/api/orders",
        status=422,
        outcome="refused",
        code="request_invalid",
        detail="quantity must be above 0",
        errors=[{"pointer": "/items/0/quantity", "code": "too_small", "detail": "above 0"}],
        reference=reference,
        request_id=None,
        headers={"content-type": "application/json"},
        body=json.dumps({"reference": reference}),
        body_bytes=20,
        body_truncated=False,
    )


async def test_entries_older_than_the_retention_are_purged_and_newer_ones_kept(engine: AsyncEngine) -> None:
    inbox = SqlInbox(engine)
    await inbox.add(refused(NOW - dt.timedelta(days=15), "OLD"))
    await inbox.add(refused(NOW - dt.timedelta(days=13), "NEW"))
    assert await inbox.purge(NOW - dt.timedelta(days=14)) == 1
    page = await inbox.search(InboxQuery())
    assert [entry.reference for entry in page.entries] == ["NEW"] and page.total == 1
