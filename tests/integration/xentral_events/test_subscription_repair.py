"""`serve`'s periodic subscription check against the sandbox: a subscription deleted in Xentral reappears (with
the key the instance already had); two processes checking at once leave exactly one. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.databases import postgres_schema
from unified_order_api.store import migrate
from unified_order_api.store.database import create_engine
from unified_order_api.store.subscriptions import SqlSubscriptionStore
from unified_order_api.xentral import XentralClient
from unified_order_api.xentral.subscriptions import XentralWebhookSubscriptions
from unified_order_api.xentral_events import SubscriptionKeeper, SubscriptionRepair
from xentral_sandbox.testing import SandboxHandle

URL = "https://orders.example.com/api/xentral/default/events"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/orders.db"
        migrate.upgrade(url)
        yield url
        return
    with postgres_schema() as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    built = create_engine(database_url)
    yield built
    await built.dispose()


@pytest.fixture
async def xentral(sandbox: SandboxHandle) -> AsyncIterator[XentralClient]:
    async with XentralClient(sandbox.base_url, sandbox.token, timeout=httpx.Timeout(5.0)) as client:
        yield client


def process(engine: AsyncEngine, xentral: XentralClient, every_seconds: float) -> SubscriptionRepair:
    """What one `serve` process builds: its own keeper (its own lease owner) on the shared database."""
    store = SqlSubscriptionStore(engine)
    keeper = SubscriptionKeeper("default", XentralWebhookSubscriptions(xentral), store, name="uoa", url=URL)
    return SubscriptionRepair([keeper], store, every_seconds=every_seconds)


async def _until(condition: object, seconds: float = 10.0) -> None:
    """Wait for `condition()` (a bound on waiting, not a measured time)."""
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_a_deleted_subscription_reappears(
    engine: AsyncEngine, xentral: XentralClient, sandbox: SandboxHandle
) -> None:
    loop = asyncio.create_task(process(engine, xentral, every_seconds=0.3).run_forever())
    try:
        await _until(lambda: len(sandbox.state.webhooks) == 1)  # made at once, at start-up
        [first] = sandbox.state.webhooks.values()
        key = first["signatureKey"]
        assert first["url"] == URL
        await XentralWebhookSubscriptions(xentral).delete(first["id"])  # someone deleted it in Xentral
        assert sandbox.state.webhooks == {}
        await _until(lambda: len(sandbox.state.webhooks) == 1)
        [again] = sandbox.state.webhooks.values()
        assert again["id"] != first["id"] and again["url"] == URL and again["signatureKey"] == key
        store, deadline = SqlSubscriptionStore(engine), asyncio.get_running_loop().time() + 10
        while (record := await store.get("default")) is None or record.webhook_id != again["id"]:
            assert asyncio.get_running_loop().time() < deadline, record  # the check is recorded after it
            await asyncio.sleep(0.02)
        assert record.problem is None
    finally:
        loop.cancel()


async def test_two_processes_leave_one_subscription(
    engine: AsyncEngine, xentral: XentralClient, sandbox: SandboxHandle
) -> None:
    first, second = process(engine, xentral, 600), process(engine, xentral, 600)
    reports = await asyncio.gather(first.run_once(), second.run_once())
    assert len(sandbox.state.webhooks) == 1
    # one made it; the other found it made (under the lease) or left it, checked moments ago
    assert sorted(report.action for done in reports for report in done) in (["created"], ["created", "unchanged"])
    assert await second.run_once() == []  # checked within the interval: nothing reaches Xentral
    assert len(sandbox.state.webhooks) == 1


async def test_a_subscription_changed_in_xentral_is_repaired_on_the_next_check(
    engine: AsyncEngine, xentral: XentralClient, sandbox: SandboxHandle
) -> None:
    repair = process(engine, xentral, every_seconds=0.2)
    [made] = await repair.run_once()
    sandbox.state.webhooks[made.webhook_id]["events"] = []  # someone unticked every event
    await asyncio.sleep(0.15)  # past half the interval
    [repaired] = await repair.run_once()
    assert repaired.action == "updated" and sandbox.state.webhooks[made.webhook_id]["events"]
