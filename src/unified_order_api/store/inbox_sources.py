"""The inbox's recording budget in the database (`inbox.limits.SourceBudget`), for processes sharing
PostgreSQL without Redis: one row per sender (`inbox_sources`), and the row "*" for all senders together.

One transaction per question: the sender's row is counted up first (an upsert, so its row lock orders
two processes asking for one sender), the all-senders row only for an entry within the sender's budget,
and the sender's refusals are handed over (or added to) in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..inbox.limits import ALL_SOURCES_FACTOR, BudgetUnavailable
from .tables import inbox_sources

__all__ = ["SqlSourceBudget"]

_S = inbox_sources.c
ALL = "*"  # no sender's address


class SqlSourceBudget:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def take(self, source: str, *, window: int, per_minute: int, refused_here: int) -> tuple[bool, int]:
        try:
            async with self._engine.begin() as connection:
                used, before = await self._count(connection, source, window)
                allowed = used <= per_minute
                if allowed:
                    everyone, _ = await self._count(connection, ALL, window)
                    allowed = everyone <= ALL_SOURCES_FACTOR * per_minute
                suppressed = 0 if allowed else before + 1 + refused_here
                await connection.execute(update(inbox_sources).where(_S.source == source).values(suppressed=suppressed))
        except (DBAPIError, PoolTimeout, OSError) as error:
            raise BudgetUnavailable(type(error).__name__) from None
        return (True, before + refused_here) if allowed else (False, 0)

    @staticmethod
    async def _count(connection: AsyncConnection, source: str, window: int) -> tuple[int, int]:
        """Count one more entry of `source` in `window` (a new window starts at one): (used, suppressed)."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(inbox_sources).values(source=source, window_minute=window, used=1, suppressed=0)
        statement = insert.on_conflict_do_update(
            index_elements=[_S.source],
            set_={
                "used": case((_S.window_minute == window, _S.used + 1), else_=1),
                "window_minute": window,
            },
        ).returning(_S.used, _S.suppressed)
        row = (await connection.execute(statement)).one()
        return int(row.used), int(row.suppressed)

    async def purge(self, older_than: dt.datetime) -> int:
        """Forget senders not heard from since `older_than` (their entries are purged by then too)."""
        minute = int(older_than.timestamp() // 60)
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(inbox_sources).where(_S.window_minute < minute))
        return int(result.rowcount)
