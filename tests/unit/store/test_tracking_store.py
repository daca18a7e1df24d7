"""The tracking store's contract, for every database: in memory here, SQLite and PostgreSQL in
`tests/integration/store`. Enrolled at completion, observations applied once and forward, changes
announced in the same transaction, the poll held by one process at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.lifecycle import LifecycleState, Observation, Shipment
from unified_order_api.lifecycle.announcements import LIFECYCLE_EVENTS, ClientAnnouncements
from unified_order_api.orders.attempts import AttemptState, OrderReceipt
from unified_order_api.store.attempts import SqlAttemptStore
from unified_order_api.store.tables import webhook_deliveries
from unified_order_api.store.tracking import SqlTrackingStore, TrackingEnrolment

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def _tracking(engine: AsyncEngine, events: list[str] | None = None) -> SqlTrackingStore:
    targets = {"shop": ("https://shop.example/hooks", LIFECYCLE_EVENTS if events is None else events)}
    return SqlTrackingStore(engine, ClientAnnouncements(targets, lambda: NOW), clock=lambda: NOW)


async def _complete(
    engine: AsyncEngine, reference: str, order_id: str, *, status: str = "released", held: list[str] | None = None
) -> None:
    """An order completed through the attempt store, which enrols it."""
    attempts = SqlAttemptStore(engine, TrackingEnrolment(lambda client: "default", dt.timedelta(days=30)))
    claim = await attempts.claim(
        client="shop",
        key=reference,
        reference=reference,
        fingerprint="F",
        owner=uuid.uuid4().hex,
        now=NOW,
        lease_until=NOW + dt.timedelta(seconds=60),
    )
    attempt = claim.attempt
    attempt.state = AttemptState.COMPLETED
    attempt.order_id = order_id
    attempt.receipt = OrderReceipt(reference, order_id, "2000" + order_id, status, "4", "10004", False, "created")
    attempt.receipt.held_reasons = held
    await attempts.save(attempt)


def _seen(order_id: str, minutes: int, state: LifecycleState | None = None, **kwargs: object) -> Observation:
    return Observation("default", order_id, NOW + dt.timedelta(minutes=minutes), "poll", state, **kwargs)  # type: ignore[arg-type]


def _parcel(shipment_id: str = "31") -> Shipment:
    return Shipment(shipment_id, "DHL", "00340434", "https://track.example/00340434", "12")


async def _outbox(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(webhook_deliveries.c.event_type, webhook_deliveries.c.event_id).order_by(webhook_deliveries.c.id)
        )
        return [(row.event_type, row.event_id) for row in rows]


async def test_a_completed_order_is_tracked_from_its_import(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7")
    store = _tracking(engine)
    view = await store.tracked("shop", "R-1")
    assert view is not None and view.order.state == LifecycleState.RELEASED and view.order.order_number == "20007"
    assert [(c.state, c.previous_state) for c in view.changes] == [(LifecycleState.RELEASED, None)]
    assert [o.sales_order_id for o in await store.open_orders("default", NOW)] == ["7"]
    assert await _outbox(engine) == []  # the import itself is order.created's news


async def test_an_order_held_at_import_starts_held_with_its_reasons(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7", held=["out_of_stock"])
    view = await _tracking(engine).tracked("shop", "R-1")
    assert view is not None and view.order.state == LifecycleState.HELD
    assert view.order.held_reasons == ("out_of_stock",)


async def test_observations_move_it_forward_once_and_announce_each_step(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7")
    store = _tracking(engine)
    story = [
        _seen("7", 1, LifecycleState.DISPATCHED),
        _seen("7", 2, shipment=_parcel(), all_shipped=True),
        _seen("7", 3, LifecycleState.COMPLETED),
    ]
    await store.observe(story)
    await store.observe(story)  # repeated: nothing more
    await store.observe(list(reversed(story)))  # and out of order: nothing more
    view = await store.tracked("shop", "R-1")
    assert view is not None and view.order.state == LifecycleState.COMPLETED
    assert [s.tracking_number for s in view.order.shipments] == ["00340434"]
    events = [event for event, _ in await _outbox(engine)]
    assert events == ["order.dispatched", "order.shipped", "order.completed"]
    assert await store.open_orders("default", NOW) == []  # completed: no longer polled


async def test_a_parcel_and_the_completion_dated_the_same_second_are_announced_completion_last(
    engine: AsyncEngine,
) -> None:
    """A poll reads the order's status first, then its notes and parcels; Xentral dates them to the second."""
    await _complete(engine, "R-1", "7")
    store = _tracking(engine)
    await store.observe(
        [
            _seen("7", 1, LifecycleState.COMPLETED),
            _seen("7", 1, LifecycleState.DISPATCHED),
            _seen("7", 1, shipment=_parcel(), all_shipped=True),
        ]
    )
    assert [event for event, _ in await _outbox(engine)] == ["order.dispatched", "order.shipped", "order.completed"]


