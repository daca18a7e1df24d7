"""Deleting old rows in bounded batches, each its own short transaction.

A purge that deletes a month of rows at once holds their locks (and grows the WAL) for as long as it
runs; in batches the locks are short, and several processes purging at once only share the work: a
row another process deleted first is no longer selected, a row it is deleting waits for its commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, exists, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from .tables import order_attempts, order_tracking

__all__ = ["PURGE_BATCH", "delete_in_batches", "order_gone"]

PURGE_BATCH = 1000
"""Rows one purge statement deletes at most."""


async def delete_in_batches(
    engine: AsyncEngine,
    table: Table,
    keys: Sequence[Any],
    where: Sequence[ColumnElement[bool]],
    *,
    batch: int = PURGE_BATCH,
) -> int:
    """Delete the rows of `table` matching `where`, `batch` at a time by their `keys` (its primary key), until
    none match. Rows of other tables that hang on them go by their ON DELETE CASCADE. Returns the rows deleted."""
    key = keys[0] if len(keys) == 1 else tuple_(*keys)
    total = 0
    while True:
        async with engine.begin() as connection:
            chosen = select(*keys).where(*where).limit(batch)
            result = await connection.execute(delete(table).where(key.in_(chosen), *where))
        deleted = int(result.rowcount)
        total += deleted
        if deleted < batch:
            return total


def order_gone(table: Table) -> ColumnElement[bool]:
    """True for a row of `table` (by its `client` and `reference`) whose order has neither an attempt (its page in
    the console, a repeat answered from it) nor a tracking row (its lifecycle may still change: a cancellation,
    a write-back) left: what hangs on the order is then needed by nothing."""
    attempt = select(order_attempts.c.id).where(
        order_attempts.c.client == table.c.client, order_attempts.c.reference == table.c.reference
    )
    tracked = select(order_tracking.c.id).where(
        order_tracking.c.client == table.c.client, order_tracking.c.reference == table.c.reference
    )
    return ~exists(attempt) & ~exists(tracked)
