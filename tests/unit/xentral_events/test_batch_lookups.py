"""The worker's lookups per claimed batch: a delivery note or an order's status is read once per batch,
and a thin `salesOrder.updated` costs no read when an event of the same batch, dated no earlier, carries
that order's status (`salesOrderPosition.delivered`'s `salesOrder.status`, a full `salesOrder.updated`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.unit.xentral_events.fakes import FakeLookups, FakeOurOrders, MemoryQueue, RecordingSink
from unified_order_api.lifecycle import LifecycleState
from unified_order_api.xentral_events.worker import EventWorker

NOW = dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.UTC)
AT = "2026-12-04T22:59:00+00:00"
EARLIER = "2026-12-04T22:58:00+00:00"


def _worker(queue: MemoryQueue, sink: RecordingSink, lookups: FakeLookups) -> EventWorker:
    return EventWorker(
        queue=queue, sink=sink, lookups=lookups, tracked=FakeOurOrders({"default": {"17", "18"}}), clock=lambda: NOW
    )


async def _add(queue: MemoryQueue, event: str, body: dict[str, Any]) -> None:
    await queue.add("default", f"com.xentral.{event}.v1", body, NOW)


async def _parcel_and_its_update(queue: MemoryQueue, *, delivered_at: str, status: str = "released") -> None:
    """What Xentral sends for a parcel that delivers the order's last position, as the sandbox does."""
    await _add(
        queue, "shipment.created", {"shipmentId": 9, "deliveryNoteId": 5, "trackingNumber": "T1", "createdAt": AT}
    )
    delivered = {"salesOrderPositionId": 3, "salesOrder": {"id": 17, "status": status}, "product": {"id": 1}}
    await _add(queue, "salesOrderPosition.delivered", delivered | {"updatedAt": delivered_at})
    await _add(queue, "salesOrder.updated", {"salesOrderId": 17, "project": None, "updatedAt": AT})


async def test_a_parcels_thin_update_is_not_read_when_its_position_event_carries_the_status() -> None:
    queue, sink = MemoryQueue(), RecordingSink()
    await _parcel_and_its_update(queue, delivered_at=AT)
    lookups = FakeLookups(notes={"5": "17"}, delivered={"5"}, statuses={"17": "released"})
    assert await _worker(queue, sink, lookups).run_once() == 3
    assert lookups.calls == [("note", "5")]  # the note only: the status came with the batch
    assert queue.outcomes() == ["observed", "observed", "observed"]
    assert [o.state for o in sink.seen] == [None, LifecycleState.DISPATCHED, LifecycleState.RELEASED]
    assert sink.seen[0].all_shipped is True


async def test_a_status_carried_by_an_earlier_event_does_not_stand_for_a_later_update() -> None:
    queue, sink = MemoryQueue(), RecordingSink()
    await _parcel_and_its_update(queue, delivered_at=EARLIER)
    lookups = FakeLookups(notes={"5": "17"}, delivered={"5"}, statuses={"17": "canceled"})
    await _worker(queue, sink, lookups).run_once()
    assert lookups.calls == [("note", "5"), ("status", "17")]  # the update may be news after it: read
    assert sink.seen[-1].state == LifecycleState.CANCELLED


async def test_a_later_full_update_in_the_batch_stands_for_a_thin_one() -> None:
    queue, sink = MemoryQueue(), RecordingSink()
    await _add(queue, "salesOrder.updated", {"salesOrderId": 17, "project": None, "updatedAt": EARLIER})
    await _add(queue, "salesOrder.updated", {"salesOrderId": 17, "status": "canceled", "updatedAt": AT})
    lookups = FakeLookups(statuses={"17": "canceled"})
    await _worker(queue, sink, lookups).run_once()
    assert lookups.calls == []
    assert [o.state for o in sink.seen] == [LifecycleState.CANCELLED, LifecycleState.CANCELLED]


async def test_each_note_and_each_orders_status_is_read_once_per_batch_and_again_in_the_next() -> None:
    queue, sink = MemoryQueue(), RecordingSink()
    for shipment in (9, 10):  # two parcels of one note
        await _add(queue, "shipment.created", {"shipmentId": shipment, "deliveryNoteId": 5, "createdAt": AT})
    for order, at in ((17, EARLIER), (17, AT), (18, AT)):  # two thin updates of one order, one of another
        await _add(queue, "salesOrder.updated", {"salesOrderId": order, "project": None, "updatedAt": at})
    lookups = FakeLookups(notes={"5": "17"}, statuses={"17": "completed", "18": "canceled"})
    worker = _worker(queue, sink, lookups)
    assert await worker.run_once() == 5
    assert lookups.calls == [("note", "5"), ("status", "17"), ("status", "18")]
    assert [o.shipment.shipment_id for o in sink.seen if o.shipment] == ["9", "10"]
    assert [o.state for o in sink.seen if o.state] == [LifecycleState.COMPLETED] * 2 + [LifecycleState.CANCELLED]
    await _add(queue, "salesOrder.updated", {"salesOrderId": 17, "project": None, "updatedAt": "2026-12-04T23:00:00Z"})
    await worker.run_once()  # a new batch: what was read before may have changed since
    assert lookups.calls[-1] == ("status", "17")


async def test_a_failed_read_is_not_kept_for_the_batch() -> None:
    queue, sink = MemoryQueue(), RecordingSink()
    for at in (EARLIER, AT):
        await _add(queue, "salesOrder.updated", {"salesOrderId": 17, "project": None, "updatedAt": at})
    lookups = FakeLookups(statuses={"17": "completed"})
    lookups.fail_status = 1
    await _worker(queue, sink, lookups).run_once()
    assert lookups.calls == [("status", "17"), ("status", "17")]  # the second event read it anew
    assert queue.outcomes() == ["pending", "observed"]  # the first is retried later
    assert [o.state for o in sink.seen] == [LifecycleState.COMPLETED]
