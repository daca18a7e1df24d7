"""Callbacks end to end: the real service against the sandbox, a real receiver on loopback,
and dispatchers driven by a fake clock where the test needs retries or crashes."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from tests.support.clock import FakeClock
from tests.support.orders import order_body
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY
from unified_order_api.bootstrap import build_dispatcher, target_guard
from unified_order_api.config import Settings
from unified_order_api.store.database import create_engine
from unified_order_api.store.deliveries import SqlDeliveryStore
from unified_order_api.webhooks.dispatcher import Dispatcher
from xentral_sandbox.testing import SandboxHandle

from .conftest import ADMIN_KEY, SECRET, webhook_settings

IMPORT = {"method": "POST", "path": "/api/v1/salesOrders/actions/import"}


def _client(url: str, key: str = API_KEY) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _admin(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"X-API-Key": ADMIN_KEY}, timeout=30)


def _place(url: str, **changes: object) -> dict[str, object]:
    with _client(url) as api:
        response = api.post("/api/orders", json=order_body(**changes))
    assert response.status_code == 201, response.text
    return dict(response.json())


class Dispatching:
    """A dispatcher on the service's database, run step by step under a fake clock."""

    def __init__(self, settings: Settings, clock: FakeClock, worker: str | None = None) -> None:
        self.clock = clock
        self._catch_up()
        self.engine = create_engine(settings.database_url)
        self.store = SqlDeliveryStore(self.engine)
        self.dispatcher: Dispatcher = build_dispatcher(
            settings, self.store, target_guard(settings), clock=clock, worker=worker
        )

    def _catch_up(self) -> None:
        """What the service wrote until now must be due. The clock's one-second head start over the
        real time is not enough when starting the service or placing the order took longer (a loaded
        machine); a clock the test moved ahead stays where it is."""
        behind = (dt.datetime.now(dt.UTC) - self.clock.now).total_seconds()
        if behind >= 0:
            self.clock.advance(behind + 1)

    async def run_once(self) -> int:
        self._catch_up()
        return await self.dispatcher.run_once()

    async def aclose(self) -> None:
        await self.dispatcher.aclose()
        await self.engine.dispose()


def _metrics_once(admin: httpx.Client, line: str, timeout: float = 5.0) -> str:
    """/metrics once `line` shows (the counter moves just after the delivery is recorded)."""
    deadline = time.monotonic() + timeout
    while True:
        text = admin.get("/metrics").text
        if line in text or time.monotonic() > deadline:
            return text
        time.sleep(0.02)


def test_created_order_yields_one_signed_callback(sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url)
    with running_service(settings) as url:
        order = _place(url)
        [request] = receiver.wait_for(1)
        payload = Webhook(SECRET).verify(request.body, request.headers)
        with _admin(url) as admin:
            listed = admin.get("/api/admin/webhooks/deliveries", params={"state": "delivered"}).json()
            detail = admin.get(f"/api/admin/webhooks/deliveries/{request.headers['webhook-id']}").json()
            metrics = _metrics_once(admin, 'webhook_deliveries_total{state="delivered"} 1.0')
    assert 'webhook_deliveries_total{state="delivered"} 1.0' in metrics
    assert len(receiver.received()) == 1
    assert request.path == "/hooks/orders"
    assert request.headers["content-type"] == "application/json"
    assert payload["type"] == "order.created"
    assert payload["id"] == request.headers["webhook-id"]
    assert payload["timestamp"]
    data = payload["data"]
    assert data["reference"] == order["reference"]
    assert data["order_id"] == order["order_id"]
    assert data["order_number"] == order["order_number"]
    assert data["held_reasons"] == order["held_reasons"] == []  # every light green (orders/holds.py)
    customer = order["customer"]
    assert isinstance(customer, dict)
    assert (data["customer_id"], data["customer_number"], data["customer_created"]) == (
        customer["id"],
        customer["number"],
        True,
    )
    assert [item["event_id"] for item in listed["items"]] == [payload["id"]]
    assert detail["state"] == "delivered"
    assert [a["status_code"] for a in detail["attempts"]] == [200]
    assert detail["attempts"][0]["duration_ms"] >= 0


