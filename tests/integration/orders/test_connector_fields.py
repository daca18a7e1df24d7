"""What Xentral's own shop connectors send, sent by us too: line ids as webId, the shop's order id,
vatCheck, fast lane, the documents auto-shipping makes, the place of fulfilment and the billing phone.

Each test posts over real HTTP and reads what the sandbox stored, as its import schema has it
(`openapi-2026-subset.json`, `POST /api/v1/salesOrders/actions/import`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle

PRODUCTS = {"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"}
B2B_CUSTOMER = {
    "email": "einkauf@berger.example.at",
    "name": "Anna Berger",
    "company": "Berger Handels GmbH",
    "vat_id": "ATU12345678",
    "phone": "+43 1 5550",
    "street": "Ringstraße 9",
    "zip": "1010",
    "city": "Wien",
    "country": "AT",
}


def _api(sandbox: SandboxHandle, tmp_path: Path, **defaults: Any) -> Iterator[httpx.Client]:
    settings = service_settings(sandbox, tmp_path, defaults=PRODUCTS | defaults)
    with (
        running_service(settings) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def api(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[httpx.Client]:
    yield from _api(sandbox, tmp_path)


@pytest.fixture
def api_with_defaults(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[httpx.Client]:
    yield from _api(
        sandbox,
        tmp_path,
        vat_id_checked=True,
        fast_lane=True,
        auto_create_documents="invoice",
        preferred_warehouse_id="2",
    )


def _stored(sandbox: SandboxHandle, response: httpx.Response, reference: str) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    [order] = orders_with_reference(sandbox, reference)
    return order


def test_the_request_fields_reach_xentral(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(
        customer=B2B_CUSTOMER,
        prices="net",
        items=[{"sku": "ART-001", "quantity": 2, "price": "16.80", "line_id": "L-1"}],
        shipping_costs=[{"name": "DHL", "amount": "4.12", "tax_rate": 19, "line_id": "S-1"}],
        discounts=[{"name": "TENOFF", "amount": "1.00", "tax_rate": 19, "line_id": "D-1"}],
        external_order_id="gid://shop/Order/77",
        vat_id_checked=True,
        fast_lane=True,
        auto_create_documents="delivery_note",
        storage_country="at",
    )
    order = _stored(sandbox, api.post("/api/orders", json=body), body["reference"])
    assert order["externalOrderId"] == "gid://shop/Order/77"
    assert order["vatCheck"] is True
    assert order["autoCreateDocuments"] == "deliveryNote"
    assert order["delivery"]["fastLane"] is True
    assert (order["delivery"]["storageCountry"], order["delivery"]["preferredWarehouse"]) == ("AT", None)
    assert [p["webId"] for p in order["positions"]] == ["L-1"]
    assert [c["webId"] for c in order["delivery"]["shippingCosts"]] == ["S-1"]
    assert order["financials"]["billingAddress"]["phoneNumber"] == "+43 1 5550"
    sent = sandbox.calls.bodies("POST /api/v1/salesOrders/actions/import")[-1]
    assert [d.get("webId") for d in sent["discountPositions"]] == ["D-1"]


def test_the_client_defaults_apply_when_the_request_says_nothing(
    api_with_defaults: httpx.Client, sandbox: SandboxHandle
) -> None:
    body = order_body(customer=B2B_CUSTOMER)
    order = _stored(sandbox, api_with_defaults.post("/api/orders", json=body), body["reference"])
    assert order["vatCheck"] is True and order["autoCreateDocuments"] == "invoice"
    assert order["delivery"]["fastLane"] is True
    assert order["delivery"]["preferredWarehouse"] == {"id": "2"} and order["delivery"]["storageCountry"] is None


def test_a_request_overrides_the_defaults(api_with_defaults: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(customer=B2B_CUSTOMER, vat_id_checked=False, fast_lane=False, storage_country="DE")
    order = _stored(sandbox, api_with_defaults.post("/api/orders", json=body), body["reference"])
    assert order["vatCheck"] is False and order["delivery"]["fastLane"] is False
    # A storage country replaces the default warehouse: Xentral takes one of the two.
    assert (order["delivery"]["storageCountry"], order["delivery"]["preferredWarehouse"]) == ("DE", None)


def test_a_warehouse_and_a_storage_country_at_once_are_refused(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(preferred_warehouse="2", storage_country="DE")
    response = api.post("/api/orders", json=body)
    assert response.status_code == 422, response.text
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("/storage_country", "not_both")]
    assert orders_with_reference(sandbox, body["reference"]) == []
