"""The tracking store's contract, for every database: in memory here, SQLite and PostgreSQL in
`tests/integration/store`. Enrolled at completion, observations applied once and forward, changes
announced in the same transaction, the poll held by one process at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.lifecycle import LifecycleState, Observation, Shipment
from unified_order_api.lifecycle.announcements import LIFECYCLE_EVENTS, ClientAnnouncements
from unified_order_api.lifecycle.polling import DeliverySeen, NoteProgress, NoteSeen, OrderSeen, TrackingPoller
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


async def test_a_round_is_taken_only_when_due_by_the_stored_last_poll(engine: AsyncEngine) -> None:
    """Another process whose lease ran out early (or a restarted one, with no memory) still does not poll an
    instance polled less than an interval ago: the stored start of the last round decides."""
    store = _tracking(engine)
    lease, interval = dt.timedelta(seconds=120), dt.timedelta(seconds=30)
    first = await store.claim_poll("default", owner="a", now=NOW, lease_until=NOW + lease, due_before=NOW - interval)
    assert first is not None
    assert await store.finish_poll(first, polled_until=NOW, now=NOW, calls=2, hold_until=NOW + dt.timedelta(seconds=1))
    soon = NOW + dt.timedelta(seconds=10)  # a's hold is over, its next round not due
    assert (
        await store.claim_poll("default", owner="b", now=soon, lease_until=soon + lease, due_before=soon - interval)
        is None
    )
    due = NOW + interval
    taken = await store.claim_poll("default", owner="b", now=due, lease_until=due + lease, due_before=due - interval)
    assert taken is not None and taken.polled_until == NOW


async def test_a_finished_round_holds_the_instance_only_until_its_next_round_is_due_plus_a_margin(
    engine: AsyncEngine,
) -> None:
    store = _tracking(engine)
    lease, interval = dt.timedelta(seconds=120), dt.timedelta(seconds=30)
    first = await store.claim_poll("default", owner="a", now=NOW, lease_until=NOW + lease)
    assert first is not None
    hold = NOW + interval + interval  # due after one interval, held one more
    assert await store.finish_poll(first, polled_until=NOW, now=NOW, calls=2, hold_until=hold)
    due = NOW + interval  # a is alive: due, it keeps its poll, and no one else may take it
    assert (
        await store.claim_poll("default", owner="b", now=due, lease_until=due + lease, due_before=due - interval)
        is None
    )
    after = hold + dt.timedelta(seconds=1)  # a died after its round: taken over long before its round's lease (120 s)
    taken = await store.claim_poll(
        "default", owner="b", now=after, lease_until=after + lease, due_before=after - interval
    )
    assert taken is not None and taken.polled_until == NOW
    assert not await store.finish_poll(first, polled_until=after, now=after, calls=1, hold_until=after + (hold - NOW))


class _Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


class _CountedReads:
    """A quiet Xentral: nothing changed. Records when each round read (`orders_changed` opens every round)."""

    def __init__(self, clock: _Clock) -> None:
        self.calls = 0
        self.rounds: list[dt.datetime] = []
        self._clock = clock

    async def orders_changed(self, since: dt.datetime) -> list[OrderSeen]:
        self.calls += 1
        self.rounds.append(self._clock())
        return []

    async def notes_changed(self, since: dt.datetime) -> list[NoteSeen]:
        self.calls += 1
        return []

    async def deliveries_of(self, sales_order_ids: Sequence[str]) -> list[DeliverySeen]:
        raise AssertionError("nothing changed, no deliveries to read")

    async def note_progress(self, delivery_note_id: str) -> NoteProgress:
        raise AssertionError("nothing changed, no note to read")


async def test_two_pollers_never_poll_more_often_than_the_interval_and_a_killed_ones_share_is_taken_in_two(
    engine: AsyncEngine,
) -> None:
    """Two processes on one store and one (fake) clock, each trying every second: the rounds of both together
    are an interval apart; the first keeps the poll while it lives; killed, the other polls the instance
    within two intervals of its last round (not the 120 s round lease plus one interval)."""
    await _complete(engine, "R-1", "7")
    store, clock = _tracking(engine), _Clock()
    interval = 30.0

    def poller(reads: _CountedReads) -> TrackingPoller:
        return TrackingPoller(
            store=store, reads={"default": reads}, sink=store, poll_seconds=interval, lease_seconds=120, clock=clock
        )

    a_reads, b_reads = _CountedReads(clock), _CountedReads(clock)
    a, b = poller(a_reads), poller(b_reads)
    for second in range(601):
        clock.now = NOW + dt.timedelta(seconds=second)
        for each in (b, a) if second % 3 == 0 and second else (a, b):  # b first at each of a's due times
            await each.poll_once("default")
        if second == 0:
            assert a_reads.rounds and not b_reads.rounds  # a took the poll first (b tried after it)
    assert b_reads.rounds == []  # a lived: it kept the poll
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(a_reads.rounds)]
    assert gaps and min(gaps) >= interval and len(a_reads.rounds) == 21
    last = a_reads.rounds[-1]
    for second in range(601, 800):  # a killed after its last round: only b tries
        clock.now = NOW + dt.timedelta(seconds=second)
        await b.poll_once("default")
    taken = (b_reads.rounds[0] - last).total_seconds()
    assert interval <= taken <= 2 * interval
    rounds = sorted(a_reads.rounds + b_reads.rounds)
    assert min((y - x).total_seconds() for x, y in itertools.pairwise(rounds)) >= interval


async def test_a_restarted_process_does_not_poll_an_instance_polled_less_than_an_interval_ago(
    engine: AsyncEngine,
) -> None:
    """A new process (no memory of the last round) finding the lease free still waits for its interval."""
    await _complete(engine, "R-1", "7")
    store, clock = _tracking(engine), _Clock()
    first_reads, later_reads = _CountedReads(clock), _CountedReads(clock)
    first = TrackingPoller(store=store, reads={"default": first_reads}, sink=store, poll_seconds=5, clock=clock)
    assert await first.poll_once("default") is not None  # held until its next round (5 s) plus the 5 s margin
    # a new process polling every 30 s (another setting, another version), after the first's hold ran out
    quick = TrackingPoller(store=store, reads={"default": later_reads}, sink=store, poll_seconds=30, clock=clock)
    clock.now = NOW + dt.timedelta(seconds=11)
    assert await quick.poll_once("default") is None and later_reads.rounds == []
    clock.now = NOW + dt.timedelta(seconds=30)
    assert await quick.poll_once("default") is not None and later_reads.rounds == [clock.now]


async def test_purge_closes_orders_past_their_time_and_deletes_them_later(engine: AsyncEngine) -> None:
    await _complete(engine, "R-1", "7")
    store = _tracking(engine)
    assert await store.purge(NOW + dt.timedelta(days=31), dt.timedelta(days=30)) == 0
    assert await store.open_orders("default", NOW + dt.timedelta(days=31)) == []
    assert await store.purge(NOW + dt.timedelta(days=62), dt.timedelta(days=30)) == 1
    assert await store.tracked("shop", "R-1") is None
