"""The sandbox books totals like Xentral: the list's `total` and `netSales` for known orders."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload

IMPORT = "/api/v1/salesOrders/actions/import"


def _book(client: httpx.Client, **changes: Any) -> tuple[float, float]:
    body = order_payload(**changes)
    response = client.post(IMPORT, json=body)
    assert response.status_code == 201, response.text
    order_id = response.headers["location"].rsplit("/", 1)[1]
    [item] = [o for o in client.get("/api/v1/salesOrders").json()["data"] if o["id"] == order_id]
    return item["netSales"], item["total"]


def _position(product: str, quantity: float, amount: str | None = None, **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"product": {"id": product}, "quantity": quantity, **extra}
    if amount is not None:
        line["price"] = {"amount": amount, "currency": "EUR"}
    return line


def _tax(display: str, taxation: str = "domestic") -> dict[str, Any]:
    return {"paymentMethod": {"id": "2"}, "currency": "EUR", "tax": {"taxDisplay": display, "taxation": taxation}}


def _delivery(*costs: dict[str, Any]) -> dict[str, Any]:
    return {"shippingMethod": {"id": "1"}, "shippingCosts": list(costs)}


def test_gross_order_per_line_rounding_and_product_tax_class(client: httpx.Client) -> None:
    # ART-001 2 x 19.99 gross at 19 % → net 33.60; BOOK-001 (reduced) 24.99 → net 23.36.
    net, total = _book(
        client,
        financials=_tax("gross"),
        delivery=_delivery(),
        positions=[_position("1", 2, "19.99"), _position("5", 1, "24.99")],
    )
    assert (net, total) == (56.96, 64.97)


def test_net_order_with_explicit_percent_rate(client: httpx.Client) -> None:
    # A rate is a percentage: 19 on 100.00 net is 119.00 — a fraction reading would book 1 990.00.
    net, total = _book(
        client,
        financials=_tax("net"),
        delivery=_delivery(),
        positions=[_position("1", 1, "100.00", tax={"rate": 19, "taxText": None})],
    )
    assert (net, total) == (100.0, 119.0)


def test_line_discount_is_a_fraction_and_percent_is_refused(client: httpx.Client) -> None:
    net, total = _book(
        client,
        financials=_tax("gross"),
        delivery=_delivery(),
        positions=[_position("1", 1, "100.00", discount=0.1, tax={"vatCategory": "normal", "taxText": None})],
    )
    assert total == 90.0 and net == 75.63
    response = client.post(
        IMPORT,
        json=order_payload(positions=[_position("1", 1, "100.00", discount=10)]),
    )
    assert response.status_code == 400
    assert response.json()["violations"] == {
        "positions": {"0": {"discount": ["This value should be between 0 and 1."]}}
    }


def test_discount_positions_subtract_their_positive_value(client: httpx.Client) -> None:
    net, total = _book(
        client,
        financials=_tax("net"),
        delivery=_delivery(
            {
                "shippingCostProduct": {"id": "453"},
                "quantity": 1,
                "price": {"amount": "4.12", "currency": "EUR"},
                "tax": {"vatCategory": "normal", "taxText": None},
            }
        ),
        positions=[_position("1", 2, "16.80")],
        discountPositions=[
            {
                "discountProduct": {"id": "99"},
                "quantity": 1,
                "value": {"amount": "5.00", "currency": "EUR"},
                "tax": {"vatCategory": "normal", "taxText": None},
            }
        ],
    )
    # 33.60 + 4.12 - 5.00 = 32.72 net; VAT 6.38 + 0.78 - 0.95 = 6.21
    assert (net, total) == (32.72, 38.93)


@pytest.mark.parametrize("taxation", ["eu", "export"])
def test_eu_and_export_orders_carry_no_vat(client: httpx.Client, taxation: str) -> None:
    net, total = _book(
        client, financials=_tax("net", taxation), delivery=_delivery(), positions=[_position("1", 2, "16.80")]
    )
    assert (net, total) == (33.6, 33.6)


def test_master_price_follows_tax_display(client: httpx.Client) -> None:
    assert _book(client, financials=_tax("net"), delivery=_delivery(), positions=[_position("1", 1)]) == (16.8, 19.99)
    assert _book(client, financials=_tax("gross"), delivery=_delivery(), positions=[_position("1", 1)]) == (
        16.8,
        19.99,
    )
