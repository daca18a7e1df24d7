"""Several dispatchers on one PostgreSQL outbox: every event is delivered exactly once.

Runs when UOA_TEST_DATABASE_URL names a PostgreSQL database; each test works in a schema
of its own (search_path), created and dropped around it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from tests.support.clock import FakeClock
from tests.support.receiver import Receiver
from unified_order_api.bootstrap import build_dispatcher, target_guard
from unified_order_api.config import ApiClient, Settings
from unified_order_api.store import migrate
from unified_order_api.store.database import create_engine
from unified_order_api.store.deliveries import SqlDeliveryStore
from unified_order_api.store.tables import webhook_deliveries

from .conftest import SECRET

DATABASE_URL = os.environ.get("UOA_TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgresql"),
        reason="set UOA_TEST_DATABASE_URL=postgresql+psycopg://… to run the PostgreSQL dispatcher tests",
    ),
]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def schema_url() -> AsyncIterator[str]:
    schema = f"uoa_webhooks_{uuid.uuid4().hex[:10]}"
    async with await psycopg.AsyncConnection.connect(_libpq(DATABASE_URL), autocommit=True) as connection:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    await asyncio.to_thread(migrate.upgrade, rendered)
    try:
        yield rendered
    finally:
        async with await psycopg.AsyncConnection.connect(_libpq(DATABASE_URL), autocommit=True) as connection:
            await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _settings(url: str, batch_size: int) -> Settings:
    return Settings(
        database_url=url,
        clients=[ApiClient(name="shop", api_key="k" * 20, webhook_secret=SECRET)],
        webhooks={
            "allow_private_targets": ["loopback"],
            "batch_size": batch_size,
            "timeout_seconds": 2.0,
            "claim_seconds": 30.0,
        },
    )


async def _enqueue(url: str, target: str, count: int, now: dt.datetime) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            insert(webhook_deliveries),
            [
                {
                    "event_id": f"evt_{i:04d}_{uuid.uuid4().hex[:8]}",
                    "client": "shop",
                    "url": target,
                    "event_type": "order.created",
                    "payload": {"type": "order.created", "n": i},
                    "state": "pending",
                    "attempt_count": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
    await engine.dispose()


async def test_two_dispatchers_deliver_each_event_once(schema_url: str, receiver: Receiver) -> None:
    clock = FakeClock()
    settings = _settings(schema_url, batch_size=4)
    await _enqueue(schema_url, receiver.url, 40, clock())
    engines = [create_engine(schema_url), create_engine(schema_url)]
    dispatchers = [
        build_dispatcher(settings, SqlDeliveryStore(engine), target_guard(settings), clock=clock, worker=f"d{n}")
        for n, engine in enumerate(engines)
    ]
    attempted: Counter[str] = Counter()
    try:
        while True:
            counts = await asyncio.gather(*(d.run_once() for d in dispatchers))
            for dispatcher, count in zip(dispatchers, counts, strict=True):
                attempted[dispatcher.worker] += count
            if not any(counts):
                break
    finally:
        for dispatcher in dispatchers:
            await dispatcher.aclose()
        for engine in engines:
            await engine.dispose()
    ids = Counter(request.headers["webhook-id"] for request in receiver.received())
    assert len(ids) == 40
    assert set(ids.values()) == {1}
    assert sum(attempted.values()) == 40
    assert attempted["d0"] > 0 and attempted["d1"] > 0


async def test_claims_skip_rows_another_transaction_holds(schema_url: str) -> None:
    clock = FakeClock()
    await _enqueue(schema_url, "http://127.0.0.1:9/x", 6, clock())
    engine = create_engine(schema_url)
    first, second = SqlDeliveryStore(engine), SqlDeliveryStore(engine)
    until = clock() + dt.timedelta(seconds=30)
    try:
        a, b = await asyncio.gather(
            first.claim_due(worker="a", now=clock(), until=until, limit=4),
            second.claim_due(worker="b", now=clock(), until=until, limit=4),
        )
        assert not {d.id for d in a} & {d.id for d in b}
        assert len(a) + len(b) == 6
        assert await first.claim_due(worker="c", now=clock(), until=until, limit=10) == []
        clock.advance(31)  # both "dispatchers" died: their claims run out
        later = clock() + dt.timedelta(seconds=30)
        assert len(await first.claim_due(worker="c", now=clock(), until=later, limit=10)) == 6
    finally:
        await engine.dispose()
