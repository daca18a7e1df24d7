"""POST /api/orders over real HTTP against the sandbox, checking what Xentral holds afterwards."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.orders import (
    BRIEF_LINES,
    customer_count,
    imported_lines,
    order_body,
    order_count,
    orders_with_reference,
)
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.config import ApiClient
from xentral_sandbox.testing import SandboxHandle

PROBLEM = "application/problem+json"


def _codes(response: httpx.Response) -> list[tuple[str, str]]:
    return [(error["pointer"], error["code"]) for error in response.json()["errors"]]


def test_new_customer_gets_created_and_order_released(api: httpx.Client, sandbox: SandboxHandle) -> None:
    customers_before = customer_count(sandbox)
    body = order_body(
        transaction_id="PAYPAL-TX-1",
        payment_status="paid",
        internal_note="Gift wrap",
        custom_fields={"campaign": "BF26"},
    )
    response = api.post("/api/orders", json=body)

    assert response.status_code == 201, response.text
    data = response.json()
    assert data["reference"] == body["reference"]
    assert data["status"] == "released"
    assert data["order_number"]
    assert data["customer"]["created"] is True
    assert data["customer"]["number"]
    assert response.headers["location"] == f"/api/orders/{body['reference']}"
    assert customer_count(sandbox) == customers_before + 1

    [order] = orders_with_reference(sandbox, body["reference"])
    assert order["id"] == data["order_id"]
    assert order["documentNumber"] == data["order_number"]
    assert order["transactionNumber"] == "PAYPAL-TX-1"
    assert "Payment status: paid" in order["comment"]
    assert "Gift wrap" in order["comment"]
    assert "campaign" in order["comment"] and "BF26" in order["comment"]
    assert [(p["product"]["id"], p["quantity"]) for p in order["positions"]] == [("1", 2), ("2", 1)]
    assert order["financials"]["paymentMethod"]["id"] == "2"
    assert order["delivery"]["shippingMethod"]["id"] == "1"
    assert order["customer"]["id"] == data["customer"]["id"]
    assert order["delivery"]["shippingAddress"]["city"] == "Musterstadt"
    assert imported_lines(order) == BRIEF_LINES
    with sandbox.state.lock:
        created = dict(sandbox.state.customers[data["customer"]["id"]])
    assert (created["email"], created["name"]) == (body["customer"]["email"], "Max Mustermann")
    assert created["number"] == data["customer"]["number"]
    assert (created["address"]["street"], created["address"]["city"]) == ("Musterstraße 1", "Musterstadt")


def test_existing_customer_found_by_email(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    body["customer"]["email"] = "max@example.com"
    before = customer_count(sandbox)
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["customer"] == {"id": "1", "number": "10000", "created": False}
    assert customer_count(sandbox) == before
    [order] = orders_with_reference(sandbox, body["reference"])
    assert order["customer"] == {"id": "1", "number": "10000"}
    assert imported_lines(order) == BRIEF_LINES


def test_existing_customer_found_by_number_without_email_or_address(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(customer={"name": "Beispiel GmbH", "customer_number": "10001"})
    before = customer_count(sandbox)
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["customer"] == {"id": "2", "number": "10001", "created": False}
    assert customer_count(sandbox) == before
    [order] = orders_with_reference(sandbox, body["reference"])
    assert order["customer"] == {"id": "2", "number": "10001"}
    assert imported_lines(order) == BRIEF_LINES
    # No address was sent: Xentral takes the customer's master data (docs/xentral.md#sales-order-import).
    assert (order["financials"]["billingAddress"]["name"], order["financials"]["billingAddress"]["city"]) == (
        "Beispiel GmbH",
        "München",
    )


def test_item_price_and_name_are_sent(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(items=[{"sku": "ART-001", "quantity": 1, "price": "17.50", "line_id": "L1"}], currency="EUR")
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    [order] = orders_with_reference(sandbox, body["reference"])
    [position] = order["positions"]
    assert position["price"] == {"amount": "17.50", "currency": "EUR"}
    assert position["webId"] == "L1"
    assert imported_lines(order) == [("1", "ART-001", 1, "17.50")]


@pytest.mark.parametrize("currency", ["JPY", "ISK", "SEK", "QAR"])
def test_an_order_in_a_currency_of_the_2026_spec(api: httpx.Client, sandbox: SandboxHandle, currency: str) -> None:
    """Beyond 2024's five: zero-decimal ones (JPY, ISK) included, computed to the cent like the rest."""
    items = [{"sku": "ART-001", "quantity": 2, "price": "1200"}]
    body = order_body(reference=f"CUR-{currency}", items=items, currency=currency, shipping_cost="0")
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    [order] = orders_with_reference(sandbox, body["reference"])
    assert order["financials"]["currency"] == currency
    assert order["positions"][0]["price"] == {"amount": "1200.00", "currency": currency}
    assert Decimal(str(order["total"])) == Decimal("2400.00")  # as booked: gross prices, to the cent
    assert response.json()["totals"]["gross"] == "2400.00"


