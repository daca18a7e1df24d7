"""The receiver over real HTTP with the sandbox: our subscription made by the keeper, events signed by the
sandbox queued and observed; forged, stale and unsigned events refused with problem+json, changing nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.config import Settings
from unified_order_api.store.database import create_engine
from unified_order_api.store.subscriptions import SqlSubscriptionStore
from unified_order_api.xentral import XentralClient
from unified_order_api.xentral.subscriptions import XentralWebhookSubscriptions
from unified_order_api.xentral_events import SubscriptionKeeper
from unified_order_api.xentral_events.signature import expected_signature
from xentral_sandbox.testing import SandboxHandle

ORDER = {
    "reference": "EV-1",
    "customer": {
        "email": "kunde@example.com",
        "name": "Max Mustermann",
        "street": "Musterstraße 1",
        "zip": "12345",
        "city": "Musterstadt",
        "country": "DE",
    },
    "items": [{"sku": "ART-001", "quantity": 1}],
    "shipping": "dhl_standard",
    "payment": "paypal",
}


@pytest.fixture
def settings(sandbox: SandboxHandle, tmp_path: Path) -> Settings:
    return service_settings(sandbox, tmp_path, xentral_events={"poll_seconds": 0.05})


@pytest.fixture
def service_url(settings: Settings) -> Iterator[str]:
    with running_service(settings) as url:
        yield url


async def subscribe(settings: Settings, sandbox: SandboxHandle, url: str) -> str:
    """Our subscription at the sandbox, made as `subscribe-xentral` makes it; the stored key."""
    engine = create_engine(settings.database_url)
    store = SqlSubscriptionStore(engine)
    try:
        async with XentralClient(sandbox.base_url, sandbox.token, timeout=httpx.Timeout(5.0)) as client:
            keeper = SubscriptionKeeper(
                "default",
                XentralWebhookSubscriptions(client),
                store,
                name="uoa",
                url=f"{url}/api/xentral/default/events",
            )
            await keeper.ensure()
        record = await store.get("default")
        assert record is not None
        return record.signature_key
    finally:
        await engine.dispose()


def rows(settings: Settings) -> list[Any]:
    engine = sa.create_engine(settings.database_url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(sa.text("SELECT event_type, state, outcome FROM xentral_events ORDER BY id"))
            )
    finally:
        engine.dispose()


def signed(body: dict[str, Any], key: str, at: float | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    stamp = str(int(at if at is not None else time.time()))
    return raw, {
        "content-type": "application/json",
        "xentral-request-timestamp": stamp,
        "xentral-signature": expected_signature(raw, stamp, key),
    }


EVENT = {"type": "com.xentral.salesOrder.dispatched.v1", "body": {"salesOrderId": 1, "project": None, "updatedAt": "x"}}


async def test_forged_stale_and_unsigned_events_are_refused_and_change_nothing(
    settings: Settings, sandbox: SandboxHandle, service_url: str
) -> None:
    key = await subscribe(settings, sandbox, service_url)
    target = f"{service_url}/api/xentral/default/events"
    with httpx.Client(timeout=10) as http:
        raw, headers = signed(EVENT, "not-our-key-" + "x" * 20)
        forged = http.post(target, content=raw, headers=headers)
        raw, headers = signed(EVENT, key, time.time() - 3600)
        stale = http.post(target, content=raw, headers=headers)
        raw, headers = signed(EVENT, key)
        changed = http.post(target, content=raw.replace(b'"salesOrderId": 1', b'"salesOrderId": 2'), headers=headers)
        unsigned = http.post(target, content=raw, headers={"content-type": "application/json"})
        elsewhere = http.post(f"{service_url}/api/xentral/nowhere/events", content=raw, headers=headers)
    for answer, code in ((forged, "xentral_event_signature_invalid"), (stale, "xentral_event_stale")):
        assert answer.status_code == 401 and answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == code
        assert key not in answer.text
    assert changed.status_code == 401 and unsigned.status_code == 401 and elsewhere.status_code == 404
    assert rows(settings) == []


async def test_a_signed_event_is_queued_once_and_the_sandboxs_own_events_arrive(
    settings: Settings, sandbox: SandboxHandle, service_url: str
) -> None:
    key = await subscribe(settings, sandbox, service_url)
    target = f"{service_url}/api/xentral/default/events"
    with httpx.Client(timeout=10) as http:
        raw, headers = signed(EVENT, key)
        assert http.post(target, content=raw, headers=headers).status_code == 202
        assert http.post(target, content=raw, headers=headers).status_code == 200  # the repeat
        api = {"Authorization": f"Bearer {API_KEY}"}
        assert http.post(f"{service_url}/api/orders", json=ORDER, headers=api).status_code == 201
    assert sandbox.delivery.idle()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen = rows(settings)
        if any(r.event_type.endswith("salesOrder.released.v1") and r.state == "done" for r in seen):
            break
        time.sleep(0.05)
    seen = rows(settings)
    released = [r for r in seen if r.event_type == "com.xentral.salesOrder.released.v1"]
    assert [(r.state, r.outcome) for r in released] == [("done", "observed")]  # our order: handed to the lifecycle
    assert len([r for r in seen if r.event_type.endswith("dispatched.v1")]) == 1
    assert all(d.outcome == "delivered" for d in sandbox.delivery.log())
