"""`GroupedAttemptInserts`: new attempts that arrive together are written in one transaction (group commit).

A burst of orders (300 webhooks at once) makes every 202 wait for the database: each claim is
its own BEGIN, INSERT, COMMIT, one after another on SQLite's single writer. Here the rows that
arrive while a transaction is being written go into the next one, as one multi-row
`INSERT … ON CONFLICT DO NOTHING RETURNING id, owner`: a lone claim is written at once, as
before, and a burst costs a few transactions instead of hundreds.

Guarantees are the claim's: a row is new only if the database inserted it (its unique `owner`
token comes back); a row that conflicts with an existing attempt (same key or reference) — or
with another row of the same group — is not inserted, and its caller takes the ordinary claim
path, which decides replay, in progress or key reuse. A failed transaction fails every row in it.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from .tables import order_attempts

__all__ = ["MAX_GROUP", "GroupedAttemptInserts"]

MAX_GROUP: Final = 200
"""Rows per statement: far below SQLite's 32,766 bound variables at about 20 columns a row."""

# Per dialect (PostgreSQL or SQLite): insert, skip rows that conflict, answer the ids of the rows inserted.
_STATEMENTS: Final = {
    is_postgresql: dialect.insert(order_attempts)
    .on_conflict_do_nothing()
    .returning(order_attempts.c.id, order_attempts.c.owner)
    for is_postgresql, dialect in ((True, postgresql), (False, sqlite))
}


class GroupedAttemptInserts:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: list[tuple[dict[str, Any], asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def insert(self, row: dict[str, Any]) -> int | None:
        """Insert one attempt row (`owner` must be unique); its id, or None when it conflicts."""
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        # Shielded: a caller that goes away does not cancel the others' transaction. Its row may still
        # be written, exactly as if the process had stopped after the insert; a retry resumes it.
        return await asyncio.shield(future)

    async def _write(self) -> None:
        try:
            while self._pending:
                group, self._pending = self._pending[:MAX_GROUP], self._pending[MAX_GROUP:]
                try:
                    ids = await self._insert_many([row for row, _ in group])
                except Exception as error:
                    for _, future in group:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for row, future in group:
                    if not future.done():
                        future.set_result(ids.get(row["owner"]))
        finally:
            self._writer = None

    async def _insert_many(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        async with self._engine.begin() as connection:
            statement = _STATEMENTS[connection.dialect.name == "postgresql"]
            # The rows as parameters, not as `.values(rows)`: the statement is then compiled once and
            # cached, where a multi-row VALUES clause built per group was compiled anew for every claim.
            # SQLAlchemy sends a group as one multi-row INSERT … RETURNING ("insertmanyvalues").
            result = await connection.execute(statement, rows)
            return {owner: attempt_id for attempt_id, owner in result.all()}
