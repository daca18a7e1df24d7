from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.orders.fakes import InMemoryAttemptStore
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


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AttemptStore]:
    """Every attempt store: the same contract holds for the SQL store and the unit tests' in-memory one."""
    if request.param == "memory":
        yield InMemoryAttemptStore()
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
