"""The job runner and the feed reader against the fake shop APIs (each written from its shop's docs, see
`tests/support/shop_apis/`): done once, retried with the shop's wait, dead when refused or past its time,
redelivered; a lost answer never writes twice; the feed read once per change, by its cursor's owner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.clock import FakeClock
from tests.support.shop_apis.shopify import FakeShopify
from tests.support.shop_apis.shopware import FakeShopware
from tests.support.shop_apis.woocommerce import FakeWooCommerce
from unified_order_api.config import ShopSettings
from unified_order_api.lifecycle import LifecycleChange, LifecycleState, Shipment, ShippedLine
from unified_order_api.shop_apis import ShopApi, shop_api
from unified_order_api.store.shop_orders import SqlShopOrderBook
from unified_order_api.store.write_back import SqlWriteBackQueue
from unified_order_api.write_back import JobKind, JobState, NewJob, ShopOrderIds, WriteBackJob
from unified_order_api.write_back.feed import ChangeReader
from unified_order_api.write_back.runner import JobRunner, backoff_seconds

KEY, SECRET, TOKEN = "ck_unit", "cs_unit", "shpat_unit"
SW_ID, SW_SECRET = "SWIAUNIT", "sw-unit-secret"
GIVE_UP = dt.timedelta(hours=120)
PARCEL = Shipment("31", "DHL", "00340434", "https://track.example/00340434")


def _api(shop: dict[str, Any], app: Any) -> ShopApi:
    api = shop_api(ShopSettings.model_validate(shop), timeout_seconds=5, transport=httpx.ASGITransport(app=app))
    assert api is not None
    return api


class Lane:
    """A runner over one shop, with its queue, its book, the dead jobs it alerted about."""

    def __init__(self, engine: AsyncEngine, api: ShopApi, clock: FakeClock, worker: str = "w1") -> None:
        self.queue, self.book, self.clock = SqlWriteBackQueue(engine), SqlShopOrderBook(engine), clock
        self.dead: list[tuple[WriteBackJob, str]] = []
        self.runner = JobRunner(
            queue=self.queue,
            book=self.book,
            apis={"shop": api},
            worker=worker,
            lease=dt.timedelta(seconds=60),
            backoff=30,
            backoff_cap=3600,
            clock=clock,
            on_dead=lambda job, answer: self.dead.append((job, answer)),
        )

    async def order(self, ids: ShopOrderIds, reference: str = "R-1") -> None:
        await self.book.remember("shop", reference, ids, self.clock())

    async def queue_job(self, job: NewJob, give_up: dt.timedelta = GIVE_UP) -> WriteBackJob:
        await self.queue.enqueue(job, self.clock(), self.clock() + give_up)
        return (await self.queue.jobs_of(job.client, job.reference))[-1]

    async def job(self, job_id: int) -> WriteBackJob:
        found = await self.queue.job(job_id)
        assert found is not None
        return found


def _ship(shipment: Shipment = PARCEL, *, complete: bool = True, key: str = "change:1") -> NewJob:
    return NewJob("shop", "R-1", JobKind.SHIP, key, "lifecycle change 1", shipment, complete=complete)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC))


@pytest.fixture
def woo() -> FakeWooCommerce:
    fake = FakeWooCommerce(KEY, SECRET)
    fake.add_order(727)
    return fake


def _woo_lane(engine: AsyncEngine, woo: FakeWooCommerce, clock: FakeClock, worker: str = "w1") -> Lane:
    shop = {
        "kind": "woocommerce",
        "secret": "s",
        "api": {"url": "http://woo.test", "consumer_key": KEY, "consumer_secret": SECRET},
    }
    return Lane(engine, _api(shop, woo.app), clock, worker)


async def test_a_shipment_job_writes_the_tracking_once_and_keeps_the_answer(
    engine: AsyncEngine, woo: FakeWooCommerce, clock: FakeClock
) -> None:
    lane = _woo_lane(engine, woo, clock)
    await lane.order(ShopOrderIds("woocommerce", "727"))
    job = await lane.queue_job(_ship())
    assert await lane.runner.run_once() == 1
    done = await lane.job(job.id)
    assert done.state == JobState.DONE and [a.outcome for a in done.history] == ["done"]
    assert done.history[0].answer == "customer note added; status completed"
    assert len(woo.emails) == 1 and "00340434" in woo.emails[0][1] and woo.orders[727]["status"] == "completed"
    assert await lane.runner.run_once() == 0  # nothing more to do


async def test_a_lost_answer_is_retried_and_the_buyer_gets_one_email(
    engine: AsyncEngine, woo: FakeWooCommerce, clock: FakeClock
) -> None:
    lane = _woo_lane(engine, woo, clock)
    await lane.order(ShopOrderIds("woocommerce", "727"))
    job = await lane.queue_job(_ship())
    woo.faults.lose_answer("POST", "/orders/727/notes")
    await lane.runner.run_once()
    waiting = await lane.job(job.id)
    assert waiting.state == JobState.PENDING and waiting.history[0].outcome == "retry"
    assert "no answer" in waiting.history[0].answer and waiting.next_attempt_at == clock() + dt.timedelta(seconds=30)
    clock.advance(30)
    await lane.runner.run_once()
    assert (await lane.job(job.id)).state == JobState.DONE
    assert len(woo.emails) == 1 and len(woo.customer_notes(727)) == 1


async def test_a_429_waits_as_long_as_the_shop_asks(
    engine: AsyncEngine, woo: FakeWooCommerce, clock: FakeClock
) -> None:
    lane = _woo_lane(engine, woo, clock)
    await lane.order(ShopOrderIds("woocommerce", "727"))
    job = await lane.queue_job(_ship())
    woo.faults.refuse("GET", "/orders/727/notes", 429, retry_after="120")
    await lane.runner.run_once()
    waiting = await lane.job(job.id)
    assert waiting.history[0].status == 429 and waiting.next_attempt_at == clock() + dt.timedelta(seconds=120)
    clock.advance(60)
    assert await lane.runner.run_once() == 0
    clock.advance(60)
    await lane.runner.run_once()
    assert (await lane.job(job.id)).state == JobState.DONE and len(woo.emails) == 1


async def test_a_refused_job_is_dead_at_once_alerted_and_redelivered_by_an_operator(
    engine: AsyncEngine, woo: FakeWooCommerce, clock: FakeClock
) -> None:
    lane = _woo_lane(engine, woo, clock)
    await lane.order(ShopOrderIds("woocommerce", "727"))
    job = await lane.queue_job(_ship())
    woo.faults.refuse("GET", "/orders/727/notes", 401, body={"code": "woocommerce_rest_cannot_view"})
    await lane.runner.run_once()
    dead = await lane.job(job.id)
    assert dead.state == JobState.DEAD and dead.history[-1].status == 401
    assert [(j.id, "401" in answer) for j, answer in lane.dead] == [(job.id, True)]
    assert SECRET not in dead.history[-1].answer and KEY not in dead.history[-1].answer
    await lane.queue.redeliver(job.id, operator="ops", now=clock(), give_up_at=clock() + GIVE_UP)
    await lane.runner.run_once()
    again = await lane.job(job.id)
    assert again.state == JobState.DONE and [a.outcome for a in again.history] == ["dead", "redelivered", "done"]


async def test_a_job_failing_past_its_time_is_dead(engine: AsyncEngine, woo: FakeWooCommerce, clock: FakeClock) -> None:
    lane = _woo_lane(engine, woo, clock)
    await lane.order(ShopOrderIds("woocommerce", "727"))
    job = await lane.queue_job(_ship(), give_up=dt.timedelta(minutes=2))
    woo.faults.refuse("GET", "/orders/727/notes", 503, times=10)
    for _ in range(4):
        await lane.runner.run_once()
        clock.advance(60)
    dead = await lane.job(job.id)
    assert dead.state == JobState.DEAD and "given up" in dead.history[-1].answer
    assert [a.outcome for a in dead.history] == ["retry", "retry", "dead"]  # 30 s, 60 s, then past 2 minutes
    assert woo.emails == [] and len(lane.dead) == 1


async def test_an_order_whose_shop_ids_were_not_kept_is_dead_with_the_reason(
    engine: AsyncEngine, woo: FakeWooCommerce, clock: FakeClock
) -> None:
    lane = _woo_lane(engine, woo, clock)
    job = await lane.queue_job(_ship())
    await lane.runner.run_once()
    assert "ids of this order were not kept" in (await lane.job(job.id)).history[-1].answer


def test_backoff_doubles_to_its_cap_and_honours_the_shops_wait() -> None:
    waits = [backoff_seconds(n, first=30, cap=3600, retry_after=None) for n in range(9)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff_seconds(0, first=30, cap=3600, retry_after=7200) == 7200
    assert backoff_seconds(3, first=30, cap=3600, retry_after=0) == 1


# -- Shopify: a partial shipment without a tracking number, its answer lost -----------------------------


async def test_a_partial_shipment_without_tracking_whose_answer_is_lost_is_fulfilled_once(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    fake = FakeShopify(TOKEN, clock=lambda: 0.0)
    fake.add_order(450789469, [(466157049, "GREEN", 2), (518995019, "RED", 1)])
    shop = {
        "kind": "shopify",
        "secret": "s",
        "api": {"shop_domain": "http://fake.myshopify.test", "access_token": TOKEN, "api_version": "2025-10"},
    }
    lane = Lane(engine, _api(shop, fake.app), clock)
    lines = ((("466157049"), "GREEN", Decimal(2)), ("518995019", "RED", Decimal(1)))
    await lane.order(ShopOrderIds("shopify", "450789469", None, lines))
    untracked = Shipment("32", None, None, None, lines=(ShippedLine("1", "466157049", "GREEN", Decimal(1)),))
    job = await lane.queue_job(_ship(untracked, complete=False))
    fake.faults.lose_answer("POST", "/graphql.json", body_part="fulfillmentCreate")
    await lane.runner.run_once()
    assert (await lane.job(job.id)).mark == {"fulfillments": []}  # kept before the write
    clock.advance(30)
    await lane.runner.run_once()
    done = await lane.job(job.id)
    gid = "gid://shopify/Order/450789469"
    assert done.state == JobState.DONE and "earlier try" in done.history[-1].answer
    assert len(fake.orders[gid]["fulfillments"]) == 1
    assert [i["remainingQuantity"] for i in fake.orders[gid]["fulfillmentOrders"][0]["lineItems"]] == [1, 1]
    # the next parcel of the same line, again without tracking, is a fulfilment of its own
    second = Shipment("33", None, None, None, lines=(ShippedLine("1", "466157049", "GREEN", Decimal(1)),))
    job = await lane.queue_job(_ship(second, complete=False, key="change:2"))
    await lane.runner.run_once()
    assert (await lane.job(job.id)).state == JobState.DONE and len(fake.orders[gid]["fulfillments"]) == 2


async def test_shopware_tracking_goes_on_the_delivery_kept_at_the_arrival(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    fake = FakeShopware(SW_ID, SW_SECRET, clock=clock.monotonic)
    fake.add_order("o1", "d1")
    shop = {
        "kind": "shopware",
        "secret": "s",
        "api": {"url": "http://sw.test", "client_id": SW_ID, "client_secret": SW_SECRET},
    }
    lane = Lane(engine, _api(shop, fake.app), clock)
    await lane.order(ShopOrderIds("shopware", "o1", "d1"))
    job = await lane.queue_job(_ship())
    await lane.runner.run_once()
    assert (await lane.job(job.id)).state == JobState.DONE
    assert fake.deliveries["d1"]["trackingCodes"] == ["00340434"]
    assert fake.deliveries["d1"]["stateMachineState"]["technicalName"] == "shipped"


# -- the feed -----------------------------------------------------------------------------------------------


class ListFeed:
    def __init__(self, changes: Sequence[LifecycleChange]) -> None:
        self.changes = list(changes)

    async def changes_since(self, after: int, limit: int) -> Sequence[LifecycleChange]:
        return [change for change in self.changes if change.change_id > after][:limit]


def _change(change_id: int, client: str, reference: str, state: LifecycleState, shipment: Shipment | None = None):  # type: ignore[no-untyped-def]
    at = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
    return LifecycleChange(
        change_id, client, reference, "default", "42", state, LifecycleState.DISPATCHED, at, shipment
    )


async def test_the_feed_turns_shop_orders_changes_into_jobs_once(engine: AsyncEngine, clock: FakeClock) -> None:
    queue, book = SqlWriteBackQueue(engine), SqlShopOrderBook(engine)
    await book.remember("shop", "R-1", ShopOrderIds("woocommerce", "727"), clock())
    feed = ListFeed(
        [
            _change(1, "shop", "R-1", LifecycleState.SHIPPED, PARCEL),
            _change(2, "other", "R-9", LifecycleState.SHIPPED, PARCEL),  # a client whose shop writes nothing back
            _change(3, "shop", "R-2", LifecycleState.SHIPPED, PARCEL),  # sent through POST /api/orders: no shop ids
            _change(4, "shop", "R-1", LifecycleState.CANCELLED),
        ]
    )

    def reader(owner: str) -> ChangeReader:
        return ChangeReader(
            feed=feed,
            cursor=queue,
            book=book,
            writing={"shop": "cancel"},
            owner=owner,
            give_up=GIVE_UP,
            lease=dt.timedelta(seconds=60),
            batch_size=3,
            clock=clock,
        )

    first, second = reader("a"), reader("b")
    assert await first.run_once() == 3
    assert await second.run_once() == 0  # a holds the feed
    assert await first.run_once() == 1
    assert await first.run_once() == 0
    jobs = await queue.jobs_of("shop", "R-1")
    assert [(job.key, job.kind) for job in jobs] == [("change:1", JobKind.SHIP), ("change:4", JobKind.CANCEL)]
    assert await queue.jobs_of("shop", "R-2") == [] and await queue.jobs_of("other", "R-9") == []
    clock.advance(61)  # a died: b reads on from a's cursor and queues nothing twice
    feed.changes.append(_change(5, "shop", "R-1", LifecycleState.COMPLETED))
    assert await second.run_once() == 1
    assert [job.key for job in await queue.jobs_of("shop", "R-1")] == ["change:1", "change:4", "change:5"]