async def test_receiver_down_then_up_is_retried_on_schedule(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, run_in_service=False)
    receiver.stop()
    with running_service(settings) as url:
        _place(url)
    steps = Dispatching(settings, clock)
    try:
        assert await steps.run_once() == 1  # refused: receiver down
        assert await steps.run_once() == 0  # not due again yet
        clock.advance(8)  # below the first delay's jitter band (10 s ± 10 %)
        assert await steps.run_once() == 0
        clock.advance(4)
        assert await steps.run_once() == 1  # second attempt, still down
        clock.advance(50)
        assert await steps.run_once() == 0
        receiver.start()
        clock.advance(20)  # past 60 s ± 10 %
        assert await steps.run_once() == 1
        clock.advance(86_400)
        assert await steps.run_once() == 0  # delivered: never again
    finally:
        await steps.aclose()
    [request] = receiver.received()
    with running_service(settings) as url, _admin(url) as admin:
        detail = admin.get(f"/api/admin/webhooks/deliveries/{request.headers['webhook-id']}").json()
    assert detail["state"] == "delivered"
    assert detail["attempt_count"] == 3
    assert [a["status_code"] for a in detail["attempts"]] == [None, None, 200]
    assert "ConnectError" in detail["attempts"][0]["error"]


async def test_receiver_failing_forever_goes_dead_and_can_be_redelivered(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, run_in_service=False)
    receiver.status = 500
    attempts = len(settings.webhooks.schedule_seconds) + 1
    steps = Dispatching(settings, clock)
    try:
        with running_service(settings) as url:
            _place(url)
            for _ in range(attempts):
                assert await steps.run_once() == 1
                clock.advance(14 * 3600)
            assert await steps.run_once() == 0
            received = receiver.received()
            assert len(received) == attempts
            assert len({r.headers["webhook-id"] for r in received}) == 1
            assert len({r.body for r in received}) == 1
            event_id = received[0].headers["webhook-id"]
            with _admin(url) as admin:
                dead = admin.get("/api/admin/webhooks/deliveries", params={"state": "dead"}).json()
                assert [item["event_id"] for item in dead["items"]] == [event_id]
                assert dead["items"][0]["last_status"] == 500
                detail = admin.get(f"/api/admin/webhooks/deliveries/{event_id}").json()
                assert [a["status_code"] for a in detail["attempts"]] == [500] * attempts
                assert detail["attempts"][0]["error"].startswith("HTTP 500")
                assert detail["next_attempt_at"] is None

                receiver.status = 204
                redone = admin.post(f"/api/admin/webhooks/deliveries/{event_id}/redeliver")
                assert redone.status_code == 202, redone.text
                assert redone.json()["state"] == "pending"
                assert await steps.run_once() == 1
                assert admin.get(f"/api/admin/webhooks/deliveries/{event_id}").json()["state"] == "delivered"
                assert admin.get("/api/admin/webhooks/deliveries", params={"state": "dead"}).json()["items"] == []
    finally:
        await steps.aclose()
    assert len(receiver.received()) == attempts + 1


async def test_redirect_is_not_followed(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, run_in_service=False)
    receiver.status = 302
    with running_service(settings) as url:
        _place(url)
    steps = Dispatching(settings, clock)
    try:
        assert await steps.run_once() == 1
        [delivery] = await steps.store.page(state=None, limit=5)
    finally:
        await steps.aclose()
    assert len(receiver.received()) == 1
    assert delivery.state == "pending" and delivery.last_status == 302
    assert delivery.last_error is not None and "not followed" in delivery.last_error


def test_callback_survives_a_service_killed_before_delivery(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    quiet = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, run_in_service=False)
    with running_service(quiet) as url:
        order = _place(url)
    assert receiver.received() == []

    restarted = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, run_in_service=True)
    with running_service(restarted):
        [request] = receiver.wait_for(1)
    assert Webhook(SECRET).verify(request.body, request.headers)["data"]["order_id"] == order["order_id"]


