"""The sandbox's events are Xentral's: every type it offers is a channel of the AsyncAPI spec, and what
it emits validates against that channel's payload schema."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from tests.support.sandbox_payloads import order_payload
from tests.support.spec import event_payload_schema, events_spec_path
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
