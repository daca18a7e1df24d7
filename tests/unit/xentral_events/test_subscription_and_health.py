"""The keeper leaves Xentral with exactly one subscription of ours, as wanted, however it found it;
the health says whether the poller may lean on the events."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from tests.unit.xentral_events.fakes import FakeXentralWebhooks, MemorySubscriptions
from unified_order_api.xentral_events.health import StoredEventHealth
from unified_order_api.xentral_events.ports import WebhookSubscription
from unified_order_api.xentral_events.subscription import SubscriptionBusy, SubscriptionKeeper, receiver_url
from unified_order_api.xentral_events.translation import SUBSCRIBED_EVENTS

NOW = dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.UTC)
URL = receiver_url("https://uoa.example.com/", "default")


def keeper(xentral: FakeXentralWebhooks, store: MemorySubscriptions, owner: str = "a") -> SubscriptionKeeper:
    return SubscriptionKeeper(
        "default", xentral, store, name="unified-order-api", url=URL, owner=owner, clock=lambda: NOW, wait_seconds=0.3
    )


def test_the_receiver_url() -> None:
    assert URL == "https://uoa.example.com/api/xentral/default/events"


async def test_created_once_then_unchanged() -> None:
    xentral, store = FakeXentralWebhooks(), MemorySubscriptions()
    first = await keeper(xentral, store).ensure()
    assert first.action == "created" and list(xentral.items) == [first.webhook_id]
    key = store.records["default"].signature_key
    assert xentral.keys[first.webhook_id] == key and len(key) >= 20
    again = await keeper(xentral, store, owner="b").ensure()  # another process, a restart
    assert again.action == "unchanged" and xentral.calls == ["list", "create", "list"]
    assert store.records["default"].signature_key == key and store.records["default"].webhook_id == first.webhook_id


async def test_a_changed_subscription_is_repaired_with_our_key() -> None:
    xentral, store = FakeXentralWebhooks(), MemorySubscriptions()
    made = await keeper(xentral, store).ensure()
    xentral.items[made.webhook_id] = WebhookSubscription(made.webhook_id, "unified-order-api", "https://old/x", ())
    xentral.keys[made.webhook_id] = "someone-else's-key-xxxx"
    repaired = await keeper(xentral, store).ensure()
    assert repaired.action == "updated"
    assert xentral.items[made.webhook_id].url == URL and set(xentral.items[made.webhook_id].events) == set(
        SUBSCRIBED_EVENTS
    )
    assert xentral.keys[made.webhook_id] == store.records["default"].signature_key


async def test_one_we_did_not_record_gets_our_key_and_duplicates_go() -> None:
    xentral, store = FakeXentralWebhooks(), MemorySubscriptions()
    for _ in range(3):
        await xentral.create("unified-order-api", URL, "unknown-key-" + "x" * 20, SUBSCRIBED_EVENTS)
    await xentral.create("someone else", "https://other.example.com/hook", "their-key-" + "y" * 20, ["x"])
    report = await keeper(xentral, store).ensure()
    assert report.action == "updated" and report.removed == ("2", "3")
    assert sorted(xentral.items) == ["1", "4"]  # theirs is left alone
    assert xentral.keys["1"] == store.records["default"].signature_key


async def test_a_held_lease_makes_another_keeper_wait_then_give_up() -> None:
    xentral, store = FakeXentralWebhooks(), MemorySubscriptions()
    await store.key("default", "k" * 43, NOW)
    assert await store.lease("default", "other", NOW, NOW + dt.timedelta(minutes=1))
    with pytest.raises(SubscriptionBusy):
        await keeper(xentral, store).ensure()
    assert xentral.calls == []


async def test_a_failed_repair_is_recorded_as_the_problem() -> None:
    class Refusing(FakeXentralWebhooks):
        async def list(self) -> list[WebhookSubscription]:
            raise PermissionError("token lacks webhook:read")

    store = MemorySubscriptions()
    with pytest.raises(PermissionError):
        await keeper(Refusing(), store).ensure()
    assert "webhook:read" in (store.records["default"].problem or "")
    assert store.leases == {}
    status = await StoredEventHealth(store, within_seconds=600, clock=lambda: NOW).status("default")
    assert not status.healthy and not status.subscribed


async def test_health_needs_a_subscription_and_something_recent() -> None:
    xentral, store = FakeXentralWebhooks(), MemorySubscriptions()
    health = StoredEventHealth(store, within_seconds=600, clock=lambda: NOW)
    assert not await health.events_healthy("default")
    await keeper(xentral, store).ensure()
    assert await health.events_healthy("default")  # just checked
    later = StoredEventHealth(store, within_seconds=600, clock=lambda: NOW + dt.timedelta(hours=1))
    assert not await later.events_healthy("default")
    store.records["default"] = replace(store.records["default"], last_event_at=NOW + dt.timedelta(minutes=55))
    assert await later.events_healthy("default")
