"""Sales order import: validation violations, success, view, duplicates, locked products."""

from __future__ import annotations

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import running_sandbox

IMPORT = "/api/v1/salesOrders/actions/import"


def test_import_creates_released_order_with_document_number(client: httpx.Client) -> None:
    r = client.post(IMPORT, json=order_payload())
    assert r.status_code == 201 and r.text == ""
    location = r.headers["location"]
    assert location.endswith("/api/v1/salesOrders/1")
    order = client.get(location).json()["data"]
    assert order["documentNumber"] == "200001" and order["status"] == "released"
    assert [p["product"]["number"] for p in order["positions"]] == ["ART-001", "ART-002"]
    assert order["positions"][1]["price"] == {"amount": "49.90", "currency": "EUR"}  # master price
    assert order["delivery"]["shippingMethod"] == {"id": "1"}
    assert order["salesChannel"] == {"id": "1", "name": "Shopware"}
    listed = client.get("/api/v1/salesOrders").json()["data"][0]
    assert listed["total"] == pytest.approx(2 * 19.99 + 49.90 + 4.90)
    assert "positions" not in listed and "shippingMethod" not in listed["delivery"]
    assert client.post(IMPORT, json=order_payload()).headers["location"].endswith("/2")
    assert client.get("/api/v1/salesOrders/2").json()["data"]["documentNumber"] == "200002"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"customer": {"id": "999"}}, ["customer", "id"]),
        ({"project": {"id": "999"}}, ["project", "id"]),
        ({"salesChannel": {"id": "999"}}, ["salesChannel", "id"]),
        ({"positions": [{"product": {"id": "999"}, "quantity": 1}]}, ["positions", "0", "product", "id"]),
        ({"positions": [{"product": {"id": "4"}, "quantity": 1}]}, ["positions", "0", "product", "id"]),
        ({"positions": [{"product": {}, "quantity": 1}]}, ["positions", "0", "product", "id"]),
        ({"positions": [{"product": {"id": "1"}, "quantity": 1, "sku": "x"}]}, ["positions", "0", "sku"]),
        ({"unknownRoot": 1}, ["unknownRoot"]),
        ({"date": "15.01.2025"}, ["date"]),
    ],
)
def test_import_violations(client: httpx.Client, change: dict[str, object], path: list[str]) -> None:
    r = client.post(IMPORT, json=order_payload(**change))
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"] == "https://api.xentral.biz/problems/request-validation"
    node = body["violations"]
    for key in path:
        node = node[key]
    assert isinstance(node, list) and node
    assert client.get("/api/v1/salesOrders").json()["extra"]["totalCount"] == 0


def test_missing_required_and_nested_references(client: httpx.Client) -> None:
    body = order_payload()
    del body["positions"]
    body["financials"]["paymentMethod"] = {"id": "77"}
    v = client.post(IMPORT, json=body).json()["violations"]
    assert v["positions"] == ["This field is missing."]
    body = order_payload()
    body["financials"]["paymentMethod"] = {"id": "77"}
    body["delivery"]["shippingMethod"] = {"id": "77"}
    v = client.post(IMPORT, json=body).json()["violations"]
    assert "not found" in v["financials"]["paymentMethod"]["id"][0]
    assert "not found" in v["delivery"]["shippingMethod"]["id"][0]


def test_duplicates_accepted_by_default_and_rejectable() -> None:
    readings = Readings(repeated_reference="refused-400")
    with (
        running_sandbox(SandboxConfig(rate_limit=None, readings=readings)) as h,
        httpx.Client(base_url=h.base_url, headers=h.headers) as c,
    ):
        assert c.post(IMPORT, json=order_payload()).status_code == 201
        r = c.post(IMPORT, json=order_payload())
        assert r.status_code == 400 and "externalOrderNumber" in r.json()["violations"]
        h.state.readings = Readings(repeated_reference="refused-409")
        r = c.post(IMPORT, json=order_payload(externalOrderNumber="shop-1001"))  # references ignore case
        assert r.status_code == 409 and r.json()["type"] == "https://api.xentral.biz/problems/conflict"
        assert c.get("/api/v1/salesOrders").json()["extra"]["totalCount"] == 1


def test_locked_products_can_be_allowed() -> None:
    with (
        running_sandbox(SandboxConfig(rate_limit=None, refuse_locked_products=False)) as h,
        httpx.Client(base_url=h.base_url, headers=h.headers) as c,
    ):
        body = order_payload(positions=[{"product": {"id": "4"}, "quantity": 1}])
        assert c.post(IMPORT, json=body).status_code == 201


def test_default_accepts_duplicates(client: httpx.Client) -> None:
    assert client.post(IMPORT, json=order_payload()).status_code == 201
    assert client.post(IMPORT, json=order_payload()).status_code == 201