async def test_a_hold_is_announced_with_its_reasons_and_a_cancellation_as_order_cancelled(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7")
    store = _tracking(engine)
    await store.observe([_seen("7", 1, LifecycleState.HELD, held_reasons=("awaiting_prepayment",))])
    await store.observe([_seen("7", 2, LifecycleState.CANCELLED)])
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(webhook_deliveries.c.event_type, webhook_deliveries.c.payload).order_by(webhook_deliveries.c.id)
        )
        sent = [(row.event_type, row.payload["data"]) for row in rows]
    assert [event for event, _ in sent] == ["order.held", "order.cancelled"]
    held, cancelled = sent[0][1], sent[1][1]
    assert held["reference"] == "R-1" and held["held_reasons"] == ["awaiting_prepayment"] and held["state"] == "held"
    assert (cancelled["state"], cancelled["previous_state"]) == ("cancelled", "held")
    assert cancelled["order_number"] == "20007"


async def test_concurrent_observers_record_a_shipment_once(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7")
    store = _tracking(engine)
    await asyncio.gather(*(store.observe([_seen("7", 1, shipment=_parcel())]) for _ in range(8)))
    assert [event for event, _ in await _outbox(engine)] == ["order.shipped"]


async def test_a_client_gets_only_the_events_it_chose(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7")
    store = _tracking(engine, events=["order.shipped"])
    await store.observe([_seen("7", 1, LifecycleState.DISPATCHED), _seen("7", 2, shipment=_parcel())])
    assert [event for event, _ in await _outbox(engine)] == ["order.shipped"]


async def test_untracked_orders_change_nothing(engine: AsyncEngine) -> None:
    store = _tracking(engine)
    await store.observe([_seen("999", 1, LifecycleState.CANCELLED)])
    assert await store.changes_since(0, 10) == []


async def test_the_feed_pages_in_id_order_per_client(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7")
    await _complete(engine, "R-2", "8")
    store = _tracking(engine)
    await store.observe([_seen("7", 1, LifecycleState.DISPATCHED), _seen("8", 1, LifecycleState.CANCELLED)])
    everything = await store.changes_since(0, 100)
    assert [c.change_id for c in everything] == sorted(c.change_id for c in everything) and len(everything) == 4
    first = await store.client_changes("shop", after=0, limit=3)
    rest = await store.client_changes("shop", after=first[-1].change_id, limit=3)
    assert [c.reference for c in first + rest] == ["R-1", "R-2", "R-1", "R-2"]
    assert await store.client_changes("other", after=0, limit=10) == []


async def test_the_poll_is_one_process_s_until_its_lease_runs_out(engine: AsyncEngine) -> None:
    store = _tracking(engine)
    lease = dt.timedelta(seconds=120)
    first = await store.claim_poll("default", owner="a", now=NOW, lease_until=NOW + lease)
    assert first is not None and first.polled_until is None
    assert await store.claim_poll("default", owner="b", now=NOW, lease_until=NOW + lease) is None
    assert await store.finish_poll(first, polled_until=NOW, now=NOW, calls=3)
    later = NOW + lease + dt.timedelta(seconds=1)  # a died: its lease ran out
    taken = await store.claim_poll("default", owner="b", now=later, lease_until=later + lease)
    assert taken is not None and taken.polled_until == NOW
    assert not await store.finish_poll(first, polled_until=later, now=later, calls=1)  # fenced
    [health] = await store.health(later)
    assert health.calls == 3 and health.last_poll_at == NOW


async def test_purge_closes_orders_past_their_time_and_deletes_them_later(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7")
    store = _tracking(engine)
    assert await store.purge(NOW + dt.timedelta(days=31), dt.timedelta(days=30)) == 0
    assert await store.open_orders("default", NOW + dt.timedelta(days=31)) == []
    assert await store.purge(NOW + dt.timedelta(days=62), dt.timedelta(days=30)) == 1
    assert await store.tracked("shop", "R-1") is None
