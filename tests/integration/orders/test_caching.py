"""Warm caches save Xentral calls, and a stale entry never becomes a wrong order."""

from __future__ import annotations

import httpx

from tests.support.orders import BRIEF_LINES, customer_count, imported_lines, order_body, orders_with_reference
from xentral_sandbox.testing import SandboxHandle


def _calls(sandbox: SandboxHandle) -> dict[str, int]:
    return sandbox.calls.counts()


def test_second_order_of_a_returning_customer_uses_three_calls(api: httpx.Client, sandbox: SandboxHandle) -> None:
    first = order_body()
    created = api.post("/api/orders", json=first)
    assert created.status_code == 201
    sandbox.calls.clear()
    again = order_body()
    again["customer"]["email"] = first["customer"]["email"]
    response = api.post("/api/orders", json=again)
    assert response.status_code == 201, response.text
    assert response.json()["customer"]["created"] is False
    assert _calls(sandbox) == {
        "GET /api/v1/salesOrders": 2,  # the upstream duplicate check; the document number (read back by reference)
        "POST /api/v1/salesOrders/actions/import": 1,
    }
    [order] = orders_with_reference(sandbox, again["reference"])
    assert order["customer"]["id"] == response.json()["customer"]["id"] == created.json()["customer"]["id"]
    assert imported_lines(order) == BRIEF_LINES  # from cached product ids


def test_product_locked_after_it_was_cached_is_refused(api: httpx.Client, sandbox: SandboxHandle) -> None:
    assert api.post("/api/orders", json=order_body()).status_code == 201  # caches ART-001/ART-002
    with sandbox.state.lock:
        sandbox.state.products["1"]["isDisabled"] = True
        sandbox.state.products["1"]["disabledReason"] = "Recalled"
    body = order_body()
    response = api.post("/api/orders", json=body)
    assert response.status_code == 422, response.text
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("/items/0/sku", "item_not_sellable")]
    assert orders_with_reference(sandbox, body["reference"]) == []


def test_customer_deleted_after_it_was_cached_is_looked_up_again(api: httpx.Client, sandbox: SandboxHandle) -> None:
    first = order_body()
    created = api.post("/api/orders", json=first).json()
    with sandbox.state.lock:
        del sandbox.state.customers[created["customer"]["id"]]
    before = customer_count(sandbox)
    again = order_body()
    again["customer"]["email"] = first["customer"]["email"]
    response = api.post("/api/orders", json=again)
    assert response.status_code == 201, response.text
    assert response.json()["customer"]["created"] is True
    assert customer_count(sandbox) == before + 1
    [order] = orders_with_reference(sandbox, again["reference"])
    assert order["customer"]["id"] == response.json()["customer"]["id"]


def test_unknown_sku_is_remembered_briefly(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(items=[{"sku": "NEW-1", "quantity": 1}])
    assert api.post("/api/orders", json=body).status_code == 422
    sandbox.calls.clear()
    assert api.post("/api/orders", json=order_body(items=[{"sku": "NEW-1", "quantity": 1}])).status_code == 422
    assert "GET /api/v2/products" not in _calls(sandbox)
