"""The order service on fakes for unit tests: a fake Xentral gateway, the real SQL store in memory, a fake clock.

`make(**settings)` builds one; every test gets its own empty database (`tests.support.memory_store`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.clock import FakeClock
from tests.support.fakes import FakeGateway
from tests.support.memory_store import memory_engine
from unified_order_api.config import ApiClient, Settings, order_policies
from unified_order_api.orders.queue import QueueWorker
from unified_order_api.orders.refunds import OrderRefunds
from unified_order_api.orders.service import OrderService, RequeueLimits
from unified_order_api.store.attempts import SqlAttemptStore
from unified_order_api.store.refunds import SqlRefundLedger
from unified_order_api.store.tables import metadata

__all__ = ["Harness", "make"]


class Harness:
    def __init__(
        self,
        service: OrderService,
        gateway: FakeGateway,
        store: SqlAttemptStore,
        engine: AsyncEngine,
        clock: FakeClock,
        settings: Settings,
    ) -> None:
        self.service, self.gateway, self.store, self.clock = service, gateway, store, clock
        self.engine, self.settings = engine, settings
        self.policies = order_policies(settings)
        self.worker = QueueWorker(service=service, queue=store, clock=clock)
        self.refunds = OrderRefunds(store, SqlRefundLedger(engine), None, clock)  # no callbacks

    def orders_with(self, reference: str) -> list[str]:
        return [order.id for order in self.gateway.orders.values() if order.reference == reference]

    async def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of one of the store's tables, as an operator's SELECT would show it."""
        async with self.engine.connect() as connection:
            result = await connection.execute(select(metadata.tables[table]))
            return [dict(row) for row in result.mappings()]


@pytest.fixture
async def make(memory_schema: list[str]) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    """Build a service on fakes: no server, no HTTP; the attempts are the SQL store's, in memory."""
    async with AsyncExitStack() as stack:

        async def build(**overrides: Any) -> Harness:
            values: dict[str, Any] = {
                "xentral_url": "https://x.xentral.biz",
                "xentral_token": "t",
                "clients": [ApiClient(name="shop", api_key="k" * 16)],
            }
            settings = Settings(**{**values, **overrides})
            clock = FakeClock(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC))
            engine = await stack.enter_async_context(memory_engine(memory_schema))
            gateway, store = FakeGateway(), SqlAttemptStore(engine)
            policies = order_policies(settings)
            requeue = RequeueLimits(settings.queue.max_requeues, settings.queue.backoff_cap_seconds)
            service = OrderService(gateway=gateway, store=store, policies=policies, clock=clock, requeue=requeue)
            return Harness(service, gateway, store, engine, clock, settings)

        yield build
