"""Tracking by polling only: orders shipped in the sandbox are seen by the poller, announced once.

End to end over real HTTP (the service with its poller loop, the sandbox without any event
subscription, an order through `POST /api/orders` and one through a signed WooCommerce webhook, the
clients receiving signed webhooks verified with `standardwebhooks`), and the poller driven round by
round: polls repeated or lost change nothing more, and a killed process's poll is taken over once its lease runs out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.webhooks.conftest import receiver, webhook_settings
from tests.support.lifecycle_e2e import (
    dispatch_and_ship,
    lifecycle_of,
    lifecycle_settings,
    place_orders,
    seeded_sandbox,
    shipped_events,
    wait_until_shown,
)
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


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    yield from seeded_sandbox(tmp_path_factory.mktemp("seed"))


@pytest.fixture
def sandbox(seeded: SandboxHandle) -> SandboxHandle:
    """The sandbox that also knows the WooCommerce sample's products, reset for each test."""
    seeded.reset()
    return seeded


def test_api_and_shop_orders_shipped_in_the_sandbox_show_their_tracking_and_are_announced_once(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    """No Xentral events at all (no subscription): the poll alone, within its interval."""
    settings = lifecycle_settings(sandbox, tmp_path, receiver, tracking={"poll_seconds": 0.5})
    with running_service(settings) as url:
        orders = place_orders(url)
        tracking = {order: f"POLL-{order.client}-{order.order_id}" for order in orders}
        shipments = {order.reference: dispatch_and_ship(sandbox, order, number) for order, number in tracking.items()}
        wait_until_shown(url, tracking, seconds=30)
        time.sleep(1.5)  # a few more polls: nothing more may come
        shipped = shipped_events(receiver)
        assert sandbox.state.webhooks == {} and sandbox.delivery.log() == []  # no event told it
        assert sorted(shipped) == sorted(order.reference for order in orders)
        for order, number in tracking.items():
            [event] = shipped[order.reference]
            assert event["data"]["shipment"]["shipment_id"] == shipments[order.reference]
            assert event["data"]["shipment"]["tracking_number"] == number
            assert event["data"]["shipment"]["carrier"] == "DHL"
            assert lifecycle_of(url, order)["state"] == "shipped"


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
