"""The store's unit tests run on the real SQL store in an in-memory SQLite database (`tests.support.memory_store`).

The same tests run again on a SQLite file and on PostgreSQL from `tests/integration/store`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.memory_store import memory_engine
from unified_order_api.orders.ports import AttemptStore
from unified_order_api.store.attempts import SqlAttemptStore


@pytest.fixture(params=["memory"])
async def engine(memory_schema: list[str]) -> AsyncIterator[AsyncEngine]:
    async with memory_engine(memory_schema) as engine:
        yield engine


@pytest.fixture
def store(engine: AsyncEngine) -> AttemptStore:
    return SqlAttemptStore(engine)
