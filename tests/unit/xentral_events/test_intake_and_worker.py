"""The intake queues a verified event once and refuses the rest unchanged; the worker hands each event
to the sink once, drops other orders' events, and looks up what an event does not say."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.unit.xentral_events.fakes import FakeLookups, FakeOurOrders, MemoryQueue, MemorySubscriptions, RecordingSink
from unified_order_api.lifecycle import LifecycleState
from unified_order_api.xentral_events.intake import (
    EventInstanceUnknown,
    EventNotAnEvent,
    EventNotJson,
    EventSignatureFailed,
    EventStale,
    XentralEventIntake,
)
from unified_order_api.xentral_events.ports import SubscriptionRecord
from unified_order_api.xentral_events.signature import expected_signature
from unified_order_api.xentral_events.worker import EventWorker

KEY = "k" * 43
NOW = dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.UTC)


def delivery(
    event: str, body: dict[str, Any], *, key: str = KEY, at: dt.datetime = NOW
) -> tuple[dict[str, str], bytes]:
    raw = json.dumps({"type": f"com.xentral.{event}.v1", "body": body}).encode()
    stamp = str(int(at.timestamp()))
    return {"xentral-signature": expected_signature(raw, stamp, key), "xentral-request-timestamp": stamp}, raw


@pytest.fixture
def parts() -> tuple[MemoryQueue, MemorySubscriptions, list[tuple[str, str]]]:
    subscriptions = MemorySubscriptions()
    subscriptions.records["default"] = SubscriptionRecord("default", KEY, webhook_id="1")
    return MemoryQueue(), subscriptions, []


def intake_of(parts: tuple[MemoryQueue, MemorySubscriptions, list[tuple[str, str]]]) -> XentralEventIntake:
    queue, subscriptions, counted = parts
    return XentralEventIntake(
        ["default"],
        queue,
        subscriptions,
        tolerance_seconds=300,
        clock=lambda: NOW,
        on_outcome=lambda instance, outcome: counted.append((instance, outcome)),
    )


async def test_a_verified_event_is_queued_once(parts: Any) -> None:
    headers, body = delivery("salesOrder.dispatched", {"salesOrderId": 17, "project": None, "updatedAt": "x"})
    intake = intake_of(parts)
    assert (await intake.receive("default", headers, body)).outcome == "queued"
    assert (await intake.receive("default", headers, body)).outcome == "duplicate"
    later = {**headers, "xentral-request-timestamp": str(int(NOW.timestamp()) + 5)}
    later["xentral-signature"] = expected_signature(body, later["xentral-request-timestamp"], KEY)
    assert (await intake.receive("default", later, body)).outcome == "duplicate"  # a retry, signed anew
    assert len(parts[0].rows) == 1
    assert parts[2] == [("default", "queued"), ("default", "duplicate"), ("default", "duplicate")]


@pytest.mark.parametrize(
    ("instance", "change", "refusal"),
    [
        ("nowhere", {}, EventInstanceUnknown),
        ("default", {"key": "w" * 43}, EventSignatureFailed),
        ("default", {"at": NOW - dt.timedelta(minutes=6)}, EventStale),
        ("default", {"at": NOW + dt.timedelta(minutes=6)}, EventStale),
    ],
)
async def test_a_refused_event_changes_nothing(
    parts: Any, instance: str, change: dict[str, Any], refusal: type[Exception]
) -> None:
    headers, body = delivery("salesOrder.dispatched", {"salesOrderId": 17}, **change)
    with pytest.raises(refusal):
        await intake_of(parts).receive(instance, headers, body)
    assert parts[0].rows == {}


async def test_unsigned_and_unsubscribed_are_forged(parts: Any) -> None:
    headers, body = delivery("salesOrder.dispatched", {"salesOrderId": 17})
    with pytest.raises(EventSignatureFailed):
        await intake_of(parts).receive("default", {}, body)
    del parts[1].records["default"]
    with pytest.raises(EventSignatureFailed):
        await intake_of(parts).receive("default", headers, body)
    assert parts[0].rows == {}


@pytest.mark.parametrize(
    ("raw", "refusal"),
    [(b"not json", EventNotJson), (b"[1]", EventNotJson), (b'{"type": "x", "body": {}}', EventNotAnEvent)],
)
async def test_a_signed_body_that_is_no_event_is_refused(parts: Any, raw: bytes, refusal: type[Exception]) -> None:
    stamp = str(int(NOW.timestamp()))
    headers = {"xentral-signature": expected_signature(raw, stamp, KEY), "xentral-request-timestamp": stamp}
    with pytest.raises(refusal):
        await intake_of(parts).receive("default", headers, raw)


def worker_of(queue: MemoryQueue, sink: RecordingSink, lookups: FakeLookups, counted: list[str]) -> EventWorker:
    return EventWorker(
        queue=queue,
        sink=sink,
        lookups=lookups,
        tracked=FakeOurOrders({"default": {"17"}}),
        clock=lambda: NOW,
        max_attempts=2,
        on_outcome=lambda instance, outcome: counted.append(outcome),
    )


async def test_the_worker_observes_ours_and_drops_the_rest_quietly() -> None:
    queue, sink, counted = MemoryQueue(), RecordingSink(), []  # type: list[str]
    stamp = "2026-12-04T22:59:00+00:00"
    await queue.add("default", "com.xentral.salesOrder.dispatched.v1", {"salesOrderId": 17, "updatedAt": stamp}, NOW)
    await queue.add("default", "com.xentral.salesOrder.dispatched.v1", {"salesOrderId": 99, "updatedAt": stamp}, NOW)
    await queue.add("default", "com.xentral.invoice.created.v1", {"invoiceId": 3, "createdAt": stamp}, NOW)
    await queue.add("default", "com.xentral.salesOrder.released.v1", {"salesOrderId": "bad"}, NOW)
    assert await worker_of(queue, sink, FakeLookups(), counted).run_once() == 4
    assert counted == ["observed", "untracked", "ignored", "malformed"]
    [seen] = sink.seen
    assert (seen.instance, seen.sales_order_id, seen.source, seen.state) == ("default", "17", "event", "dispatched")
    assert seen.observed_at == dt.datetime(2026, 12, 4, 22, 59, tzinfo=dt.UTC)
    assert queue.outcomes() == ["observed", "untracked", "ignored", "malformed"]


async def test_a_shipment_finds_its_order_through_the_delivery_note() -> None:
    queue, sink, counted = MemoryQueue(), RecordingSink(), []  # type: list[str]
    body = {"shipmentId": 9, "deliveryNoteId": 5, "carrier": "DHL", "trackingNumber": "T1", "createdAt": "x"}
    await queue.add("default", "com.xentral.shipment.created.v1", body, NOW)
    await queue.add("default", "com.xentral.shipment.created.v1", body | {"deliveryNoteId": 6}, NOW)
    lookups = FakeLookups(notes={"5": "17"})
    await worker_of(queue, sink, lookups, counted).run_once()
    assert counted == ["observed", "unresolved"]
    [seen] = sink.seen
    assert seen.shipment is not None and seen.shipment.tracking_number == "T1" and seen.state is None
    assert seen.all_shipped is False  # the note has positions left: a partial shipment, not the last parcel


async def test_a_shipment_says_whether_its_note_is_delivered_in_full_with_one_read_of_the_note() -> None:
    """The note read for the order also says whether the parcel was the last; a shipment event naming its
    order reads the note only for an order of ours, so a shop hears "shipped" once everything has."""
    queue, sink, counted = MemoryQueue(), RecordingSink(), []  # type: list[str]
    parcel = {"shipmentId": 9, "deliveryNoteId": 5, "trackingNumber": "T1", "createdAt": "x"}
    await queue.add("default", "com.xentral.shipment.created.v1", parcel, NOW)
    label = "com.xentral.shipment.labelCreated.v1"
    await queue.add("default", label, parcel | {"shipmentId": 10, "salesOrderId": 17}, NOW)
    await queue.add("default", label, parcel | {"shipmentId": 11, "salesOrderId": 99}, NOW)
    lookups = FakeLookups(notes={"5": "17"}, delivered={"5"})
    await worker_of(queue, sink, lookups, counted).run_once()
    assert counted == ["observed", "observed", "untracked"]
    assert [(o.shipment.shipment_id if o.shipment else None, o.all_shipped) for o in sink.seen] == [
        ("9", True),
        ("10", True),
    ]
    assert lookups.calls == [("note", "5")]  # one read for the batch's two parcels, none for the order not ours


async def test_a_thin_update_reads_the_status_of_our_orders_only() -> None:
    queue, sink, counted = MemoryQueue(), RecordingSink(), []  # type: list[str]
    await queue.add("default", "com.xentral.salesOrder.updated.v1", {"salesOrderId": 17, "updatedAt": "x"}, NOW)
    await queue.add("default", "com.xentral.salesOrder.updated.v1", {"salesOrderId": 99, "updatedAt": "x"}, NOW)
    lookups = FakeLookups(statuses={"17": "canceled", "99": "canceled"})
    await worker_of(queue, sink, lookups, counted).run_once()
    assert lookups.calls == [("status", "17")]  # no call for an order not ours
    assert [o.state for o in sink.seen] == [LifecycleState.CANCELLED]


async def test_the_workers_lookups_take_the_background_lane() -> None:
    """New orders go first (the limiter's low-priority lane, `in_background`), whatever an event asks for."""
    queue, sink, counted = MemoryQueue(), RecordingSink(), []  # type: list[str]
    await queue.add("default", "com.xentral.salesOrder.updated.v1", {"salesOrderId": 17, "updatedAt": "x"}, NOW)
    parcel = {"shipmentId": 9, "deliveryNoteId": 5, "trackingNumber": "T1", "createdAt": "x"}
    await queue.add("default", "com.xentral.shipment.created.v1", parcel, NOW)
    lookups = FakeLookups(notes={"5": "17"}, statuses={"17": "completed"})
    await worker_of(queue, sink, lookups, counted).run_once()
    assert lookups.calls == [("status", "17"), ("note", "5")]
    assert lookups.in_background == [True, True]


async def test_a_failed_lookup_is_retried_then_given_up() -> None:
    queue, sink, counted = MemoryQueue(), RecordingSink(), []  # type: list[str]
    body = {"shipmentId": 9, "deliveryNoteId": 5, "createdAt": "x"}
    await queue.add("default", "com.xentral.shipment.created.v1", body, NOW)
    lookups = FakeLookups(notes={"5": "17"})
    lookups.fail = 5
    worker = worker_of(queue, sink, lookups, counted)
    await worker.run_once()
    assert await worker.run_once() == 0  # not due yet
    queue.rows[1]["due"] = NOW
    await worker.run_once()
    assert counted == ["retried", "failed"] and not sink.seen and queue.rows[1]["state"] == "failed"
