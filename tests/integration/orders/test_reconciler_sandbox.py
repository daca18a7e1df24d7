"""The reconciler end to end, without any client retry: the service over HTTP on the sandbox, the
callbacks received on loopback and verified with the `standardwebhooks` library, a process killed
with SIGKILL and started again. The decisions themselves: tests/unit/orders/test_reconciler.py."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.integration.console.conftest import ADMIN_KEY, sign_in
from tests.integration.console.test_retries import attempt_id
from tests.support.databases import postgres_schema
from tests.support.leases import leased_env, leased_settings
from tests.support.orders import order_body, orders_with_reference, post_in_background
from tests.support.processes import ServiceProcess, service_env
from tests.support.receiver import Received, Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.config import ApiClient, Settings
from xentral_sandbox.testing import SandboxHandle

SECRET = "whsec_" + base64.b64encode(b"reconciler-secret-0123456789abcd").decode()
IMPORT = {"method": "POST", "path": "/api/v1/salesOrders/actions/import"}
LIST_ORDERS = {"method": "GET", "path": "/api/v1/salesOrders"}
# Fast rounds: an unknown outcome waits 0.3 s for its client, the reconciler polls every 0.1 s.
FAST = {
    "idempotency": {"unknown_outcome_retry_seconds": 0.3, "upstream_check": "when_unsure"},
    "reconciler": {"poll_seconds": 0.1, "recheck_seconds": 0.2, "settle_seconds": 1.0},
    "webhooks": {"allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
    "xentral_max_attempts": 1,  # one answer per call: a fault is what the service sees
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def _settings(sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver, **overrides: Any) -> Settings:
    shop = ApiClient(
        name="shop", api_key=API_KEY, webhook_url=receiver.url, webhook_secret=SECRET, notify_failures=True
    )
    return service_settings(sandbox, tmp_path, clients=[shop], **{**FAST, **overrides})


def _events(received: list[Received]) -> list[tuple[str, str]]:
    """Each callback verified as a receiver does (signature and timestamp): its type and reference."""
    events = []
    for request in received:
        payload = Webhook(SECRET).verify(request.body, request.headers)
        events.append((payload["type"], payload["data"]["reference"]))
    return events


def _until(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _state(api: httpx.Client, reference: str) -> str:
    return str(api.get(f"/api/orders/{reference}", headers={"X-API-Key": API_KEY}).json()["state"])


def test_an_import_answered_500_after_xentral_committed_is_completed_with_one_order_created_callback(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    body = order_body()
    with (
        running_service(_settings(sandbox, tmp_path, receiver)) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as api,
    ):
        sandbox.faults.commit_then_status(500, count=1, **IMPORT)  # Xentral committed, then answered 500
        sandbox.faults.server_error(503, count=1, **LIST_ORDERS)  # and the lookup right after failed
        first = api.post("/api/orders", json=body)
        assert first.status_code == 502 and first.json()["code"] == "xentral_outcome_unknown", first.text
        # No retry from the client: the reconciler finishes it.
        _until(lambda: _state(api, body["reference"]) == "completed", "the reconciler never completed it")
        [order] = orders_with_reference(sandbox, body["reference"])
        found = api.get(f"/api/orders/{body['reference']}").json()["order"]
        assert found["order_id"] == order["id"] and found["outcome"] == "created"
        assert found["totals"]["matches"] is True and found["totals"]["gross"] == found["totals"]["xentral"], found
        received = receiver.wait_for(1)
        time.sleep(0.5)  # room for a second callback, which must not come
    assert _events(receiver.received()) == [("order.created", body["reference"])]
    assert len(received) == 1


def test_an_import_that_provably_did_not_land_is_created_once_after_the_settle_time(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    body = order_body()
    with (
        running_service(_settings(sandbox, tmp_path, receiver)) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as api,
    ):
        sandbox.faults.server_error(500, count=1, **IMPORT)  # a 500, and nothing was written
        sandbox.faults.server_error(503, count=1, **LIST_ORDERS)
        first = api.post("/api/orders", json=body)
        assert first.status_code == 502, first.text
        _until(lambda: _state(api, body["reference"]) == "completed", "the reconciler never ran it again")
        assert len(orders_with_reference(sandbox, body["reference"])) == 1
        receiver.wait_for(1)
        time.sleep(0.5)
    assert _events(receiver.received()) == [("order.created", body["reference"])]


def test_an_import_whose_read_back_could_not_confirm_it_is_completed_with_one_order_created_callback(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    """The second stuck order of the finding: imported, but the read-back showed another order, so the client
    was told `502 xentral_order_unconfirmed`; without a client retry the reconciler confirms it, once."""
    body = order_body()
    with (
        running_service(_settings(sandbox, tmp_path, receiver)) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as api,
    ):
        other = order_body()
        assert api.post("/api/orders", json=other).status_code == 201  # another order to be read back instead
        sandbox.calls.clear()
        sandbox.faults.wrong_read_back(count=1, path="/api/v1/salesOrders*")
        first = api.post("/api/orders", json=body)
        assert first.status_code == 502 and first.json()["code"] == "xentral_order_unconfirmed", first.text
        _until(lambda: _state(api, body["reference"]) == "completed", "the reconciler never confirmed it")
        [order] = orders_with_reference(sandbox, body["reference"])
        assert api.get(f"/api/orders/{body['reference']}").json()["order"]["order_id"] == order["id"]
        receiver.wait_for(2)
        time.sleep(0.5)  # room for a second callback, which must not come
    assert sandbox.calls.count("POST /api/v1/salesOrders/actions/import") == 1
    assert sorted(_events(receiver.received())) == sorted(
        [("order.created", other["reference"]), ("order.created", body["reference"])]
    )


def _attempt_state(database: Path, reference: str) -> str | None:
    if not database.exists():
        return None
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT state FROM order_attempts WHERE reference = ?", (reference,)).fetchone()
    return row[0] if row else None


def test_a_process_killed_right_after_the_import_is_completed_by_the_restarted_one(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    body = order_body()
    database = tmp_path / "crash.db"
    env = service_env(
        xentral_url=sandbox.base_url,
        token=sandbox.token,
        database_url=f"sqlite:///{database}",
        api_key=API_KEY,
        extra={
            "UOA_CLIENTS": json.dumps(
                [{"name": "shop", "api_key": API_KEY, "webhook_url": receiver.url, "webhook_secret": SECRET}]
            ),
            **leased_env(2),
            "UOA_RECONCILER__POLL_SECONDS": "0.2",
            "UOA_WEBHOOKS__ALLOW_PRIVATE_TARGETS": '["loopback"]',
            "UOA_WEBHOOKS__POLL_INTERVAL_SECONDS": "0.05",
        },
    )
    sandbox.faults.latency(1.5, count=1, **IMPORT)  # the import lands after the process is gone
    service = ServiceProcess(env, tmp_path / "first.log").wait_ready()
    sender, outcome = post_in_background(service.base_url, body, API_KEY)
    _until(lambda: _attempt_state(database, body["reference"]) == "importing", "the import never started", 10)
    time.sleep(0.2)  # the import request is on its way to the (slow) sandbox
    service.kill()
    sender.join(10)
    assert "error" in outcome  # the client heard nothing, and does not retry
    _until(lambda: len(orders_with_reference(sandbox, body["reference"])) == 1, "the import never landed", 5)

    restarted = ServiceProcess(env, tmp_path / "second.log").wait_ready()
    try:
        _until(lambda: _attempt_state(database, body["reference"]) == "completed", "never completed")
        receiver.wait_for(1)
        time.sleep(0.5)
    finally:
        restarted.stop()
    assert len(orders_with_reference(sandbox, body["reference"])) == 1
    assert _events(receiver.received()) == [("order.created", body["reference"])]


def _gauge(client: httpx.Client, name: str) -> float:
    line = next(line for line in client.get("/metrics").text.splitlines() if line.startswith(f"{name} "))
    return float(line.split()[1])


def test_an_unresolved_order_is_visible_in_metrics_readiness_and_the_console_until_resolved(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    """Xentral committed the import and then answers no lookup: the order waits, the reconciler looking, and
    says so everywhere (age, last finding, the filter, /metrics, /readyz degraded); once Xentral answers
    again the reconciler completes it and every one of them is clear again."""
    body = order_body()
    settings = _settings(
        sandbox,
        tmp_path,
        receiver,
        admin_api_key=ADMIN_KEY,
        **{
            **leased_settings(1),
            "idempotency": {"unknown_outcome_retry_seconds": 0.3, "upstream_check": "when_unsure", "lease_seconds": 1},
        },
        reconciler={"poll_seconds": 0.1, "recheck_seconds": 0.2, "attention_seconds": 1, "degraded_after_seconds": 1},
    )
    with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        ready = client.get("/readyz").json()
        assert ready["checks"]["orders"] == {"ok": True, "unresolved": 0, "oldest_age_seconds": 0}
        sandbox.faults.commit_then_status(500, count=1, **IMPORT)
        lookups = sandbox.faults.server_error(503, count=None, **LIST_ORDERS)  # until the test removes it
        assert client.post("/api/orders", json=body, headers={"X-API-Key": API_KEY}).status_code == 502
        time.sleep(2.2)  # past the lease (received more than a lease ago: unresolved), attention and degraded

        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded", ready.text
        orders = ready.json()["checks"]["orders"]
        assert orders["unresolved"] == 1 and orders["degraded"] is True and orders["oldest_age_seconds"] >= 2
        assert orders["ok"] is False  # degraded, as Redis down is: still ready (200), new orders are served
        _until(lambda: _gauge(client, "unresolved_orders") == 1, "the gauge never counted it", timeout=8)
        assert _gauge(client, "unresolved_oldest_age_seconds") >= 2

        assert sign_in(client).status_code == 303
        page = client.get("/console/", params={"attention": "1"}).text
        assert body["reference"] in page and 'id="attention-note"' in page
        assert " s</td>" in page  # its age, in seconds
        found = "Xentral answered 503 to list_sales_orders"  # what the reconciler last found, as the problem
        assert re.search(r'class="problem-cell">xentral_error: ' + found, page), page
        fresh = client.get("/console/", params={"attention": "1", "q": "no-such-order"}).text
        assert body["reference"] not in fresh
        order_page = client.get(f"/console/orders/{attempt_id(client, body['reference'])}").text
        assert 'id="unresolved-for"' in order_page
        finding = re.search(r'<dd id="last-finding">([^<]*)</dd>', order_page)
        assert finding and finding.group(1) == f"xentral_error: {found}", order_page

        sandbox.faults.remove(lookups.id)  # Xentral answers again: the reconciler finds the order
        _until(lambda: _state(client, body["reference"]) == "completed", "the reconciler never completed it")
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["checks"]["orders"]["ok"] is True, ready
        assert ready["checks"]["orders"]["unresolved"] == 0, ready
        _until(lambda: _gauge(client, "unresolved_orders") == 0, "the gauge still counts it", timeout=8)
        assert body["reference"] not in client.get("/console/", params={"attention": "1"}).text
        order_page = client.get(f"/console/orders/{attempt_id(client, body['reference'])}").text
        assert 'id="unresolved-for"' not in order_page
        receiver.wait_for(1)
    assert len(orders_with_reference(sandbox, body["reference"])) == 1
    assert _events(receiver.received()) == [("order.created", body["reference"])]


def test_the_reconciler_looks_a_batch_of_orders_up_together(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    """Five orders left without an outcome by a process that did not reconcile: the next one finds all five
    in Xentral with shared lookups (not one list call per order) and completes each once."""
    bodies = [order_body() for _ in range(5)]
    idle = _settings(sandbox, tmp_path, receiver, reconciler={"run_in_service": False})
    sandbox.faults.commit_then_status(500, count=5, **IMPORT)
    sandbox.faults.server_error(503, count=None, **LIST_ORDERS)
    with running_service(idle) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as api:
        for body in bodies:
            answer = api.post("/api/orders", json=body)
            assert answer.status_code == 502 and answer.json()["code"] == "xentral_outcome_unknown", answer.text
    assert all(len(orders_with_reference(sandbox, body["reference"])) == 1 for body in bodies)
    sandbox.faults.clear()
    sandbox.calls.clear()

    with (
        running_service(_settings(sandbox, tmp_path, receiver)) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as api,
    ):
        for body in bodies:
            _until(lambda body=body: _state(api, body["reference"]) == "completed", "not reconciled")
        receiver.wait_for(5)
    lists = sandbox.calls.count("GET /api/v1/salesOrders")
    assert 1 <= lists <= 2, sandbox.calls.counts()  # one look per order would be five
    assert sandbox.calls.count("POST /api/v1/salesOrders/actions/import") == 0
    assert all(len(orders_with_reference(sandbox, body["reference"])) == 1 for body in bodies)
    assert sorted(_events(receiver.received())) == sorted(("order.created", body["reference"]) for body in bodies)


@pytest.mark.postgres
def test_two_serve_processes_on_postgresql_reconcile_each_stuck_order_once(
    sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver
) -> None:
    """The store's claim (tests/integration/store/test_unresolved_attempts.py) as two real `serve` processes use
    it: six orders left without an outcome, both reconciling at once on one PostgreSQL schema; each order is
    completed once, nothing is imported again, and each `order.created` is sent once."""
    bodies = [order_body() for _ in range(6)]
    with postgres_schema() as database_url:
        idle = _settings(sandbox, tmp_path, receiver, database_url=database_url, reconciler={"run_in_service": False})
        sandbox.faults.commit_then_status(500, count=len(bodies), **IMPORT)
        sandbox.faults.server_error(503, count=None, **LIST_ORDERS)
        with running_service(idle) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
            for body in bodies:
                answer = api.post("/api/orders", json=body)
                assert answer.status_code == 502 and answer.json()["code"] == "xentral_outcome_unknown", answer.text
        sandbox.faults.clear()
        sandbox.calls.clear()
        env = service_env(
            xentral_url=sandbox.base_url,
            token=sandbox.token,
            database_url=database_url,
            api_key=API_KEY,
            extra={
                "UOA_CLIENTS": json.dumps(
                    [{"name": "shop", "api_key": API_KEY, "webhook_url": receiver.url, "webhook_secret": SECRET}]
                ),
                "UOA_RECONCILER__POLL_SECONDS": "0.1",
                "UOA_RECONCILER__BATCH_SIZE": "2",  # several rounds, so both processes take some
                "UOA_WEBHOOKS__ALLOW_PRIVATE_TARGETS": '["loopback"]',
                "UOA_WEBHOOKS__POLL_INTERVAL_SECONDS": "0.05",
            },
        )
        services = [ServiceProcess(env, tmp_path / f"service{n}.log") for n in range(2)]
        try:
            for service in services:
                service.wait_ready()
            with httpx.Client(base_url=services[1].base_url, headers={"X-API-Key": API_KEY}, timeout=30) as api:
                for body in bodies:
                    _until(lambda body=body: _state(api, body["reference"]) == "completed", "not reconciled", 30)
            receiver.wait_for(len(bodies))
            time.sleep(1.0)  # both dispatchers and reconcilers go on: nothing more may come
        finally:
            for service in services:
                service.stop()
    assert sandbox.calls.count("POST /api/v1/salesOrders/actions/import") == 0
    assert all(len(orders_with_reference(sandbox, body["reference"])) == 1 for body in bodies)
    assert sorted(_events(receiver.received())) == sorted(("order.created", body["reference"]) for body in bodies)
