"""Xentral's events, as the AsyncAPI shapes them, in the lifecycle's words."""

from __future__ import annotations

import datetime as dt

import pytest

from unified_order_api.lifecycle import LifecycleState, Shipment
from unified_order_api.xentral_events.translation import (
    EventMalformed,
    Ignored,
    Observed,
    ShipmentOfNote,
    StatusToRead,
    event_name,
    translate,
)

AT = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
RECEIVED = dt.datetime(2026, 12, 4, 12, 0, 5, tzinfo=dt.UTC)
STAMP = "2026-12-04T12:00:00+00:00"


def ev(name: str) -> str:
    return f"com.xentral.{name}.v1"


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("salesOrder.created", LifecycleState.IMPORTED),
        ("salesOrder.imported", LifecycleState.IMPORTED),
        ("salesOrder.released", LifecycleState.RELEASED),
        ("salesOrder.dispatched", LifecycleState.DISPATCHED),
        ("salesOrder.deleted", LifecycleState.CANCELLED),
    ],
)
def test_an_order_step(name: str, state: LifecycleState) -> None:
    body = {"salesOrderId": 17, "project": {"id": 1}, "updatedAt": STAMP}
    assert translate(ev(name), body, RECEIVED) == Observed("17", AT, state=state)


def test_a_shipment_names_its_delivery_note_only() -> None:
    body = {
        "shipmentId": 9,
        "deliveryNoteId": 5,
        "carrier": "DHL",
        "trackingNumber": "00340434161094042557",
        "trackingUrl": "https://nolp.dhl.de/?piececode=00340434161094042557",
        "createdAt": STAMP,
    }
    shipment = Shipment("9", "DHL", "00340434161094042557", body["trackingUrl"], "5", AT)  # type: ignore[arg-type]
    assert translate(ev("shipment.created"), body, RECEIVED) == ShipmentOfNote("5", shipment, AT)


def test_a_label_naming_its_order_is_observed_at_once() -> None:
    body = {"shipmentId": 9, "deliveryNoteId": 5, "salesOrderId": 17, "carrier": "DHL", "trackingNumber": "T1"}
    result = translate(ev("shipment.labelCreated"), body, RECEIVED)
    assert isinstance(result, Observed) and result.sales_order_id == "17"
    assert result.shipment == Shipment("9", "DHL", "T1", None, "5", RECEIVED)  # no time in it: when it came


def test_a_delivered_position_means_dispatched() -> None:
    body = {"salesOrderPositionId": 17001, "salesOrder": {"id": 17, "status": "released"}, "product": {"id": 1}}
    assert translate(ev("salesOrderPosition.delivered"), body | {"updatedAt": STAMP}, RECEIVED) == Observed(
        "17", AT, state=LifecycleState.DISPATCHED
    )


def test_a_thin_update_asks_for_the_status_and_a_full_one_says_it() -> None:
    thin = {"salesOrderId": 17, "updatedAt": STAMP, "project": None}
    assert translate(ev("salesOrder.updated"), thin, RECEIVED) == StatusToRead("17", AT)
    full = thin | {"status": "canceled"}
    assert translate(ev("salesOrder.updated"), full, RECEIVED) == Observed("17", AT, state=LifecycleState.CANCELLED)
    done = thin | {"status": "completed"}
    assert translate(ev("salesOrder.updated"), done, RECEIVED) == Observed("17", AT, state=LifecycleState.COMPLETED)
    assert isinstance(translate(ev("salesOrder.updated"), thin | {"status": "odd"}, RECEIVED), Ignored)


def test_other_resources_are_ignored() -> None:
    assert isinstance(translate(ev("invoice.created"), {"invoiceId": 3, "createdAt": STAMP}, RECEIVED), Ignored)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("salesOrder.released", {"salesOrderId": "x"}),
        ("salesOrder.released", {}),
        ("salesOrder.released", {"salesOrderId": True}),
        ("shipment.created", {"shipmentId": 9}),
        ("salesOrderPosition.delivered", {"salesOrder": 17}),
    ],
)
def test_a_malformed_event_is_refused_not_guessed(name: str, body: dict[str, object]) -> None:
    with pytest.raises(EventMalformed):
        translate(ev(name), body, RECEIVED)


def test_event_names() -> None:
    assert event_name("com.xentral.shipment.labelCreated.v1") == "shipment.labelCreated"
    assert event_name("com.xentral.paymentList.imported.v2") == "paymentList.imported"
    assert event_name("nonsense") == "nonsense"
