"""What serve's housekeeping purges besides attempts, bodies, inbox and tracking: handled Xentral events,
delivered callbacks, finished write-backs and the shop's ids of orders gone. Each purge deletes only what is
old *and* no longer needed: a pending or dead delivery or job, an event not yet handled or given up, and
what hangs on an order still kept (its attempt or its tracking) all stay, however old."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.store.deliveries import SqlDeliveryStore
from unified_order_api.store.event_queue import SqlEventQueue
from unified_order_api.store.purging import delete_in_batches
from unified_order_api.store.shop_orders import SqlShopOrderBook
from unified_order_api.store.tables import (
    order_attempts,
    order_tracking,
    shop_orders,
    webhook_attempts,
    webhook_deliveries,
    write_back_attempts,
    write_back_jobs,
    xentral_events,
)
from unified_order_api.store.write_back import SqlWriteBackQueue

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=40)
CUTOFF = NOW - dt.timedelta(days=30)


async def _add(engine: AsyncEngine, table: Table, **values: Any) -> int:
    async with engine.begin() as connection:
        result = await connection.execute(insert(table).values(**values))
    key = result.inserted_primary_key
    return int(key[0]) if key and isinstance(key[0], int) else 0


async def _count(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def _column(engine: AsyncEngine, column: Any) -> list[Any]:
    async with engine.connect() as connection:
        return sorted((await connection.execute(select(column))).scalars())


async def _event(engine: AsyncEngine, key: str, state: str, at: dt.datetime) -> None:
    await _add(
        engine,
        xentral_events,
        instance="main",
        event_key=key,
        event_type="salesorder.updated",
        body={},
        state=state,
        attempts=1,
        next_attempt_at=at,
        received_at=at,
        handled_at=at if state == "done" else None,
    )


async def _delivery(engine: AsyncEngine, event_id: str, state: str, at: dt.datetime) -> None:
    delivery = await _add(
        engine,
        webhook_deliveries,
        event_id=event_id,
        client="shop",
        url="https://shop.example/hook",
        event_type="order.completed",
        payload={},
        state=state,
        attempt_count=1,
        next_attempt_at=at,
        created_at=at,
        updated_at=at,
        delivered_at=at if state == "delivered" else None,
    )
    await _add(engine, webhook_attempts, delivery_id=delivery, attempted_at=at, status_code=200, duration_ms=5)


async def _job(engine: AsyncEngine, reference: str, state: str, at: dt.datetime) -> None:
    job = await _add(
        engine,
        write_back_jobs,
        client="shop",
        reference=reference,
        kind="shipped",
        job_key=f"shipped:{reference}",
        cause="lifecycle",
        payload={},
        state=state,
        attempts=1,
        next_attempt_at=at,
        give_up_at=at + dt.timedelta(days=2),
        created_at=at,
        updated_at=at,
    )
    await _add(engine, write_back_attempts, job_id=job, at=at, outcome="done", status=200, answer="")


async def _attempt(engine: AsyncEngine, reference: str) -> None:
    await _add(
        engine,
        order_attempts,
        client="shop",
        idempotency_key=reference,
        reference=reference,
        fingerprint="F",
        state="completed",
        owner="o",
        version=1,
        lease_until=OLD,
        customer_created=False,
        steps=[],
        queued=False,
        created_at=OLD,
        updated_at=NOW,
    )


async def _tracking(engine: AsyncEngine, reference: str) -> None:
    await _add(
        engine,
        order_tracking,
        client="shop",
        reference=reference,
        instance="main",
        sales_order_id="1",
        state="released",
        held_reasons=[],
        shipments=[],
        open=True,
        track_until=NOW,
        created_at=OLD,
        updated_at=OLD,
    )


async def _shop_order(engine: AsyncEngine, reference: str, at: dt.datetime) -> None:
    await _add(
        engine,
        shop_orders,
        client="shop",
        reference=reference,
        kind="woocommerce",
        shop_order_id="7",
        lines=[],
        received_at=at,
    )


async def test_handled_events_are_purged_after_the_retention_pending_and_failed_ones_stay(engine: AsyncEngine) -> None:
    await _event(engine, "old-done", "done", OLD)
    await _event(engine, "new-done", "done", NOW)
    await _event(engine, "old-pending", "pending", OLD)
    await _event(engine, "old-failed", "failed", OLD)
    queue = SqlEventQueue(engine)
    assert await queue.purge(CUTOFF) == 1
    assert await _column(engine, xentral_events.c.event_key) == ["new-done", "old-failed", "old-pending"]
    assert await queue.purge(CUTOFF) == 0


async def test_delivered_callbacks_are_purged_with_their_attempts_pending_and_dead_ones_stay(
    engine: AsyncEngine,
) -> None:
    await _delivery(engine, "old-delivered", "delivered", OLD)
    await _delivery(engine, "new-delivered", "delivered", NOW)
    await _delivery(engine, "old-pending", "pending", OLD)
    await _delivery(engine, "old-dead", "dead", OLD)
    store = SqlDeliveryStore(engine)
    assert await store.purge(CUTOFF) == 1
    assert await _column(engine, webhook_deliveries.c.event_id) == ["new-delivered", "old-dead", "old-pending"]
    assert await _count(engine, webhook_attempts) == 3  # the purged one's attempt went with it


async def test_finished_write_backs_are_purged_once_their_order_is_gone(engine: AsyncEngine) -> None:
    await _job(engine, "gone", "done", OLD)
    await _job(engine, "recent", "done", NOW)
    await _job(engine, "pending", "pending", OLD)
    await _job(engine, "dead", "dead", OLD)
    await _job(engine, "attempt-kept", "done", OLD)
    await _attempt(engine, "attempt-kept")  # still on the order's console page
    await _job(engine, "tracked", "done", OLD)
    await _tracking(engine, "tracked")  # a change read again must find its job: not written to the shop twice
    queue = SqlWriteBackQueue(engine)
    assert await queue.purge(CUTOFF) == 1
    assert await _column(engine, write_back_jobs.c.reference) == [
        "attempt-kept",
        "dead",
        "pending",
        "recent",
        "tracked",
    ]
    assert await _count(engine, write_back_attempts) == 5


async def test_the_shops_ids_are_purged_once_nothing_can_write_back_or_cancel_their_order(engine: AsyncEngine) -> None:
    for reference in ("gone", "attempt-kept", "tracked", "job-left"):
        await _shop_order(engine, reference, OLD)
    await _shop_order(engine, "recent", NOW)
    await _attempt(engine, "attempt-kept")
    await _tracking(engine, "tracked")
    await _job(engine, "job-left", "dead", OLD)  # an operator may redeliver it: it needs the shop's ids
    book = SqlShopOrderBook(engine)
    assert await book.purge(CUTOFF) == 1
    assert await _column(engine, shop_orders.c.reference) == ["attempt-kept", "job-left", "recent", "tracked"]
    assert await book.ids_of("shop", "gone") is None


async def test_a_purge_deletes_in_bounded_batches_until_nothing_is_left(engine: AsyncEngine) -> None:
    for number in range(5):
        await _shop_order(engine, f"R{number}", OLD)
    where = [shop_orders.c.received_at < CUTOFF]
    keys = [shop_orders.c.client, shop_orders.c.reference]
    assert await delete_in_batches(engine, shop_orders, keys, where, batch=2) == 5
    assert await _count(engine, shop_orders) == 0
