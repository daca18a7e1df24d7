"""Writing a webhook into the outbox: one row the dispatcher delivers, signed, on its schedule.

Written inside the caller's transaction (an order's completion writes its state and its callback in
one commit), so a message is either durable with what it announces, or not written at all.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..orders.attempts import WebhookMessage
from .tables import webhook_deliveries

__all__ = ["enqueue"]

_INSERT_DELIVERY = insert(webhook_deliveries)  # built once


async def enqueue(connection: AsyncConnection, webhook: WebhookMessage, now: dt.datetime) -> None:
    """Add `webhook` to the outbox, due now, in `connection`'s transaction."""
    await connection.execute(
        _INSERT_DELIVERY,
        {
            "event_id": webhook.event_id,
            "client": webhook.client,
            "url": webhook.url,
            "event_type": webhook.event_type,
            "payload": webhook.payload,
            "state": "pending",
            "attempt_count": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        },
    )
