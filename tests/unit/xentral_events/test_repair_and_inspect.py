"""`serve`'s periodic check: it repairs what it finds wrong, leaves an instance checked within half its
interval (by any process), and one whose repair lease another holds; `inspect` names each difference."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.unit.xentral_events.fakes import FakeXentralWebhooks, MemorySubscriptions
from unified_order_api.xentral_events.ports import WebhookSubscription
from unified_order_api.xentral_events.repair import SubscriptionRepair
from unified_order_api.xentral_events.subscription import SubscriptionKeeper, inspect, receiver_url
from unified_order_api.xentral_events.translation import SUBSCRIBED_EVENTS

URL = receiver_url("https://uoa.example.com", "default")
NAME = "unified-order-api"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def repair(
    xentral: FakeXentralWebhooks, store: MemorySubscriptions, clock: Clock, owner: str = "a"
) -> SubscriptionRepair:
    keeper = SubscriptionKeeper("default", xentral, store, name=NAME, url=URL, owner=owner, clock=clock, wait_seconds=0)
    return SubscriptionRepair([keeper], store, every_seconds=600, clock=clock)


async def test_it_subscribes_then_leaves_a_fresh_check_then_repairs_a_deleted_one() -> None:
    xentral, store, clock = FakeXentralWebhooks(), MemorySubscriptions(), Clock()
    loop = repair(xentral, store, clock)
    [made] = await loop.run_once()
    assert made.action == "created"
    clock.now += dt.timedelta(seconds=299)
    assert await loop.run_once() == []  # checked within half the interval: Xentral is not asked
    assert xentral.calls == ["list", "create"]
    await xentral.delete(made.webhook_id)  # deleted in Xentral's UI
    clock.now += dt.timedelta(seconds=2)
    [again] = await loop.run_once()
    assert again.action == "created" and list(xentral.items) == [again.webhook_id]
    assert xentral.keys[again.webhook_id] == store.records["default"].signature_key


async def test_another_process_s_fresh_check_or_lease_leaves_it_alone() -> None:
    xentral, store, clock = FakeXentralWebhooks(), MemorySubscriptions(), Clock()
    await repair(xentral, store, clock, owner="a").run_once()
    other = repair(xentral, store, clock, owner="b")
    assert await other.run_once() == []  # process a checked it a moment ago
    clock.now += dt.timedelta(seconds=400)
    assert await store.lease("default", "a", clock.now, clock.now + dt.timedelta(seconds=60))  # a repairs now
    calls = len(xentral.calls)
    assert await other.run_once() == [] and len(xentral.calls) == calls
    await store.release("default", "a")
    [checked] = await other.run_once()
    assert checked.action == "unchanged" and len(xentral.items) == 1


async def test_a_failed_check_is_recorded_and_tried_again_at_the_next_wake() -> None:
    xentral, store, clock = FakeXentralWebhooks(), MemorySubscriptions(), Clock()
    loop = repair(xentral, store, clock)
    failing = xentral.list

    async def down() -> list[WebhookSubscription]:
        raise ConnectionError("Xentral is down")

    xentral.list = down  # type: ignore[method-assign]
    assert await loop.run_once() == []
    assert store.records["default"].problem == "ConnectionError: Xentral is down"
    xentral.list = failing  # type: ignore[method-assign]
    [made] = await loop.run_once()  # a problem is not a fresh check: no waiting for the interval
    assert made.action == "created" and store.records["default"].problem is None


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SubscriptionRepair([], MemorySubscriptions(), every_seconds=0)


async def test_inspect_names_each_difference() -> None:
    xentral = FakeXentralWebhooks()

    async def seen() -> tuple[str, str | None, tuple[str, ...], tuple[str, ...]]:
        found = await inspect("default", xentral, name=NAME, url=URL)
        return found.status, found.webhook_id, found.missing_events, found.duplicates

    assert await seen() == ("missing", None, (), ())
    first = await xentral.create(NAME, URL, "k" * 20, SUBSCRIBED_EVENTS)
    assert await seen() == ("found", first, (), ())
    xentral.items[first] = WebhookSubscription(first, NAME, URL, SUBSCRIBED_EVENTS[1:])
    assert await seen() == ("events_missing", first, SUBSCRIBED_EVENTS[:1], ())
    xentral.items[first] = WebhookSubscription(first, NAME, "https://old.example.com/x", SUBSCRIBED_EVENTS)
    assert await seen() == ("url_differs", first, (), ())
    xentral.items[first] = WebhookSubscription(first, NAME, URL, SUBSCRIBED_EVENTS)
    second = await xentral.create("renamed", URL, "k" * 20, SUBSCRIBED_EVENTS)
    await xentral.create("someone else", "https://other.example.com/hook", "k" * 20, ["x"])
    assert await seen() == ("duplicates", first, (), (second,))
    assert xentral.calls.count("list") == 5 and "update" not in xentral.calls  # it only reads
