"""The real SQL store on an in-memory SQLite database: what unit tests keep their attempts in.

No re-implementation of the claim: the rows, constraints and conditional updates are the ones
production runs (`store/attempts.py`), only the database lives in memory.

- The schema is the migrations' own. They run once per test session into a file; its DDL (from
  `sqlite_master`) is replayed into every fresh memory database, which costs a few milliseconds.
- One connection, queued (`pool_size=1`, no overflow), as the file store runs: the memory database
  lives as long as that connection, and concurrent transactions wait for it. (A `StaticPool` would
  hand the one connection to two transactions at once, and the second `BEGIN` would fail.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from unified_order_api.store import migrate
from unified_order_api.store.attempts import SqlAttemptStore
from unified_order_api.store.database import create_engine

__all__ = ["MEMORY_URL", "memory_engine", "memory_schema", "memory_store", "migrated_schema"]

MEMORY_URL = "sqlite+aiosqlite://"


def migrated_schema(directory: Path) -> list[str]:
    """The statements that build the schema the migrations leave, in the order SQLite recorded them."""
    database = directory / "schema.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{database}")
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
    return [sql for (sql,) in rows]


@asynccontextmanager
async def memory_engine(schema: list[str]) -> AsyncIterator[AsyncEngine]:
    """A fresh in-memory database holding `schema`, disposed (and so gone) on exit."""
    engine = create_engine(MEMORY_URL, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            for statement in schema:
                await connection.exec_driver_sql(statement)
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def memory_schema(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return migrated_schema(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
async def memory_store(memory_schema: list[str]) -> AsyncIterator[SqlAttemptStore]:
    """`SqlAttemptStore` on its own empty in-memory database."""
    async with memory_engine(memory_schema) as engine:
        yield SqlAttemptStore(engine)
