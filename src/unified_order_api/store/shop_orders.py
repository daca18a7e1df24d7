"""The SQL book of shop orders: the shop's own ids of each order that arrived through a shop endpoint.

Kept once per client and reference (the first arrival's ids stay: a shop's retry, or a later
`order.updated`, changes nothing), before the order is queued, so a job always finds them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ..write_back.model import ShopOrderIds
from .failures import translated
from .tables import shop_orders

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