async def test_a_dead_dispatchers_claim_expires_and_another_delivers(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, run_in_service=False)
    with running_service(settings) as url:
        _place(url)
    survivor = Dispatching(settings, clock, worker="survivor")
    try:
        # A dispatcher claims the delivery, then dies before sending anything.
        claim_until = clock() + dt.timedelta(seconds=settings.webhooks.claim_seconds)
        claimed = await survivor.store.claim_due(worker="crashed", now=clock(), until=claim_until, limit=10)
        assert len(claimed) == 1
        assert await survivor.run_once() == 0
        clock.advance(settings.webhooks.claim_seconds + 1)
        assert await survivor.run_once() == 1
    finally:
        await survivor.aclose()
    assert len(receiver.received()) == 1


def test_callback_url_on_the_allow_list_is_used(sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=None, client={"callback_hosts": ["127.0.0.1"]})
    with running_service(settings) as url:
        _place(url, callback_url=receiver.url.replace("/hooks/orders", "/per-request"))
        [request] = receiver.wait_for(1)
    assert request.path == "/per-request"
    assert Webhook(SECRET).verify(request.body, request.headers)["type"] == "order.created"


def test_failed_order_after_creating_a_customer_notifies_when_enabled(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, client={"notify_failures": True})
    with running_service(settings) as url, _client(url) as api:
        sandbox.faults.server_error(status=400, count=10, **IMPORT)  # however often the service retries
        body = order_body()
        failed = api.post("/api/orders", json=body)
        sandbox.faults.clear()
        assert failed.status_code == 422, failed.text
        [request] = receiver.wait_for(1)
    payload = Webhook(SECRET).verify(request.body, request.headers)
    assert payload["type"] == "order.failed"
    assert payload["data"]["reference"] == body["reference"]
    assert payload["data"]["customer_created"] is True
    assert payload["data"]["customer_id"] == failed.json()["customer"]["id"]
    assert payload["data"]["error"]["code"] == "xentral_rejected"


def test_failed_order_is_not_notified_by_default(sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url)
    with running_service(settings) as url, _client(url) as api:
        sandbox.faults.server_error(status=400, count=10, **IMPORT)
        assert api.post("/api/orders", json=order_body()).status_code == 422
        sandbox.faults.clear()
        created = api.post("/api/orders", json=order_body())
        assert created.status_code == 201
        [request] = receiver.wait_for(1)
    assert json.loads(request.body)["type"] == "order.created"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": f"Bearer {API_KEY}"}, 401),
        ({"X-API-Key": ADMIN_KEY}, 404),
        ({"Authorization": f"Bearer {ADMIN_KEY}"}, 404),
    ],
)
def test_admin_api_needs_the_admin_key(
    sandbox: SandboxHandle, tmp_path: Path, headers: dict[str, str], status: int
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=None)
    with running_service(settings) as url, httpx.Client(base_url=url, headers=headers) as client:
        response = client.get("/api/admin/webhooks/deliveries/evt_missing")
        redeliver = client.post("/api/admin/webhooks/deliveries/evt_missing/redeliver")
    assert (response.status_code, redeliver.status_code) == (status, status)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == ("unauthenticated" if status == 401 else "delivery_not_found")


def test_admin_list_is_paginated_and_filters_state(sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url)
    with running_service(settings) as url:
        for _ in range(3):
            _place(url)
        receiver.wait_for(3)
        with _admin(url) as admin:
            first = admin.get("/api/admin/webhooks/deliveries", params={"limit": 2}).json()
            second = admin.get("/api/admin/webhooks/deliveries", params={"limit": 2, "before": first["next"]}).json()
            pending = admin.get("/api/admin/webhooks/deliveries", params={"state": "pending"}).json()
            bad = admin.get("/api/admin/webhooks/deliveries", params={"state": "lost"})
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert len(ids) == 3 and ids == sorted(ids, reverse=True)
    assert second["next"] is None
    assert pending["items"] == []
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("before", [2**63, 2**63 + 1, 10**30])
def test_admin_before_beyond_64_bits_is_refused_not_a_crash(
    sandbox: SandboxHandle, tmp_path: Path, before: int
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=None)
    with running_service(settings) as url, _admin(url) as admin:
        response = admin.get("/api/admin/webhooks/deliveries", params={"before": before})
        largest = admin.get("/api/admin/webhooks/deliveries", params={"before": 2**63 - 1})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/before"
    assert largest.status_code == 200 and largest.json()["items"] == []
