"""Tracking by Xentral's webhooks, end to end: the sandbox's subscription delivers signed events to the service.

The service runs as `serve` runs it (HTTP, queue worker, event worker, poller, dispatcher, the periodic
subscription check, which makes the subscription at start-up). An order created through `POST
/api/orders` and one through a signed WooCommerce webhook are dispatched and shipped in the sandbox;
within seconds `GET /api/orders/{reference}` shows each tracking number, and the clients' receiver gets
exactly one `order.shipped` per order, verified with `standardwebhooks`. With the polls far apart, only
the events can have told it (no delivery was read from Xentral). Then the same with the sandbox's faults:
events lost (the safety-net poll, set short here, makes them up), duplicated, late and out of order.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.webhooks.conftest import receiver
from tests.support.lifecycle_e2e import (
    PlacedOrder,
    dispatch_and_ship,
    lifecycle_of,
    lifecycle_settings,
    move,
    place_orders,
    seeded_sandbox,
    shipped_events,
    tracking_numbers,
    wait_until_shown,
)
from tests.support.receiver import Receiver
from tests.support.servers import running_service_at
from xentral_sandbox.delivery import EventFaultKind
from xentral_sandbox.testing import SandboxHandle

__all__ = ["receiver"]  # the fixture

FAR_APART = 3600.0  # a poll interval no test waits for: what arrives came by an event
DELIVERIES = "GET /api/v1/deliveries"  # what a poll reads to find a shipment; events need no such read


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    yield from seeded_sandbox(tmp_path_factory.mktemp("seed"))


@pytest.fixture
def sandbox(seeded: SandboxHandle) -> SandboxHandle:
    seeded.reset()
    return seeded


def _run(
    sandbox: SandboxHandle,
    tmp_path: Path,
    receiver: Receiver,
    *,
    safety_net_seconds: float = FAR_APART,
    faults: tuple[dict[str, Any], ...] = (),
) -> tuple[list[PlacedOrder], dict[str, list[dict[str, Any]]]]:
    """Both orders placed, dispatched and shipped with the events subscribed; the `order.shipped` received.
    Each order ends `shipped` (never moved backwards by a late or repeated event)."""

    def settings_for(url: str) -> Any:
        return lifecycle_settings(
            sandbox,
            tmp_path,
            receiver,
            xentral_events={"public_url": url, "poll_seconds": 0.05, "check_seconds": 600},
            tracking={"poll_seconds": FAR_APART, "safety_net_poll_seconds": safety_net_seconds},
        )

    with running_service_at(settings_for) as (url, _settings):
        deadline = time.monotonic() + 20  # the start-up check makes the subscription (a bound, not a measure)
        while not sandbox.state.webhooks:
            assert time.monotonic() < deadline, "serve made no subscription"
            time.sleep(0.05)
        [hook] = sandbox.state.webhooks.values()
        assert hook["url"] == f"{url}/api/xentral/default/events"
        orders = place_orders(url)
        for fault in faults:
            sandbox.event_faults.add(**fault)
        sandbox.calls.clear()
        tracking = {order: f"TRK-{order.client}-{order.order_id}" for order in orders}
        for order, number in tracking.items():
            dispatch_and_ship(sandbox, order, number)
        wait_until_shown(url, tracking, seconds=30)
        assert sandbox.delivery.idle(timeout=15)
        time.sleep(2.0)  # late and held deliveries, repeats and the dispatcher: nothing more may come
        log = sandbox.delivery.log()  # every event not lost got a 2xx (a retry may have been needed)
        assert {d.event_sequence for d in log if d.outcome == "delivered"} == {
            d.event_sequence for d in log if d.outcome != "lost"
        }
        assert [lifecycle_of(url, order)["state"] for order in orders] == ["shipped", "shipped"]
        return orders, shipped_events(receiver)


def _announced_once(orders: list[PlacedOrder], shipped: dict[str, list[dict[str, Any]]]) -> None:
    assert sorted(shipped) == sorted(order.reference for order in orders)
    for order in orders:
        [event] = shipped[order.reference]
        assert event["data"]["shipment"]["tracking_number"] == f"TRK-{order.client}-{order.order_id}"
        assert event["data"]["shipment"]["carrier"] == "DHL"


def test_api_and_shop_orders_shipped_are_shown_and_announced_once_by_events_alone(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    orders, shipped = _run(sandbox, tmp_path, receiver)
    _announced_once(orders, shipped)
    assert sandbox.calls.count(DELIVERIES) == 0  # no poll found them: the events did
    delivered = {d.type for d in sandbox.delivery.log() if d.outcome == "delivered"}
    assert {"com.xentral.shipment.created.v1", "com.xentral.salesOrder.dispatched.v1"} <= delivered


def test_lost_shipment_events_are_made_up_by_the_safety_net_poll(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    lose = {"kind": EventFaultKind.LOSE, "type": "com.xentral.shipment.*", "count": None}
    orders, shipped = _run(sandbox, tmp_path, receiver, safety_net_seconds=1.0, faults=(lose,))
    _announced_once(orders, shipped)
    assert [d.outcome for d in sandbox.delivery.log() if d.type.startswith("com.xentral.shipment.")] == [
        "lost",
        "lost",
    ]
    assert sandbox.calls.count(DELIVERIES) >= 1  # the poll read them


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": EventFaultKind.DUPLICATE, "type": None, "count": None},
        {"kind": EventFaultKind.LATE, "type": "com.xentral.salesOrder.dispatched.v1", "count": None, "seconds": 1.5},
        {"kind": EventFaultKind.OUT_OF_ORDER, "type": "com.xentral.shipment.created.v1", "count": None},
    ],
    ids=["duplicated", "late", "out_of_order"],
)
def test_events_duplicated_late_or_out_of_order_change_nothing_more(
    fault: dict[str, Any], sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    orders, shipped = _run(sandbox, tmp_path, receiver, faults=(fault,))
    _announced_once(orders, shipped)
    assert sandbox.calls.count(DELIVERIES) == 0
    sent = [d for d in sandbox.delivery.log() if d.outcome == "delivered"]
    if fault["kind"] == EventFaultKind.DUPLICATE:  # the fault did happen: each event arrived twice
        shipments = Counter(d.event_sequence for d in sent if d.type == "com.xentral.shipment.created.v1")
        assert list(shipments.values()) == [2, 2]
    else:  # an event emitted earlier arrived after one emitted later
        sequences = [d.event_sequence for d in sent]
        assert sequences != sorted(sequences)


def test_a_first_parcel_of_two_is_a_partial_shipment_by_events_alone(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    """Each `shipment.created` has its delivery note read: after the first of two parcels positions are left,
    so the order is partially shipped (a shop is told of a parcel, not that everything shipped); the second
    ships it in full. The polls are far apart: only the events (and their note reads) can have said so."""

    def settings_for(url: str) -> Any:
        return lifecycle_settings(
            sandbox,
            tmp_path,
            receiver,
            xentral_events={"public_url": url, "poll_seconds": 0.05, "check_seconds": 600},
            tracking={"poll_seconds": FAR_APART, "safety_net_poll_seconds": FAR_APART},
        )

    def state_becomes(url: str, order: PlacedOrder, state: str) -> None:
        deadline = time.monotonic() + 30  # a bound on waiting, not a measured time
        while lifecycle_of(url, order).get("state") != state:
            assert time.monotonic() < deadline, lifecycle_of(url, order)
            time.sleep(0.05)

    with running_service_at(settings_for) as (url, _settings):
        deadline = time.monotonic() + 20
        while not sandbox.state.webhooks:
            assert time.monotonic() < deadline, "serve made no subscription"
            time.sleep(0.05)
        order = place_orders(url)[0]  # the API order: 2 of ART-001, 1 of ART-002
        sandbox.calls.clear()
        move(sandbox, order.order_id, "dispatch")
        first = {"trackingNumber": "TRK-PART-1", "lines": [{"sku": "ART-001", "quantity": 2}]}
        move(sandbox, order.order_id, "ship", first)
        state_becomes(url, order, "partially_shipped")
        move(sandbox, order.order_id, "ship", {"trackingNumber": "TRK-PART-2"})
        state_becomes(url, order, "shipped")
        assert tracking_numbers(url, order) == ["TRK-PART-1", "TRK-PART-2"]
    assert sandbox.calls.count(DELIVERIES) == 0  # no poll read a delivery: the events said it all


def test_events_signed_with_a_wrong_key_are_refused_and_change_nothing(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    """Xentral's deliveries signed with another key (a forged sender, say): each answered 401, retried by
    Xentral and given up; the orders stay as imported, no lookup was made for them, no client hears a thing."""

    def settings_for(url: str) -> Any:
        return lifecycle_settings(
            sandbox,
            tmp_path,
            receiver,
            xentral_events={"public_url": url, "poll_seconds": 0.05, "check_seconds": 600},
            tracking={"poll_seconds": FAR_APART, "safety_net_poll_seconds": FAR_APART},
        )

    with running_service_at(settings_for) as (url, _settings):
        deadline = time.monotonic() + 20  # the start-up check makes the subscription (a bound, not a measure)
        while not sandbox.state.webhooks:
            assert time.monotonic() < deadline, "serve made no subscription"
            time.sleep(0.05)
        orders = place_orders(url)
        assert sandbox.delivery.idle(timeout=15)
        before = {d.event_sequence for d in sandbox.delivery.log()}
        imported = [lifecycle_of(url, order) for order in orders]
        sandbox.event_faults.add(EventFaultKind.WRONG_KEY, count=None)
        sandbox.calls.clear()
        for order in orders:
            dispatch_and_ship(sandbox, order, f"FORGED-{order.order_id}")
        assert sandbox.delivery.idle(timeout=30)
        time.sleep(1.0)  # the event worker's turns: nothing may come of them
        forged = [d for d in sandbox.delivery.log() if d.event_sequence not in before]
        assert forged and all(d.outcome != "delivered" and d.status in (401, None) for d in forged), forged
        assert any(d.status == 401 for d in forged) and any(d.outcome == "given_up" for d in forged), forged
        assert [lifecycle_of(url, order) for order in orders] == imported  # as imported (held or released)
        assert all(lifecycle["shipments"] == [] for lifecycle in imported)
    lookups = ("GET /api/v1/salesOrders", "GET /api/v1/deliveryNotes", "GET /api/v1/deliveries")
    reads = [name for name in sandbox.calls.counts() if name.startswith(lookups)]
    assert reads == [], reads  # not even an event's lookup: the refused events were never queued
    lifecycle = [r for r in receiver.requests if b'"order.dispatched"' in r.body or b'"order.shipped"' in r.body]
    assert lifecycle == []
