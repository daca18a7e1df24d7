"""Never report an order that is not ours: a Xentral that ignores filters or reads back the wrong order.

The sandbox's misbehaviours (`ignore_filters`, `wrong_read_back`) answer 200 with wrong content. With
either on, no order may be answered `created` or `existing` unless the order named is the caller's, no
order may be duplicated, and the caller gets a 502 problem saying what Xentral did wrong. With the
fault gone, a retry reconciles each order exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle

ORDERS = 20
IMPORT = "/api/v1/salesOrders/actions/import"


@pytest.fixture
def make_api(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[Any]:
    clients: list[httpx.Client] = []
    stack: list[Any] = []

    def start(upstream_check: str) -> httpx.Client:
        settings = service_settings(
            sandbox,
            tmp_path,
            idempotency={"upstream_check": upstream_check, "unknown_outcome_retry_seconds": 0.5},
            xentral_rate_limit_per_minute=100_000,  # ~200 Xentral calls per test: pacing is not under test
        )
        service = running_service(settings)
        url = service.__enter__()
        stack.append(service)
        client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    for service in reversed(stack):
        service.__exit__(None, None, None)


def _place_existing_orders(api: httpx.Client, count: int) -> list[dict[str, Any]]:
    """Orders made before the fault: their customers return, their orders are someone else's."""
    bodies = [order_body() for _ in range(count)]
    for body in bodies:
        assert api.post("/api/orders", json=body).status_code == 201
    return bodies


def _twenty_orders(returning: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Half new customers, half returning ones."""
    bodies = [order_body() for _ in range(ORDERS)]
    for index, body in enumerate(bodies[::2]):
        body["customer"] = dict(returning[index % len(returning)]["customer"])
    return bodies


def _assert_only_own_orders(sandbox: SandboxHandle, body: dict[str, Any], response: httpx.Response) -> None:
    """A 2xx answer names an order that carries this body's reference; the reference is in Xentral once at most."""
    own = orders_with_reference(sandbox, body["reference"])
    assert len(own) <= 1, f"{body['reference']} duplicated: {[o['id'] for o in own]}"
    if response.status_code in (200, 201):
        assert [o["id"] for o in own] == [response.json()["order_id"]], response.text


def _retry_until_settled(api: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    """Resend until the unknown-outcome lock is released (409 order_in_progress means: not yet)."""
    deadline = time.monotonic() + 30
    while True:
        response = api.post("/api/orders", json=body)
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def _untrusted_count(api: httpx.Client, reason: str) -> float:
    prefix = "xentral_untrusted_answers_total{"
    lines = [line for line in api.get("/metrics").text.splitlines() if line.startswith(prefix)]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if f'reason="{reason}"' in line)


@pytest.mark.parametrize("upstream_check", ["always", "when_unsure"])
def test_ignored_filters_never_report_another_order(make_api: Any, sandbox: SandboxHandle, upstream_check: str) -> None:
    api = make_api(upstream_check)
    returning = _place_existing_orders(api, 3)
    bodies = _twenty_orders(returning)
    sandbox.faults.ignore_filters()

    for body in bodies:
        response = api.post("/api/orders", json=body)
        assert response.status_code == 502, response.text
        problem = response.json()
        assert problem["code"] in {"xentral_filter_ignored", "xentral_order_unconfirmed"}, problem
        assert "ignored the filter on `" in problem["detail"], problem
        _assert_only_own_orders(sandbox, body, response)
    assert _untrusted_count(api, "filter_ignored") >= ORDERS

    sandbox.faults.clear()
    for body in bodies:
        response = _retry_until_settled(api, body)
        assert response.status_code == 201, response.text
        assert response.json()["outcome"] == "created"
        _assert_only_own_orders(sandbox, body, response)
        assert len(orders_with_reference(sandbox, body["reference"])) == 1


@pytest.mark.parametrize("upstream_check", ["always", "when_unsure"])
def test_a_wrong_read_back_never_reports_another_order(
    make_api: Any, sandbox: SandboxHandle, upstream_check: str
) -> None:
    api = make_api(upstream_check)
    returning = _place_existing_orders(api, 3)
    bodies = _twenty_orders(returning)
    sandbox.faults.wrong_read_back()

    for body in bodies:
        response = api.post("/api/orders", json=body)
        assert response.status_code == 502, response.text
        problem = response.json()
        # The import landed, but the read-back showed another order: not reported, left to reconcile.
        assert problem["code"] == "xentral_order_unconfirmed", problem
        assert "ignored the filter on `externalOrderNumber`" in problem["detail"], problem
        assert "not reported as created" in problem["detail"]
        _assert_only_own_orders(sandbox, body, response)
        assert len(orders_with_reference(sandbox, body["reference"])) == 1
    imports = sandbox.calls.count(f"POST {IMPORT}")

    # Retried while Xentral still misreads: the lookup by reference is not trusted either, nothing is re-sent.
    for body in bodies:
        response = _retry_until_settled(api, body)
        assert response.status_code == 502 and response.json()["code"] == "xentral_filter_ignored", response.text
        _assert_only_own_orders(sandbox, body, response)
    assert sandbox.calls.count(f"POST {IMPORT}") == imports

    sandbox.faults.clear()
    for body in bodies:
        response = _retry_until_settled(api, body)
        assert response.status_code == 201 and response.json()["outcome"] == "created", response.text
        _assert_only_own_orders(sandbox, body, response)
    assert sandbox.calls.count(f"POST {IMPORT}") == imports


def test_references_differing_in_case_are_two_orders(api: httpx.Client, sandbox: SandboxHandle) -> None:
    """The sandbox's `equals` ignores case like MySQL: `shop-…` finds `SHOP-…`'s order, which is not its own."""
    upper = order_body()
    lower = {**order_body(), "reference": upper["reference"].lower()}
    first = api.post("/api/orders", json=upper)
    second = api.post("/api/orders", json=lower)
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert second.json()["outcome"] == "created"
    assert second.json()["order_id"] != first.json()["order_id"]
    for body, response in ((upper, first), (lower, second)):
        _assert_only_own_orders(sandbox, body, response)
        assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_concurrent_orders_sharing_an_ignored_filter_all_get_502(make_api: Any, sandbox: SandboxHandle) -> None:
    """Coalesced duplicate checks: one `externalOrderNumber in [...]` answered unfiltered fails every order
    in it, none is told "not found" and imported, none is told "existing"."""
    api = make_api("always")
    _place_existing_orders(api, 2)
    bodies = [order_body() for _ in range(10)]
    sandbox.calls.clear()
    sandbox.faults.ignore_filters(path="/api/v1/salesOrders")
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        responses = list(pool.map(lambda body: api.post("/api/orders", json=body), bodies))
    for body, response in zip(bodies, responses, strict=True):
        assert response.status_code == 502 and response.json()["code"] == "xentral_filter_ignored", response.text
        assert orders_with_reference(sandbox, body["reference"]) == []
    assert sandbox.calls.count(f"POST {IMPORT}") == 0
