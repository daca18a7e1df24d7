"""The store on a SQLite file and on PostgreSQL (a throw-away schema per test); in memory it is the unit tier's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.databases import postgres_schema
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


@pytest.fixture
def store(engine: AsyncEngine) -> AttemptStore:
    """The SQL attempt store on a SQLite file and on PostgreSQL (the unit tests run it in memory)."""
    return SqlAttemptStore(engine)
