"""The sandbox's events are Xentral's: every type it offers is a channel of the AsyncAPI spec, and what
it emits validates against that channel's payload schema."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import jsonschema
import pytest

from tests.support.sandbox_payloads import order_payload
from tests.support.spec import event_payload_schema, events_spec_path
from xentral_sandbox import fulfilment
from xentral_sandbox.testing import SandboxHandle
from xentral_sandbox.webhooks import EVENT_TYPES


def _channel(event_type: str) -> str:
    """`com.xentral.salesOrder.created.v1` → `salesOrder.created`."""
    return event_type.removeprefix("com.xentral.").rsplit(".", 1)[0]


def valid(name: str, body: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(event_payload_schema(name)).validate(body)


def test_every_offered_type_is_a_channel_of_the_spec() -> None:
    channels = json.loads(events_spec_path().read_text())["channels"]
    assert [t for t in EVENT_TYPES if _channel(t) not in channels] == []


def test_the_schema_check_can_fail() -> None:
    with pytest.raises(jsonschema.ValidationError):
        valid("salesOrder.released", {"salesOrderId": "7", "project": None, "updatedAt": "2026-01-01T00:00:00Z"})


def test_the_events_of_an_import_validate(sandbox: SandboxHandle) -> None:
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers) as client:
        assert client.post("/api/v1/salesOrders/actions/import", json=order_payload()).status_code == 201
    emitted = sandbox.state.events.since()
    assert [e.type for e in emitted][:3] == [
        "com.xentral.salesOrder.created.v1",
        "com.xentral.salesOrder.imported.v1",
        "com.xentral.salesOrder.released.v1",
    ]
    for event in emitted:
        valid(_channel(event.type), event.body)


def test_the_events_of_a_life_after_the_import_validate(sandbox: SandboxHandle) -> None:
    """Dispatch, a parcel of one line, the rest, and completion; another order cancelled after dispatch."""
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers) as client:
        for number in ("SHOP-1", "SHOP-2"):
            body = order_payload(externalOrderNumber=number)
            assert client.post("/api/v1/salesOrders/actions/import", json=body).status_code == 201
    first, second = sorted(sandbox.state.sales_orders)
    after = len(sandbox.state.events.since())
    position = sandbox.state.sales_orders[first]["positions"][0]["id"]
    fulfilment.dispatch(sandbox.state, first)
    fulfilment.ship(sandbox.state, first, tracking_number="A1", lines=[fulfilment.Line(position, Decimal(1))])
    fulfilment.ship(sandbox.state, first, tracking_number="A2", carrier="DHL", tracking_url="https://t.example/A2")
    fulfilment.complete(sandbox.state, first)
    fulfilment.dispatch(sandbox.state, second)
    fulfilment.cancel(sandbox.state, second)
    emitted = sandbox.state.events.since(after)
    assert {_channel(e.type) for e in emitted} == {
        "salesOrder.dispatched",
        "deliveryNote.created",
        "shipment.created",
        "salesOrderPosition.delivered",
        "salesOrder.updated",
        "deliveryNote.canceled",
    }
    for event in emitted:
        schema = event_payload_schema(_channel(event.type))
        # salesOrder.updated's oneOf has the parser's "$ref:…" string beside its own schema: the schema is checked.
        choices = [choice for choice in schema.get("oneOf", [schema]) if isinstance(choice, dict)]
        assert any(jsonschema.Draft202012Validator(choice).is_valid(event.body) for choice in choices), event.type
