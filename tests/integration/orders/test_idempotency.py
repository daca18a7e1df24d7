"""One reference, one order: retries, races, lost answers, crashes, and orders made elsewhere."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.attempts import stored_attempt
from tests.support.databases import postgres_schema
from tests.support.leases import leased_env
from tests.support.orders import customer_count, order_body, order_count, orders_with_reference, post_in_background
from tests.support.processes import ServiceProcess, service_env
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle

IMPORT = {"method": "POST", "path": "/api/v1/salesOrders/actions/import"}


def test_same_request_twice_replays_the_first_answer(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    first = api.post("/api/orders", json=body)
    second = api.post("/api/orders", json=body)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_idempotency_key_header_identifies_the_request(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    first = api.post("/api/orders", json=body, headers={"Idempotency-Key": "key-abc"})
    again = api.post("/api/orders", json=body, headers={"Idempotency-Key": "key-abc"})
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_same_key_with_another_body_is_refused(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    assert api.post("/api/orders", json=body).status_code == 201
    changed = {**body, "items": [{"sku": "ART-002", "quantity": 5}]}
    response = api.post("/api/orders", json=changed)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_same_reference_under_a_new_key_is_still_one_order(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    assert api.post("/api/orders", json=body, headers={"Idempotency-Key": "k1"}).status_code == 201
    again = api.post("/api/orders", json=body, headers={"Idempotency-Key": "k2"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_failed_validation_does_not_lock_the_key(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(items=[{"sku": "ART-999", "quantity": 1}])
    assert api.post("/api/orders", json=body).status_code == 422
    fixed = {**body, "items": [{"sku": "ART-001", "quantity": 1}]}
    response = api.post("/api/orders", json=fixed)
    assert response.status_code == 201, response.text
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_unreachable_xentral_before_any_write_does_not_lock_the_key(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    sandbox.faults.server_error(status=503, count=20, method="GET")
    failed = api.post("/api/orders", json=body)
    assert failed.status_code in (502, 503), failed.text
    sandbox.faults.clear()
    assert api.post("/api/orders", json=body).status_code == 201
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_order_already_in_xentral_is_returned_not_duplicated(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    imported = httpx.post(
        f"{sandbox.base_url}/api/v1/salesOrders/actions/import",
        headers=sandbox.headers,
        json={
            "date": "2026-11-01",
            "externalOrderNumber": body["reference"],
            "customer": {"id": "1"},
            "project": {"id": "1"},
            "financials": {"paymentMethod": {"id": "2"}, "currency": "EUR"},
            "delivery": {"shippingMethod": {"id": "1"}},
            "positions": [{"product": {"id": "1"}, "quantity": 1}],
        },
    )
    assert imported.status_code == 201, imported.text
    existing_id = imported.headers["location"].rsplit("/", 1)[-1]
    customers_before = customer_count(sandbox)

    response = api.post("/api/orders", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["order_id"] == existing_id
    assert response.json()["outcome"] == "existing"
    assert len(orders_with_reference(sandbox, body["reference"])) == 1
    assert customer_count(sandbox) == customers_before


def test_commit_then_drop_on_import_yields_one_order_and_its_number(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    sandbox.faults.commit_then_drop(count=1, **IMPORT)
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    [order] = orders_with_reference(sandbox, body["reference"])
    assert response.json()["order_number"] == order["documentNumber"]
    assert api.post("/api/orders", json=body).json()["order_id"] == order["id"]


def test_customer_kept_when_import_is_rejected_and_reused_on_retry(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    customers_before = customer_count(sandbox)
    # Twice: the service retries a rejected import once with fresh lookups (stale-cache guard).
    sandbox.faults.server_error(status=400, count=2, **IMPORT)
    failed = api.post("/api/orders", json=body)
    assert failed.status_code == 422, failed.text
    problem = failed.json()
    assert problem["code"] == "xentral_rejected"
    assert problem["customer"]["created"] is True
    created_id = problem["customer"]["id"]
    assert customer_count(sandbox) == customers_before + 1

    retried = api.post("/api/orders", json=body)
    assert retried.status_code == 201, retried.text
    assert retried.json()["customer"]["id"] == created_id
    assert retried.json()["customer"]["created"] is True
    assert customer_count(sandbox) == customers_before + 1
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_server_error_on_import_is_reconciled_on_retry(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, idempotency={"unknown_outcome_retry_seconds": 0.3})
    body = order_body()
    customers_before = customer_count(sandbox)
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        sandbox.faults.server_error(status=502, count=1, **IMPORT)
        first = api.post("/api/orders", json=body)
        assert first.status_code == 502, first.text
        assert first.headers["retry-after"]
        assert first.json()["customer"]["created"] is True
        time.sleep(0.4)
        retried = api.post("/api/orders", json=body)
        assert retried.status_code == 201, retried.text
    assert customer_count(sandbox) == customers_before + 1
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_timeout_on_import_that_landed_late_is_not_duplicated(sandbox: SandboxHandle, tmp_path: Path) -> None:
    # The import lands 3 s after it was sent, long after the 0.5 s timeout: the reconciliation that
    # follows the timeout must not see it even when a loaded machine answers it slowly.
    settings = service_settings(
        sandbox, tmp_path, xentral_timeout_seconds=0.5, idempotency={"unknown_outcome_retry_seconds": 3.5}
    )
    body = order_body()
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        sandbox.faults.latency(3.0, count=1, **IMPORT)
        first = api.post("/api/orders", json=body)
        assert first.status_code == 504, first.text
        assert first.json()["code"] == "xentral_outcome_unknown"
        early = api.post("/api/orders", json=body)
        assert early.status_code == 409, early.text  # the key stays locked while the import may land
        time.sleep(float(first.headers["retry-after"]))  # as a well-behaved caller does
        retried = api.post("/api/orders", json=body)
        assert retried.status_code == 201, retried.text
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


async def _race(urls: list[str], body: dict[str, Any], n: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(headers={"X-API-Key": API_KEY}, timeout=60) as client:
        return await asyncio.gather(*(client.post(f"{urls[i % len(urls)]}/api/orders", json=body) for i in range(n)))


def _assert_race_outcome(responses: list[httpx.Response], sandbox: SandboxHandle, reference: str) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = [r for r in responses if r.status_code == 201]
    assert created, statuses
    assert len({r.json()["order_id"] for r in created}) == 1
    assert sum(1 for r in created if "idempotent-replayed" not in r.headers) == 1
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["code"] == "order_in_progress" and conflict.headers["retry-after"]
    assert len(orders_with_reference(sandbox, reference)) == 1


def test_fifty_concurrent_identical_requests_make_one_order(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    customers_before = customer_count(sandbox)
    sandbox.faults.latency(0.3, count=None, **IMPORT)
    responses = asyncio.run(_race([str(api.base_url).rstrip("/")], body, 50))
    _assert_race_outcome(responses, sandbox, body["reference"])
    assert customer_count(sandbox) == customers_before + 1
    replay = api.post("/api/orders", json=body)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == next(r.json() for r in responses if r.status_code == 201)


@pytest.mark.postgres
def test_fifty_concurrent_requests_across_two_processes_on_postgres(sandbox: SandboxHandle, tmp_path: Path) -> None:
    body = order_body()
    sandbox.faults.latency(0.3, count=None, **IMPORT)
    with postgres_schema() as database_url:
        env = service_env(xentral_url=sandbox.base_url, token=sandbox.token, database_url=database_url, api_key=API_KEY)
        services = [ServiceProcess(env, tmp_path / f"service{i}.log") for i in range(2)]
        try:
            for service in services:
                service.wait_ready()
            responses = asyncio.run(_race([s.base_url for s in services], body, 50))
            _assert_race_outcome(responses, sandbox, body["reference"])
            for service in services:
                replay = httpx.post(f"{service.base_url}/api/orders", json=body, headers={"X-API-Key": API_KEY})
                assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
        finally:
            for service in services:
                service.stop()


def _attempt_state(database: Path, reference: str) -> str | None:
    row = stored_attempt(database, reference)
    return row["state"] if row else None


def test_killed_while_importing_then_retried_makes_one_order(sandbox: SandboxHandle, tmp_path: Path) -> None:
    body = order_body()
    env = service_env(
        xentral_url=sandbox.base_url,
        token=sandbox.token,
        database_url=f"sqlite:///{tmp_path}/crash.db",
        api_key=API_KEY,
        extra=leased_env(3),
    )
    sandbox.faults.latency(1.5, count=1, **IMPORT)
    service = ServiceProcess(env, tmp_path / "first.log").wait_ready()
    sender, outcome = post_in_background(service.base_url, body, API_KEY)
    deadline = time.monotonic() + 10
    while _attempt_state(tmp_path / "crash.db", body["reference"]) != "importing":
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.02)
    time.sleep(0.2)  # the import request is on its way to the (slow) sandbox
    service.kill()  # the import is in flight: Xentral will create the order, we never hear of it
    sender.join(10)
    assert "error" in outcome
    time.sleep(1.6)
    assert len(orders_with_reference(sandbox, body["reference"])) == 1

    restarted = ServiceProcess(env, tmp_path / "second.log").wait_ready()
    try:
        deadline = time.monotonic() + 15
        while True:
            response = httpx.post(f"{restarted.base_url}/api/orders", json=body, headers={"X-API-Key": API_KEY})
            if response.status_code != 409:
                break
            assert time.monotonic() < deadline, "the key stayed locked"
            time.sleep(float(response.headers["retry-after"]))
        assert response.status_code == 201, response.text
        [order] = orders_with_reference(sandbox, body["reference"])
        assert response.json()["order_id"] == order["id"]
        status = httpx.get(f"{restarted.base_url}/api/orders/{body['reference']}", headers={"X-API-Key": API_KEY})
        assert "resumed" in [step["name"] for step in status.json()["steps"]]
    finally:
        restarted.stop()
    assert order_count(sandbox) >= 1


@pytest.mark.postgres
def test_first_orders_of_one_new_customer_on_two_processes_create_one_customer(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    bodies = [order_body() for _ in range(10)]
    for body in bodies:
        body["customer"]["email"] = "new-buyer@example.com"
    customers_before = customer_count(sandbox)
    sandbox.faults.latency(0.2, count=None, method="POST", path="/api/v2/customers")
    with postgres_schema() as database_url:
        env = service_env(xentral_url=sandbox.base_url, token=sandbox.token, database_url=database_url, api_key=API_KEY)
        services = [ServiceProcess(env, tmp_path / f"service{i}.log") for i in range(2)]
        try:
            for service in services:
                service.wait_ready()

            async def send_all() -> list[httpx.Response]:
                async with httpx.AsyncClient(headers={"X-API-Key": API_KEY}, timeout=60) as client:
                    return await asyncio.gather(
                        *(
                            client.post(f"{services[i % 2].base_url}/api/orders", json=body)
                            for i, body in enumerate(bodies)
                        )
                    )

            responses = asyncio.run(send_all())
        finally:
            for service in services:
                service.stop()
    assert [r.status_code for r in responses] == [201] * len(bodies), [r.text for r in responses]
    assert customer_count(sandbox) == customers_before + 1
    assert len({r.json()["customer"]["id"] for r in responses}) == 1
    assert sum(r.json()["customer"]["created"] for r in responses) == 1