@pytest.mark.parametrize(
    ("prices", "item", "shop_total", "ours"),
    [
        ("gross", {"price": "1234", "discount_percent": 15}, "1049", "1048.90"),  # 15 % off, rounded to the yen
        ("net", {"price": "999", "tax_rate": 19}, "1189", "1188.81"),  # the VAT rounded to the yen
    ],
)
def test_a_yen_order_as_the_shop_rounded_it_is_booked_with_the_shops_total(
    api: httpx.Client, sandbox: SandboxHandle, prices: str, item: dict[str, Any], shop_total: str, ours: str
) -> None:
    """A JPY shop rounds to the yen; computed to the cent the order is a fraction of a yen off. Not a mismatch
    (the tolerance is at least the currency's smallest unit), and Xentral books the shop's total."""
    items = [{"sku": "ART-001", "quantity": 1, **item}]
    body = order_body(
        reference=f"JPY-{prices}",
        items=items,
        currency="JPY",
        prices=prices,
        shipping_cost="0",
        expected_total=shop_total,
    )
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["totals"]["gross"] == ours
    [order] = orders_with_reference(sandbox, body["reference"])
    assert Decimal(str(order["total"])) == Decimal(shop_total)  # setTotalAmount within its maximum difference


def test_a_yen_order_more_than_a_yen_off_is_still_refused(api: httpx.Client, sandbox: SandboxHandle) -> None:
    items = [{"sku": "ART-001", "quantity": 1, "price": "1234", "discount_percent": 15}]
    before = order_count(sandbox)
    body = order_body(items=items, currency="JPY", prices="gross", shipping_cost="0", expected_total="1051")
    response = api.post("/api/orders", json=body)
    assert response.status_code == 422 and "tolerance 1" in response.text
    assert order_count(sandbox) == before


def test_a_currency_outside_the_spec_is_refused(api: httpx.Client, sandbox: SandboxHandle) -> None:
    before = order_count(sandbox)
    response = api.post("/api/orders", json=order_body(currency="XYZ"))
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert [pointer for pointer, _ in _codes(response)] == ["/currency"]
    assert order_count(sandbox) == before


def test_creation_disabled_gives_customer_not_found_and_creates_nothing(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, customers={"create_missing": False})
    with running_service(settings) as url:
        before_customers, before_orders = customer_count(sandbox), order_count(sandbox)
        response = httpx.post(f"{url}/api/orders", json=order_body(), headers={"X-API-Key": API_KEY})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "customer_not_found"
    assert _codes(response) == [("/customer/email", "customer_not_found")]
    assert (customer_count(sandbox), order_count(sandbox)) == (before_customers, before_orders)


def test_unknown_sku_creates_nothing(api: httpx.Client, sandbox: SandboxHandle) -> None:
    before_customers, before_orders = customer_count(sandbox), order_count(sandbox)
    response = api.post("/api/orders", json=order_body(items=[{"sku": "ART-999", "quantity": 1}]))
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == "Item ART-999 not found"
    assert _codes(response) == [("/items/0/sku", "item_not_found")]
    assert (customer_count(sandbox), order_count(sandbox)) == (before_customers, before_orders)


def test_locked_sku_is_refused(api: httpx.Client, sandbox: SandboxHandle) -> None:
    before = customer_count(sandbox), order_count(sandbox)
    response = api.post("/api/orders", json=order_body(items=[{"sku": "ART-004", "quantity": 1}]))
    assert response.status_code == 422
    assert _codes(response) == [("/items/0/sku", "item_not_sellable")]
    assert "ART-004" in response.json()["errors"][0]["detail"]
    assert (customer_count(sandbox), order_count(sandbox)) == before


