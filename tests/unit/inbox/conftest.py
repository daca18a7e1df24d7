"""The inbox's store-backed tests run on the real SQL schema in an in-memory SQLite database; the same tests
run again on a SQLite file and on PostgreSQL from `tests/integration/store`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.memory_store import memory_engine


@pytest.fixture
async def engine(memory_schema: list[str]) -> AsyncIterator[AsyncEngine]:
    async with memory_engine(memory_schema) as engine:
        yield engine
