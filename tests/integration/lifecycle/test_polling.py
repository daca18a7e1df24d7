"""Tracking by polling only: orders shipped in the sandbox are seen by the poller, announced once.

End to end over real HTTP (the service with its poller loop, the sandbox, a client receiving signed
webhooks verified with `standardwebhooks`), and the poller driven round by round: polls repeated or
lost change nothing more, and a killed process's poll is taken over once its lease runs out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.integration.webhooks.conftest import SECRET, receiver, webhook_settings
from tests.support.orders import order_body
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY
from unified_order_api.bootstrap import Container, bootstrap
from unified_order_api.lifecycle import LifecycleState
from unified_order_api.lifecycle.polling import TrackingPoller
from xentral_sandbox.testing import SandboxHandle

__all__ = ["receiver"]  # the fixture


def _ship(sandbox: SandboxHandle, order_id: str, tracking: str, lines: list[dict[str, Any]] | None = None) -> str:
    body: dict[str, Any] = {
        "trackingNumber": tracking,
        "carrier": "DHL",
        "trackingUrl": f"https://t.example/{tracking}",
    }
    if lines is not None:
        body["lines"] = lines
    response = httpx.post(
        f"{sandbox.base_url}/_sandbox/salesOrders/{order_id}/ship", json=body, headers=sandbox.admin_headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["shipmentId"])


def _shipped_events(receiver: Receiver) -> list[dict[str, Any]]:
    verifier = Webhook(SECRET)
    found = []
    for request in list(receiver.requests):
        payload = verifier.verify(request.body, request.headers)  # raises unless signed with our secret
        if payload["type"] == "order.shipped":
            found.append(payload)
    return found


def test_an_api_order_shipped_in_the_sandbox_shows_its_tracking_and_is_announced_once(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=receiver.url, tracking={"poll_seconds": 0.5})
    with (
        running_service(settings) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}) as api,
    ):
        body = order_body()
        created = api.post("/api/orders", json=body)
        assert created.status_code == 201, created.text
        shipment_id = _ship(sandbox, created.json()["order_id"], "00340434")
        deadline = time.monotonic() + 30  # a bound on waiting, not a measured time
        while time.monotonic() < deadline and not _shipped_events(receiver):
            time.sleep(0.2)
        time.sleep(1.5)  # a few more polls: nothing more may come
        [shipped] = _shipped_events(receiver)
        assert shipped["data"]["reference"] == body["reference"]
        assert shipped["data"]["shipment"]["shipment_id"] == shipment_id
        assert shipped["data"]["shipment"]["tracking_number"] == "00340434"
        assert shipped["data"]["shipment"]["carrier"] == "DHL"
        status = api.get(f"/api/orders/{body['reference']}").json()
        assert status["lifecycle"]["state"] == "shipped"
        assert [s["tracking_number"] for s in status["lifecycle"]["shipments"]] == ["00340434"]


@pytest.fixture
async def container(sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver) -> AsyncIterator[Container]:
    """The service (HTTP, in a thread, no poller loop) and, on its database, a container the test polls with."""
    settings = webhook_settings(
        sandbox, tmp_path, webhook_url=receiver.url, run_in_service=False, tracking={"run_in_service": False}
    )
    with running_service(settings) as url:
        built = await bootstrap(settings)
        built.api_url = url  # type: ignore[attr-defined]
        yield built
        await built.aclose()


async def _create(container: Container) -> tuple[str, str]:
    body = order_body()

    def post() -> httpx.Response:
        url = container.api_url  # type: ignore[attr-defined]
        return httpx.post(f"{url}/api/orders", json=body, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)

    created = await asyncio.to_thread(post)
    assert created.status_code == 201, created.text
    return body["reference"], str(created.json()["order_id"])


async def test_polls_repeated_or_lost_change_nothing_more(container: Container, sandbox: SandboxHandle) -> None:
    poller = container.tracking_poller
    reference, order_id = await _create(container)
    await asyncio.to_thread(
        _ship,
        sandbox,
        order_id,
        "A1",
        [{"positionId": sandbox.state.sales_orders[order_id]["positions"][0]["id"], "quantity": 1}],
    )
    await poller.poll_once("default", force=True)
    view = await container.tracking.tracked("shop", reference)
    assert view is not None and view.order.state == LifecycleState.PARTIALLY_SHIPPED
    # a round lost: the next one makes it up (the rest shipped and the order completed meanwhile)
    await asyncio.to_thread(_ship, sandbox, order_id, "A2")
    await poller.poll_once("default", force=True)
    await poller.poll_once("default", force=True)  # repeated
    view = await container.tracking.tracked("shop", reference)
    assert view is not None and view.order.state == LifecycleState.SHIPPED
    assert sorted(s.tracking_number or "" for s in view.order.shipments) == ["A1", "A2"]
    shipped = [c for c in view.changes if c.shipment is not None]
    assert len(shipped) == 2


async def test_a_killed_process_s_poll_is_taken_over(container: Container, sandbox: SandboxHandle) -> None:
    reference, order_id = await _create(container)
    await asyncio.to_thread(_ship, sandbox, order_id, "B1")
    now = dt.datetime.now(dt.UTC)
    first = container.tracking_poller
    # the first process takes the poll and dies before finishing it: its lease holds the others off
    claim = await container.tracking.claim_poll(
        "default", owner=first.owner, now=now, lease_until=now + dt.timedelta(seconds=first.lease_seconds)
    )
    assert claim is not None
    other = TrackingPoller(store=container.tracking, reads=first.reads, sink=container.tracking)
    assert await other.poll_once("default", force=True) is None
    later = now + dt.timedelta(seconds=first.lease_seconds + 1)
    other.clock = lambda: later
    seen = await other.poll_once("default", force=True)
    assert seen
    view = await container.tracking.tracked("shop", reference)
    assert view is not None and view.order.state == LifecycleState.SHIPPED
