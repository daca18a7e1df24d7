"""Tracking shared by several `serve` processes on PostgreSQL: one poll at a time, no webhook sent twice, and a
killed process's share taken over.

Two real processes (`unified-order-api serve`) on one PostgreSQL schema and the sandbox, polling only (no event
subscription), orders placed through both. The first process takes the instance's poll (its lease, renewed
every round); the orders both placed are shipped in the sandbox, shown by both and announced once. Then the
poller is killed (SIGKILL, its lease still running): the other process takes the poll once the lease ran
out (between rounds: the next round's due time plus the 5 s margin, not the round's lease), and the orders
shipped after that are shown and announced once too — nothing announced before is announced again.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from tests.support.databases import postgres_schema
from tests.support.lifecycle_e2e import SECRET, PlacedOrder, dispatch_and_ship, wait_until_shown
from tests.support.orders import order_body
from tests.support.processes import ServiceProcess, service_env
from tests.support.receiver import Receiver
from tests.support.service import API_KEY
from unified_order_api.store.database import sync_url
from xentral_sandbox.testing import SandboxHandle

LEASE = 5.0  # a round's lease (rounds take milliseconds); between rounds the hold is 0.3 s + the 5 s margin
LIFECYCLE = ("order.dispatched", "order.shipped")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def _poll_owner(database_url: str) -> str | None:
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT owner FROM tracking_polls WHERE instance = 'default'")).scalar()
    finally:
        engine.dispose()


def _until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout  # a bound on waiting, not a measured time
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _place(service: ServiceProcess) -> PlacedOrder:
    body = order_body()
    created = httpx.post(f"{service.base_url}/api/orders", json=body, headers={"X-API-Key": API_KEY}, timeout=30)
    assert created.status_code == 201, created.text
    return PlacedOrder("shop", API_KEY, body["reference"], str(created.json()["order_id"]))


def _announced(receiver: Receiver) -> Counter[tuple[str, str]]:
    """Each lifecycle webhook the client received, verified with `standardwebhooks`: (type, reference) counts."""
    verifier = Webhook(SECRET)
    seen: Counter[tuple[str, str]] = Counter()
    for request in list(receiver.requests):
        payload = verifier.verify(request.body, request.headers)
        if payload["type"] in LIFECYCLE:
            seen[(payload["type"], payload["data"]["reference"])] += 1
    return seen


def _each_once(orders: list[PlacedOrder]) -> Counter[tuple[str, str]]:
    return Counter({(event, order.reference): 1 for order in orders for event in LIFECYCLE})


@pytest.mark.postgres
def test_two_processes_share_the_tracking_and_a_killed_pollers_share_is_taken_over(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    with postgres_schema() as database_url:
        env = service_env(
            xentral_url=sandbox.base_url,
            token=sandbox.token,
            database_url=database_url,
            api_key=API_KEY,
            extra={
                "UOA_CLIENTS": json.dumps(
                    [{"name": "shop", "api_key": API_KEY, "webhook_url": receiver.url, "webhook_secret": SECRET}]
                ),
                "UOA_TRACKING__POLL_SECONDS": "0.3",
                "UOA_TRACKING__LEASE_SECONDS": str(LEASE),
                "UOA_WEBHOOKS__ALLOW_PRIVATE_TARGETS": '["loopback"]',
                "UOA_WEBHOOKS__POLL_INTERVAL_SECONDS": "0.05",
            },
        )
        first = ServiceProcess(env, tmp_path / "first.log").wait_ready()
        second: ServiceProcess | None = None
        try:
            _until(lambda: _poll_owner(database_url) is not None, "the first process never took the poll")
            poller = _poll_owner(database_url)
            second = ServiceProcess(env, tmp_path / "second.log").wait_ready()
            before = [_place(first), _place(second)]
            tracking = {order: f"SHARED-{order.order_id}" for order in before}
            for order, number in tracking.items():
                dispatch_and_ship(sandbox, order, number)
            for service in (first, second):  # both show what the one poller found
                wait_until_shown(service.base_url, tracking, seconds=30)
            _until(lambda: _announced(receiver) == _each_once(before), f"not announced once: {_announced(receiver)}")
            assert _poll_owner(database_url) == poller  # one process polled: the other never took its turn

            first.kill()  # the poller dies between its rounds, its lease still running
            after = [_place(second), _place(second)]
            tracking = {order: f"TAKEN-{order.order_id}" for order in after}
            for order, number in tracking.items():
                dispatch_and_ship(sandbox, order, number)
            wait_until_shown(second.base_url, tracking, seconds=30)
            assert _poll_owner(database_url) not in (None, poller)  # the second process took the poll over
            _until(lambda: _announced(receiver) == _each_once(before + after), f"got {_announced(receiver)}")
            time.sleep(1.0)  # more rounds and dispatcher passes: nothing more may come
        finally:
            first.stop()
            if second is not None:
                second.stop()
    assert _announced(receiver) == _each_once(before + after)
