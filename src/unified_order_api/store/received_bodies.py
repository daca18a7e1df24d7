"""The bodies accepted orders arrived with are kept as long as the inbox keeps refused ones: after the inbox's
retention the attempt keeps its normalised request and loses the body (`SqlReceivedBodies.purge`, hourly)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import null, update
from sqlalchemy.ext.asyncio import AsyncEngine

from .failures import translated
from .tables import order_attempts

__all__ = ["SqlReceivedBodies"]


class SqlReceivedBodies:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def purge(self, older_than: dt.datetime) -> int:
        """Clear the body of every attempt not changed since `older_than` (a resent body starts its time anew)."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(order_attempts)
                .where(order_attempts.c.received.is_not(None), order_attempts.c.updated_at < older_than)
                .values(received=null())
            )
        return int(result.rowcount)