def test_every_problem_is_reported_at_once(api: httpx.Client, sandbox: SandboxHandle) -> None:
    before_customers = customer_count(sandbox)
    body = order_body(
        items=[{"sku": "ART-001", "quantity": 1}, {"sku": "ART-999", "quantity": 1}, {"sku": "ART-004", "quantity": 2}],
        shipping="carrier_pigeon",
        payment="bitcoin",
    )
    response = api.post("/api/orders", json=body)
    assert response.status_code == 422
    assert _codes(response) == [
        ("/items/1/sku", "item_not_found"),
        ("/items/2/sku", "item_not_sellable"),
        ("/shipping", "unknown_shipping_method"),
        ("/payment", "unknown_payment_method"),
    ]
    assert customer_count(sandbox) == before_customers


def test_schema_problems_are_reported_at_once_with_pointers(api: httpx.Client) -> None:
    body = order_body(items=[{"sku": "ART-001", "quantity": 0}, {"quantity": 1}], colour="red")
    del body["customer"]["email"]
    response = api.post("/api/orders", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    codes = _codes(response)
    assert ("/items/0/quantity", "greater_than") in codes
    assert ("/items/1/sku", "required") in codes
    assert ("/colour", "unknown_field") in codes
    assert ("/customer/email", "required") in codes
    details = [error["detail"] for error in response.json()["errors"]]
    assert "Required field 'email' is missing" in details


def test_codes_match_xentral_names_without_mapping(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(shipping="DPD", payment="Vorkasse")
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    [order] = orders_with_reference(sandbox, body["reference"])
    assert order["delivery"]["shippingMethod"]["id"] == "4"  # type "dpd", "DPD Classic"
    assert order["financials"]["paymentMethod"]["id"] == "3"  # type "vorkasse"
    assert imported_lines(order) == BRIEF_LINES


def test_held_reasons_are_xentrals_red_lights_at_the_read_back(api: httpx.Client, sandbox: SandboxHandle) -> None:
    green = order_body()
    assert api.post("/api/orders", json=green).json()["held_reasons"] == []
    body = order_body(payment="Vorkasse")  # the sandbox's prepayment method: `prepaidOk` is red
    sku = body["items"][0]["sku"]
    with sandbox.state.lock:  # and the first item is out of stock: `stockOk` is red
        [product] = [p for p in sandbox.state.products.values() if p["number"] == sku]
        product["stockCount"] = 0
    sandbox.calls.clear()
    created = api.post("/api/orders", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["held_reasons"] == ["out_of_stock", "awaiting_prepayment"]
    [order] = orders_with_reference(sandbox, body["reference"])
    assert (order["trafficLights"]["stockOk"], order["trafficLights"]["prepaidOk"]) == (False, False)
    # Read at the read-back: no call beyond the order's own (the import and the list by reference).
    calls = sandbox.calls.counts()
    assert calls["GET /api/v1/salesOrders"] >= 1 and "GET /api/v1/salesOrders/{id}" not in calls, calls
    status = api.get(f"/api/orders/{body['reference']}").json()
    assert status["order"]["held_reasons"] == ["out_of_stock", "awaiting_prepayment"]
    assert api.get(f"/api/orders/{green['reference']}").json()["order"]["held_reasons"] == []


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "An API key is required"),
        ({"Authorization": "Bearer wrong"}, "The API key is not valid"),
        ({"X-API-Key": "wrong"}, "The API key is not valid"),
        ({"Authorization": "Basic c2hvcDprZXk=", "X-API-Key": API_KEY}, "The Authorization header must be"),
    ],
)
def test_auth_failures_are_problems(service_url: str, headers: dict[str, str], detail: str) -> None:
    response = httpx.post(f"{service_url}/api/orders", json=order_body(), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"].startswith(detail)


def test_transport_level_problems(api: httpx.Client) -> None:
    not_json = api.post("/api/orders", content=b"reference=1", headers={"Content-Type": "text/plain"})
    assert not_json.status_code == 415 and not_json.headers["content-type"] == PROBLEM
    broken = api.post("/api/orders", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["code"] == "invalid_json"
    huge = api.post("/api/orders", content=b"[" + b"1," * 600_000 + b"1]", headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.headers["content-type"] == PROBLEM
    missing = api.get("/api/nothing")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    wrong_method = api.delete("/api/orders")
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"] == PROBLEM
    # Two routes share the path (the change feed and the order intake): the 405 names both methods.
    assert wrong_method.headers["allow"] == "GET, POST"
    assert api.put("/api/orders/some-reference").headers["allow"] == "GET"
    array = api.post("/api/orders", json=[1, 2])
    assert array.status_code == 422


def test_order_status_lookup(api: httpx.Client) -> None:
    body = order_body()
    created = api.post("/api/orders", json=body).json()
    status = api.get(f"/api/orders/{body['reference']}")
    assert status.status_code == 200
    data = status.json()
    assert data["state"] == "completed"
    assert data["order"]["order_id"] == created["order_id"]
    assert data["steps"][0]["name"] == "received"
    assert data["steps"][-1]["name"] == "completed"
    unknown = api.get("/api/orders/NOPE-1")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM


def test_orders_are_scoped_per_client(sandbox: SandboxHandle, tmp_path: Path) -> None:
    from tests.support.service import OTHER_KEY

    clients = [
        ApiClient(name="shop", api_key=API_KEY, reference_prefix="S-"),
        ApiClient(name="other", api_key=OTHER_KEY, reference_prefix="O-"),
    ]
    body = order_body()
    with running_service(service_settings(sandbox, tmp_path, clients=clients)) as url:
        assert httpx.post(f"{url}/api/orders", json=body, headers={"X-API-Key": API_KEY}).status_code == 201
        other = httpx.get(f"{url}/api/orders/{body['reference']}", headers={"X-API-Key": OTHER_KEY})
        mine = httpx.get(f"{url}/api/orders/{body['reference']}", headers={"X-API-Key": API_KEY})
    assert other.status_code == 404
    assert other.json()["code"] == "order_not_found"
    assert mine.json()["state"] == "completed"
    assert len(orders_with_reference(sandbox, "S-" + body["reference"])) == 1


def test_request_id_is_echoed(api: httpx.Client) -> None:
    response = api.get("/api/orders/NOPE", headers={"X-Request-ID": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"
    assert response.json()["request_id"] == "trace-123"


def test_health_and_readiness(api: httpx.Client, sandbox: SandboxHandle) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.text
    sandbox.faults.server_error(status=503, count=5)
    not_ready = api.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["xentral"]["ok"] is False


def _duplicate_max(sandbox: SandboxHandle) -> str:
    with sandbox.state.lock:
        twin = dict(sandbox.state.customers["1"])
    twin.pop("id")
    twin.pop("number")
    return sandbox.state.add_customer(twin)


def test_several_customers_with_one_email_take_the_oldest(api: httpx.Client, sandbox: SandboxHandle) -> None:
    _duplicate_max(sandbox)
    body = order_body()
    body["customer"]["email"] = "max@example.com"
    before = customer_count(sandbox)
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["customer"]["id"] == "1"
    [order] = orders_with_reference(sandbox, body["reference"])
    assert order["customer"]["id"] == "1"
    assert customer_count(sandbox) == before


def test_several_customers_with_one_email_can_be_refused(sandbox: SandboxHandle, tmp_path: Path) -> None:
    twin = _duplicate_max(sandbox)
    settings = service_settings(sandbox, tmp_path, customers={"on_several_matches": "reject"})
    body = order_body()
    body["customer"]["email"] = "max@example.com"
    with running_service(settings) as url:
        response = httpx.post(f"{url}/api/orders", json=body, headers={"X-API-Key": API_KEY})
    assert response.status_code == 409
    assert response.json()["code"] == "customer_ambiguous"
    assert f"ids 1, {twin}" in response.json()["detail"]
    assert orders_with_reference(sandbox, body["reference"]) == []


def test_xentral_refusing_our_token_is_a_502_with_a_hint(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, xentral_token="expired-token")
    before = customer_count(sandbox), order_count(sandbox)
    with running_service(settings) as url:
        response = httpx.post(f"{url}/api/orders", json=order_body(), headers={"X-API-Key": API_KEY})
    assert response.status_code == 502
    assert (customer_count(sandbox), order_count(sandbox)) == before
    assert response.json()["code"] == "xentral_access_denied"
    assert "check the configured API token" in response.json()["detail"]
    assert "expired-token" not in response.text


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ({"kind": "status", "status": 503}, 502, "xentral_error"),
        ({"kind": "rate_limit", "retry_after": 30}, 503, "xentral_rate_limited"),
        ({"kind": "drop"}, 503, "xentral_unavailable"),
        ({"kind": "latency", "seconds": 2.5}, 504, "xentral_timeout"),
    ],
)
def test_xentral_failures_before_any_write_map_to_5xx_and_create_nothing(
    api: httpx.Client, sandbox: SandboxHandle, fault: dict[str, Any], status: int, code: str
) -> None:
    before = customer_count(sandbox), order_count(sandbox)
    sandbox.faults.add(method="GET", path="/api/v2/products", count=None, **fault)
    response = api.post("/api/orders", json=order_body())
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == code
    if status in (503, 504):
        assert int(response.headers["retry-after"]) >= 1
    assert (customer_count(sandbox), order_count(sandbox)) == before
