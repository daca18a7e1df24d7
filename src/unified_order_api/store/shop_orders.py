"""The SQL book of shop orders: the shop's own ids of each order that arrived through a shop endpoint.

Kept once per client and reference (the first arrival's ids stay: a shop's retry, or a later
`order.updated`, changes nothing), before the order is queued, so a job always finds them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ..write_back.model import ShopOrderIds
from .failures import translated
from .purging import delete_in_batches, order_gone
from .tables import shop_orders, write_back_jobs

__all__ = ["SqlShopOrderBook"]


class SqlShopOrderBook:
    """Implements `write_back.ShopOrderBook`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def remember(self, client: str, reference: str, ids: ShopOrderIds, now: dt.datetime) -> None:
        values = {
            "client": client,
            "reference": reference,
            "kind": ids.kind,
            "shop_order_id": ids.order_id,
            "delivery_id": ids.delivery_id,
            "lines": ids.lines_to_json(),
            "received_at": now,
        }
        async with self._engine.begin() as connection:
            dialect = connection.dialect.name
            if dialect == "postgresql":
                statement: Any = pg_insert(shop_orders).values(**values).on_conflict_do_nothing()
            elif dialect == "sqlite":
                statement = sqlite_insert(shop_orders).values(**values).on_conflict_do_nothing()
            else:  # pragma: no cover - the two supported databases are above
                statement = insert(shop_orders).values(**values)
            await connection.execute(statement)

    @translated
    async def ids_of(self, client: str, reference: str) -> ShopOrderIds | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(shop_orders).where(shop_orders.c.client == client, shop_orders.c.reference == reference)
                )
            ).first()
        if row is None:
            return None
        return ShopOrderIds(
            kind=row.kind,
            order_id=row.shop_order_id,
            delivery_id=row.delivery_id,
            lines=ShopOrderIds.lines_from_json(row.lines),
        )

    @translated
    async def purge(self, older_than: dt.datetime) -> int:
        """Delete the shop's ids of orders received before `older_than` that nothing can use any more: the order
        is gone (`order_gone`: no attempt, so no cancellation or change of it is carried out; no tracking, so
        no write-back is asked for) and no write-back job of it is left (a pending or dead one still writes to
        the shop with these ids)."""
        job = select(write_back_jobs.c.id).where(
            write_back_jobs.c.client == shop_orders.c.client, write_back_jobs.c.reference == shop_orders.c.reference
        )
        return await delete_in_batches(
            self._engine,
            shop_orders,
            [shop_orders.c.client, shop_orders.c.reference],
            [shop_orders.c.received_at < older_than, order_gone(shop_orders), ~exists(job)],
        )
