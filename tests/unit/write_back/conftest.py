"""The lane's unit tests run on the real SQL queue in an in-memory SQLite database and the fake shop APIs
through `httpx.ASGITransport` (no socket)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.memory_store import memory_engine


@pytest.fixture
async def engine(memory_schema: list[str]) -> AsyncIterator[AsyncEngine]:
    async with memory_engine(memory_schema) as engine:
        yield engine
