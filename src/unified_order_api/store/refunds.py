"""The SQL refund ledger: the refunds recorded on orders (`order_refunds`), each once, with its callback.

A refund and its `order.refunded` outbox row are one transaction. The unique constraint on
(client, reference, refund_id) decides a race of two deliveries of one refund: the second insert
fails, its transaction (and so its callback) rolls back, and `record` answers False.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ..orders.attempts import WebhookMessage
from ..orders.refunds import Refund, RefundedLine
from .failures import translated
from .outbox import enqueue
from .tables import order_refunds

__all__ = ["SqlRefundLedger"]


class SqlRefundLedger:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def record(self, refund: Refund, webhook: WebhookMessage | None) -> bool:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(insert(order_refunds), _values(refund))
                if webhook is not None:
                    await enqueue(connection, webhook, refund.recorded_at)
        except IntegrityError:
            return False
        return True

    @translated
    async def refunds_of(self, client: str, reference: str) -> list[Refund]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(order_refunds)
                .where(order_refunds.c.client == client, order_refunds.c.reference == reference)
                .order_by(order_refunds.c.id)
            )
            return [_refund(row) for row in rows.mappings()]


def _values(refund: Refund) -> dict[str, Any]:
    return {
        "client": refund.client,
        "reference": refund.reference,
        "refund_id": refund.refund_id,
        "amount": str(refund.amount),
        "currency": refund.currency,
        "reason": refund.reason,
        "lines": [line.to_json() for line in refund.lines],
        "source": refund.source,
        "refunded_at": refund.refunded_at,
        "recorded_at": refund.recorded_at,
    }


def _refund(row: Any) -> Refund:
    refunded_at: dt.datetime | None = row["refunded_at"]
    return Refund(
        client=row["client"],
        reference=row["reference"],
        refund_id=row["refund_id"],
        amount=Decimal(row["amount"]),
        source=row["source"],
        recorded_at=row["recorded_at"],
        currency=row["currency"],
        reason=row["reason"],
        lines=tuple(RefundedLine.from_json(line) for line in row["lines"] or ()),
        refunded_at=refunded_at,
    )
