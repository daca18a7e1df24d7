"""Which process sends an alert that every process raises: the first to insert its (kind, key, window) row.

A conditional insert (`ON CONFLICT DO NOTHING`) on the shared database, so two `serve` processes on
PostgreSQL that both see the token expiring send one reminder. Claims a few days old are deleted as
new ones go in; the table holds one row per alerted subject per window.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from .failures import translated
from .tables import alert_claims

__all__ = ["KEEP_CLAIMS", "SqlAlertClaims"]

KEEP_CLAIMS = dt.timedelta(days=3)
"""A claim older than this is deleted: no repeat period is longer than the daily token reminder."""


class SqlAlertClaims:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def claim(self, kind: str, key: str, window_start: dt.datetime, now: dt.datetime) -> bool:
        """True for the one caller that claims (kind, key, window_start) first, False for every other."""
        async with self._engine.begin() as connection:
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            await connection.execute(delete(alert_claims).where(alert_claims.c.claimed_at < now - KEEP_CLAIMS))
            result = await connection.execute(
                dialect.insert(alert_claims)
                .values(kind=kind, group_key=key[:255], window_start=window_start, claimed_at=now)
                .on_conflict_do_nothing()
                .returning(alert_claims.c.kind)
            )
            return result.first() is not None
