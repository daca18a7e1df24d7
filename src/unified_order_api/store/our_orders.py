"""Which Xentral orders are ours: those an order attempt of this service made or found, per instance.

Events for other orders (made in Xentral itself, or by another integration) are dropped by the event
worker. An attempt names its client, and the client names its instance (`instance_of_client`), so an
order id of one instance never matches another instance's order with the same id.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from .failures import translated
from .tables import order_attempts

__all__ = ["SqlOurOrders"]


class SqlOurOrders:
    def __init__(self, engine: AsyncEngine, instance_of_client: Mapping[str, str]) -> None:
        self._engine = engine
        self._instance_of_client = dict(instance_of_client)

    @translated
    async def ours(self, instance: str, sales_order_ids: Collection[str]) -> set[str]:
        clients = [client for client, name in self._instance_of_client.items() if name == instance]
        if not sales_order_ids or not clients:
            return set()
        query = select(order_attempts.c.order_id).where(
            order_attempts.c.order_id.in_(list(sales_order_ids)), order_attempts.c.client.in_(clients)
        )
        async with self._engine.connect() as connection:
            return {str(order_id) for order_id in (await connection.scalars(query)).all()}
