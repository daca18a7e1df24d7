from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.databases import postgres_schema
from tests.support.memory_store import memory_engine
from unified_order_api.orders.ports import AttemptStore
from unified_order_api.store import migrate
from unified_order_api.store.attempts import SqlAttemptStore
from unified_order_api.store.database import create_engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/store.db"
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, memory_schema: list[str]
) -> AsyncIterator[AttemptStore]:
    """The SQL attempt store on every database: in memory (what unit tests use), a SQLite file, PostgreSQL."""
    if request.param == "memory":
        async with memory_engine(memory_schema) as memory:
            yield SqlAttemptStore(memory)
        return
    with postgres_schema() if request.param == "postgres" else _sqlite(tmp_path) as url:
        migrate.upgrade(url)
        engine = create_engine(url)
        try:
            yield SqlAttemptStore(engine)
        finally:
            await engine.dispose()


@contextlib.contextmanager
def _sqlite(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite+aiosqlite:///{tmp_path}/contract.db"
