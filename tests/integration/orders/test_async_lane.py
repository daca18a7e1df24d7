"""`Prefer: respond-async`: 202 at once, the order created by the queue worker, exactly once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.attempts import stored_attempt
from tests.support.orders import BRIEF_LINES, customer_count, imported_lines, order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle

ASYNC = {"Prefer": "respond-async", "X-API-Key": API_KEY}


def _wait_until_finished(client: httpx.Client, reference: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/api/orders/{reference}").json()
        if status["state"] not in ("processing", "queued"):
            return status  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def _assert_queued(client: httpx.Client, database: Path, sandbox: SandboxHandle, reference: str) -> None:
    """Accepted and waiting for the worker: so says the status page and the store; Xentral has nothing yet."""
    status = client.get(f"/api/orders/{reference}").json()
    assert (status["state"], status["stage"], status["order"]) == ("queued", "received", None), status
    assert [step["name"] for step in status["steps"]] == ["received"]
    row = stored_attempt(database, reference)
    assert row is not None
    assert (row["state"], bool(row["queued"]), row["order_id"], row["customer_id"]) == ("received", True, None, None)
    assert orders_with_reference(sandbox, reference) == []


def _assert_imported_for(sandbox: SandboxHandle, body: dict[str, Any]) -> dict[str, Any]:
    """The one order Xentral holds for `body`: for the body's (new) customer, with the brief's products."""
    [order] = orders_with_reference(sandbox, body["reference"])
    with sandbox.state.lock:
        customer = dict(sandbox.state.customers[order["customer"]["id"]])
    assert customer["email"] == body["customer"]["email"]
    assert imported_lines(order) == BRIEF_LINES
    return order


def test_async_order_is_accepted_then_created(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    response = api.post("/api/orders", json=body, headers={"Prefer": "respond-async"})
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/orders/{body['reference']}"
    assert response.headers["preference-applied"] == "respond-async"
    assert response.json()["state"] == "queued"
    assert (response.json()["stage"], response.json()["order"]) == ("received", None)

    status = _wait_until_finished(api, body["reference"])
    assert status["state"] == "completed", status
    [order] = orders_with_reference(sandbox, body["reference"])
    assert status["order"]["order_id"] == order["id"]
    assert _assert_imported_for(sandbox, body) == order
    assert status["order"]["customer"]["id"] == order["customer"]["id"]
    assert status["order"]["customer"]["created"] is True

    again = api.post("/api/orders", json=body, headers={"Prefer": "respond-async"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"


def test_async_order_that_is_invalid_ends_failed(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(items=[{"sku": "ART-999", "quantity": 1}])
    customers_before = customer_count(sandbox)
    assert api.post("/api/orders", json=body, headers={"Prefer": "respond-async"}).status_code == 202
    status = _wait_until_finished(api, body["reference"])
    assert status["state"] == "failed"
    assert status["error"]["code"] == "order_invalid"
    assert "ART-999" in status["error"]["detail"]
    assert customer_count(sandbox) == customers_before
    assert orders_with_reference(sandbox, body["reference"]) == []


def test_async_order_waits_out_an_unavailable_xentral(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, queue={"poll_seconds": 0.05})
    body = order_body()
    sandbox.faults.server_error(status=503, count=6, method="GET", path="/api/v2/products")
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        assert api.post("/api/orders", json=body, headers={"Prefer": "respond-async"}).status_code == 202
        status = _wait_until_finished(api, body["reference"], timeout=40)
    assert status["state"] == "completed", status
    assert "requeued" in [step["name"] for step in status["steps"]]
    assert len(orders_with_reference(sandbox, body["reference"])) == 1
    _assert_imported_for(sandbox, body)


def test_queued_orders_survive_a_restart_and_finish_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    bodies = [order_body() for _ in range(5)]
    customers_before = customer_count(sandbox)
    without_worker = service_settings(sandbox, tmp_path, queue={"run_in_service": False})
    with running_service(without_worker) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        for body in bodies:
            assert httpx.post(f"{url}/api/orders", json=body, headers=ASYNC).status_code == 202
        for body in bodies:
            _assert_queued(api, tmp_path / "orders.db", sandbox, body["reference"])
    assert all(orders_with_reference(sandbox, body["reference"]) == [] for body in bodies)

    # One lane: strictly one after the other (more lanes claim in arrival order but overlap).
    with_worker = service_settings(sandbox, tmp_path, queue={"poll_seconds": 0.05, "concurrency": 1})
    with running_service(with_worker) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        for body in bodies:
            assert _wait_until_finished(api, body["reference"])["state"] == "completed"
    for body in bodies:
        assert len(orders_with_reference(sandbox, body["reference"])) == 1
    assert customer_count(sandbox) == customers_before + len(bodies)
    ids = [int(orders_with_reference(sandbox, body["reference"])[0]["id"]) for body in bodies]
    assert ids == sorted(ids), "the queue is worked off in arrival order"
    for body in bodies:
        _assert_imported_for(sandbox, body)
        row = stored_attempt(tmp_path / "orders.db", body["reference"])
        assert row is not None and row["state"] == "completed"


def test_client_default_async(sandbox: SandboxHandle, tmp_path: Path) -> None:
    from unified_order_api.config import ApiClient

    settings = service_settings(
        sandbox,
        tmp_path,
        clients=[ApiClient(name="bulk", api_key=API_KEY, respond_async=True)],
        queue={"run_in_service": False},  # so that it stays queued for us to look at
    )
    body = order_body()
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        response = api.post("/api/orders", json=body)
        assert response.status_code == 202
        assert response.headers["location"] == f"/api/orders/{body['reference']}"
        _assert_queued(api, tmp_path / "orders.db", sandbox, body["reference"])
