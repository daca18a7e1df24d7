"""The write-back queue's contract, for every database: in memory here, SQLite and PostgreSQL in
`tests/integration/store`. Queued once per key, claimed by one worker under a lease, results fenced by
the worker, a dead job redelivered by an operator (recorded), the feed's cursor moved with its jobs."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.lifecycle import Shipment, ShippedLine
from unified_order_api.store.shop_orders import SqlShopOrderBook
from unified_order_api.store.write_back import SqlWriteBackQueue
from unified_order_api.write_back import JobAttempt, JobKind, JobState, NewJob, ShopOrderIds, WriteBackRequests

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=5)
PARCEL = Shipment(
    "31", "DHL", "00340434", "https://track.example/00340434", lines=(ShippedLine("1", "L1", "A", Decimal(2)),)
)


def _ship(key: str = "change:1", reference: str = "R-1") -> NewJob:
    return NewJob("shop", reference, JobKind.SHIP, key, "lifecycle change 1: released → shipped", PARCEL, complete=True)


def _at(minutes: float) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


async def test_a_job_is_queued_once_per_order_and_key(engine: AsyncEngine) -> None:
    queue = SqlWriteBackQueue(engine)
    assert await queue.enqueue(_ship(), NOW, LATER) is True
    assert await queue.enqueue(_ship(), NOW, LATER) is False
    assert await queue.enqueue(_ship(reference="R-2"), NOW, LATER) is True
    [job] = await queue.jobs_of("shop", "R-1")
    assert (job.kind, job.state, job.attempts, job.complete) == (JobKind.SHIP, JobState.PENDING, 0, True)
    assert job.shipment == PARCEL and job.give_up_at == LATER and job.cause.startswith("lifecycle change 1")


async def test_a_claimed_job_is_one_workers_until_its_lease_ends(engine: AsyncEngine) -> None:
    queue = SqlWriteBackQueue(engine)
    await queue.enqueue(_ship(), NOW, LATER)
    [job] = await queue.claim(worker="a", now=NOW, until=_at(2), limit=10)
    assert await queue.claim(worker="b", now=_at(1), until=_at(3), limit=10) == []
    [again] = await queue.claim(worker="b", now=_at(2), until=_at(4), limit=10)  # a died: b takes it over
    assert again.id == job.id
    # a's writes are fenced: its result is not recorded
    await queue.finish(job, worker="a", attempt=JobAttempt(_at(2), "done", "customer note added"))
    assert await queue.keep_mark(job, worker="a", mark={"fulfillments": []}) is False
    assert (await queue.job(job.id)).state == JobState.PENDING  # type: ignore[union-attr]
    assert await queue.keep_mark(again, worker="b", mark={"fulfillments": ["gid://shopify/Fulfillment/1"]})
    await queue.finish(again, worker="b", attempt=JobAttempt(_at(3), "done", "fulfilment created", 200, "b", 12))
    done = await queue.job(job.id)
    assert done is not None and done.state == JobState.DONE and done.attempts == 1
    assert done.mark == {"fulfillments": ["gid://shopify/Fulfillment/1"]} and done.outcome == "fulfilment created"
    assert [(a.outcome, a.answer, a.status, a.worker) for a in done.history] == [
        ("done", "fulfilment created", 200, "b")
    ]


async def test_concurrent_claims_never_take_the_same_job(engine: AsyncEngine) -> None:
    queue = SqlWriteBackQueue(engine)
    for number in range(12):
        await queue.enqueue(_ship(f"change:{number}"), NOW, LATER)
    batches = await asyncio.gather(*(queue.claim(worker=f"w{n}", now=NOW, until=_at(2), limit=5) for n in range(4)))
    ids = [job.id for batch in batches for job in batch]
    assert len(ids) == len(set(ids)) == 12


async def test_a_retried_job_waits_and_each_attempt_is_kept(engine: AsyncEngine) -> None:
    queue = SqlWriteBackQueue(engine)
    await queue.enqueue(_ship(), NOW, LATER)
    [job] = await queue.claim(worker="a", now=NOW, until=_at(2), limit=1)
    await queue.retry(job, worker="a", attempt=JobAttempt(NOW, "retry", "429 Too Many Requests", 429), at=_at(10))
    assert await queue.claim(worker="a", now=_at(9), until=_at(11), limit=1) == []
    [job] = await queue.claim(worker="a", now=_at(10), until=_at(12), limit=1)
    assert job.attempts == 1
    await queue.bury(job, worker="a", attempt=JobAttempt(_at(10), "dead", "401 refused", 401))
    dead = await queue.job(job.id)
    assert dead is not None and dead.state == JobState.DEAD and [a.outcome for a in dead.history] == ["retry", "dead"]
    assert [j.id for j in await queue.dead_since(_at(5))] == [job.id]
    assert await queue.claim(worker="a", now=_at(60), until=_at(62), limit=1) == []


async def test_an_operator_redelivers_a_dead_job_and_it_is_recorded(engine: AsyncEngine) -> None:
    queue = SqlWriteBackQueue(engine)
    await queue.enqueue(_ship(), NOW, LATER)
    [job] = await queue.claim(worker="a", now=NOW, until=_at(2), limit=1)
    assert await queue.redeliver(job.id, operator="ops", now=_at(1), give_up_at=LATER) is None  # not dead
    await queue.bury(job, worker="a", attempt=JobAttempt(NOW, "dead", "refused"))
    again = await queue.redeliver(job.id, operator="ops", now=_at(30), give_up_at=_at(30) + dt.timedelta(days=5))
    assert again is not None and again.state == JobState.PENDING and again.give_up_at > LATER
    [claimed] = await queue.claim(worker="b", now=_at(30), until=_at(32), limit=1)
    assert claimed.id == job.id
    history = (await queue.job(job.id)).history  # type: ignore[union-attr]
    assert [(a.outcome, a.answer) for a in history] == [("dead", "refused"), ("redelivered", "redelivered by ops")]


async def test_the_feed_cursor_is_one_owners_and_moves_with_its_jobs(engine: AsyncEngine) -> None:
    queue = SqlWriteBackQueue(engine)
    assert await queue.claim_feed(owner="a", now=NOW, until=_at(1)) == 0
    assert await queue.claim_feed(owner="b", now=NOW, until=_at(1)) is None
    assert await queue.advance(owner="a", after=5, jobs=[_ship("change:5")], now=NOW, give_up_at=LATER)
    assert not await queue.advance(owner="b", after=9, jobs=[_ship("change:9")], now=NOW, give_up_at=LATER)
    assert [job.key for job in await queue.jobs_of("shop", "R-1")] == ["change:5"]
    assert await queue.claim_feed(owner="b", now=_at(1), until=_at(2)) == 5  # a's lease ran out
    # a, late, cannot move the cursor nor queue what it read
    assert not await queue.advance(owner="a", after=7, jobs=[_ship("change:7")], now=_at(1), give_up_at=LATER)
    assert await queue.advance(
        owner="b", after=7, jobs=[_ship("change:5"), _ship("change:7")], now=_at(1), give_up_at=LATER
    )
    assert [job.key for job in await queue.jobs_of("shop", "R-1")] == ["change:5", "change:7"]


async def test_the_shop_ids_of_an_order_are_kept_once(engine: AsyncEngine) -> None:
    book = SqlShopOrderBook(engine)
    first = ShopOrderIds("shopware", "0a1b", "d3l1", ((("L1"), "A", Decimal(2)), (None, "B", Decimal("1.5"))))
    await book.remember("shop", "R-1", first, NOW)
    await book.remember("shop", "R-1", ShopOrderIds("shopware", "other"), NOW)
    assert await book.ids_of("shop", "R-1") == first
    assert await book.ids_of("shop", "R-2") is None


async def test_a_note_is_queued_only_for_a_shop_that_writes_back(engine: AsyncEngine) -> None:
    queue = SqlWriteBackQueue(engine)
    requests = WriteBackRequests(queue, {"shop"}, give_up=dt.timedelta(hours=120), clock=lambda: NOW)
    assert await requests.add_note("shop", "R-1", "The buyer asked to cancel.", key="cancel:9", cause="shop cancel")
    assert not await requests.add_note("shop", "R-1", "The buyer asked to cancel.", key="cancel:9", cause="again")
    assert not await requests.add_note("other", "R-1", "text", key="cancel:9", cause="no api")
    [job] = await queue.jobs_of("shop", "R-1")
    assert (job.kind, job.note, job.key, job.give_up_at) == (
        JobKind.NOTE,
        "The buyer asked to cancel.",
        "note:cancel:9",
        NOW + dt.timedelta(hours=120),
    )
    assert await queue.jobs_of("other", "R-1") == []
