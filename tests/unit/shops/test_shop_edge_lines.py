"""Edge lines, one test per shop, from the shop's signed JSON to what the import sends Xentral (on fakes):
a line whose total is negative is refused with a pointer to it (422 problem+json, nothing queued); a
line discounted by 100 % (0.00 net) keeps its rate and is booked with its discount; free shipping is a
0.00 line that needs no shipping-cost product (none is configured here) and books no position.

Each order follows its shop's documented shape: WooCommerce's REST API v3 order properties, Shopify's
Admin REST Order resource, Shopware 6's order entity in its app webhook (see fixtures/SOURCES.md)."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.order_harness import Harness, make
from unified_order_api.api.error_handlers import install_error_handlers
from unified_order_api.cache import MemoryCache
from unified_order_api.config import ApiClient, ShopSettings
from unified_order_api.orders.model import OrderDraft
from unified_order_api.shops import Arrival, ArrivalMemory
from unified_order_api.shops.intake import ShopIntake, ShopOrderInvalid

__all__ = ["make"]

D = Decimal
SECRET = "edge-secret"
NOW = 1_764_496_800.0
CLIENTS = [
    ApiClient(
        name=name,
        api_key=f"{name}-key-0123456789",
        shop=ShopSettings(kind=kind, secret=SECRET),
        shipping_map={"free_shipping": "1", "Free Shipping": "1", "free": "1"},
        payment_map={"bacs": "2", "shopify_payments": "2", "invoice": "2"},
    )
    for name, kind in (("woo", "woocommerce"), ("shopify", "shopify"), ("sw", "shopware"))
]


@pytest.fixture
async def shop(make: Any) -> tuple[Harness, ShopIntake]:
    # A discount product, but no shipping-cost product: free shipping must need none.
    h: Harness = await make(clients=CLIENTS, defaults={"discount_product_id": "99"})
    return h, ShopIntake(CLIENTS, h.service, ArrivalMemory(MemoryCache()), h.refunds, now=lambda: NOW)


def signed(kind: str, order: dict[str, Any]) -> Arrival:
    body = json.dumps(order).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256)
    header = {"woocommerce": "X-WC-Webhook-Signature", "shopify": "X-Shopify-Hmac-Sha256"}.get(kind)
    if header is None:
        return Arrival.of([("shopware-shop-signature", digest.hexdigest()), ("Content-Type", "application/json")], body)
    return Arrival.of(
        [(header, base64.b64encode(digest.digest()).decode()), ("Content-Type", "application/json")], body
    )


async def booked(h: Harness, intake: ShopIntake, client: str, kind: str, order: dict[str, Any]) -> OrderDraft:
    answer = await intake.receive(client, kind, signed(kind, order))
    assert answer.outcome == "accepted", answer
    assert await h.worker.run_once() == 1
    attempt = await h.store.find(client, answer.reference or "")
    assert attempt is not None and attempt.receipt is not None, attempt
    [draft] = h.gateway.drafts.values()
    return draft


async def problem_answer(refusal: ShopOrderInvalid) -> httpx.Response:
    """The refusal as the HTTP edge answers it (the service's own error handlers)."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/shop")
    async def refuse() -> None:
        raise refusal

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.test") as client:
        return await client.post("/shop")


async def refused_at(
    h: Harness, intake: ShopIntake, client: str, kind: str, order: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(ShopOrderInvalid) as raised:
        await intake.receive(client, kind, signed(kind, order))
    answer = await problem_answer(raised.value)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["code"] == "request_invalid"
    assert [(error["pointer"], error["code"]) for error in problem["errors"]] == [(pointer, "line_negative")]
    assert "below zero" in problem["errors"][0]["detail"]
    assert await h.worker.run_once() == 0 and h.gateway.orders == {}


def woocommerce_order(change: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """A German WooCommerce order at 19 %: a notebook, a pen a 100 % coupon made free, free shipping."""
    order: dict[str, Any] = {
        "id": 7301,
        "number": "7301",
        "status": "processing",
        "currency": "EUR",
        "prices_include_tax": False,
        "date_created": "2026-11-30T10:00:00",
        "date_paid": "2026-11-30T10:01:00",
        "total": "11.90",
        "total_tax": "1.90",
        "billing": {"first_name": "Max", "last_name": "Muster", "address_1": "Hauptstr. 1", "postcode": "10115"}
        | {"city": "Berlin", "country": "DE", "email": "max@example.de"},
        "payment_method": "bacs",
        "line_items": [
            {
                "id": 1,
                "name": "Notebook",
                "sku": "NB-1",
                "quantity": 1,
                "subtotal": "10.00",
                "subtotal_tax": "1.90",
                "total": "10.00",
                "total_tax": "1.90",
                "taxes": [{"id": 1, "total": "1.90", "subtotal": "1.90"}],
            },
            {
                "id": 2,
                "name": "Pen",
                "sku": "PEN-1",
                "quantity": 1,
                "subtotal": "5.00",
                "subtotal_tax": "0.95",
                "total": "0.00",
                "total_tax": "0.00",
                "taxes": [{"id": 1, "total": "0.00", "subtotal": "0.95"}],
            },
        ],
        "tax_lines": [{"id": 10, "rate_id": 1, "rate_code": "DE-MWST-1", "rate_percent": 19, "tax_total": "1.90"}],
        "shipping_lines": [
            {"id": 3, "method_id": "free_shipping", "method_title": "Free shipping", "total": "0.00"}
            | {"total_tax": "0.00", "taxes": []}
        ],
        "coupon_lines": [{"id": 4, "code": "FREEPEN", "discount": "5.00", "discount_tax": "0.95"}],
    }
    if change is not None:
        change(order)
    return order


async def test_woocommerce_edge_lines(shop: tuple[Harness, ShopIntake]) -> None:
    h, intake = shop

    def negative(order: dict[str, Any]) -> None:
        order["line_items"][1].update(subtotal="-5.00", subtotal_tax="-0.95", total="-5.00", total_tax="-0.95")

    await refused_at(h, intake, "woo", "woocommerce", woocommerce_order(negative), "/line_items/1/total")

    draft = await booked(h, intake, "woo", "woocommerce", woocommerce_order())
    pen = draft.lines[1]
    assert (pen.sku, pen.unit_price and pen.unit_price.amount, pen.tax and pen.tax.percent) == ("PEN-1", D(5), D(19))
    assert [(d.amount.amount, d.tax and d.tax.percent) for d in draft.discounts] == [(D("5.00"), D(19))]
    assert draft.shipping_costs == ()  # free shipping: no position, no product needed
    assert draft.totals is not None and draft.totals.matches is True
    assert (draft.totals.gross, draft.totals.expected) == (D("11.90"), D("11.90"))


def shopify_order(change: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """A US Shopify order with Illinois tax: a bag, a mug a 100 % code made free (taxed after it: 0.00), free
    shipping."""
    address = {"first_name": "Ann", "last_name": "Lee", "name": "Ann Lee", "address1": "1 Main St"}
    address |= {"city": "Chicago", "zip": "60601", "province": "Illinois", "country_code": "US"}
    order: dict[str, Any] = {
        "id": 7302,
        "name": "#7302",
        "email": "ann@example.com",
        "currency": "USD",
        "financial_status": "paid",
        "taxes_included": False,
        "total_price": "21.25",
        "subtotal_price": "20.00",
        "total_tax": "1.25",
        "total_discounts": "8.00",
        "discount_codes": [{"code": "FREEMUG", "amount": "8.00", "type": "fixed_amount"}],
        "payment_gateway_names": ["shopify_payments"],
        "billing_address": address,
        "shipping_address": address,
        "line_items": [
            {
                "id": 11,
                "name": "Canvas bag",
                "sku": "BAG-1",
                "quantity": 1,
                "price": "20.00",
                "tax_lines": [{"title": "IL State Tax", "rate": 0.0625, "price": "1.25"}],
                "discount_allocations": [],
            },
            {
                "id": 12,
                "name": "Mug",
                "sku": "MUG-1",
                "quantity": 1,
                "price": "8.00",
                "tax_lines": [{"title": "IL State Tax", "rate": 0.0625, "price": "0.00"}],
                "discount_allocations": [{"amount": "8.00", "discount_application_index": 0}],
            },
        ],
        "shipping_lines": [{"id": 13, "title": "Free Shipping", "code": "Free Shipping", "price": "0.00"}],
    }
    if change is not None:
        change(order)
    return order


async def test_shopify_edge_lines(shop: tuple[Harness, ShopIntake]) -> None:
    h, intake = shop

    def negative(order: dict[str, Any]) -> None:
        order["line_items"][1]["price"] = "-8.00"

    await refused_at(h, intake, "shopify", "shopify", shopify_order(negative), "/line_items/1/price")

    draft = await booked(h, intake, "shopify", "shopify", shopify_order())
    mug = draft.lines[1]
    assert (mug.sku, mug.unit_price and mug.unit_price.amount) == ("MUG-1", D("8.00"))
    assert mug.tax is not None and mug.tax.percent == D("6.25")  # its rate, never 0 %
    assert [(d.amount.amount, d.tax and d.tax.percent) for d in draft.discounts] == [(D("8.00"), D("6.25"))]
    assert draft.shipping_costs == ()
    assert draft.totals is not None and draft.totals.matches is True
    assert (draft.totals.gross, draft.totals.expected) == (D("21.25"), D("21.25"))


def shopware_line(line_id: str, kind: str, label: str, unit: float, quantity: int, tax: float) -> dict[str, Any]:
    """A line item as the order entity has it: its calculated price with one calculated tax at 19 %."""
    total = round(unit * quantity, 2)
    price = {"unitPrice": unit, "quantity": quantity, "totalPrice": total}
    price |= {"calculatedTaxes": [{"tax": tax, "taxRate": 19.0, "price": total}]}
    price |= {"taxRules": [{"taxRate": 19.0, "percentage": 100.0}]}
    line = {"id": line_id, "type": kind, "label": label, "quantity": quantity, "unitPrice": unit, "totalPrice": total}
    payload = {"productNumber": f"SW-{line_id}"} if kind == "product" else {"code": label}
    return line | {"payload": payload, "price": price}


def shopware_order(change: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """A gross Shopware order at 19 %: a lamp, a free gift (0.00), a bulb a 100 % promotion made free, free
    shipping (a delivery whose shipping costs are 0.00)."""
    address = {"firstName": "Max", "lastName": "Muster", "street": "Hauptstr. 1", "zipcode": "10115"}
    address |= {"city": "Berlin", "country": {"iso": "DE"}}
    free = {"unitPrice": 0.0, "quantity": 1, "totalPrice": 0.0}
    free |= {"calculatedTaxes": [{"tax": 0.0, "taxRate": 19.0, "price": 0.0}], "taxRules": [{"taxRate": 19.0}]}
    order: dict[str, Any] = {
        "id": "sw7303",
        "orderNumber": "7303",
        "orderDateTime": "2026-11-30T10:00:00.000+00:00",
        "currency": {"isoCode": "EUR"},
        "taxStatus": "gross",
        "price": {"totalPrice": 59.9, "netPrice": 50.34, "taxStatus": "gross"}
        | {"calculatedTaxes": [{"tax": 9.56, "taxRate": 19.0, "price": 59.9}]},
        "amountTotal": 59.9,
        "amountNet": 50.34,
        "shippingCosts": free,
        "orderCustomer": {"email": "max@example.de", "firstName": "Max", "lastName": "Muster"},
        "billingAddress": address,
        "deliveries": [
            {"id": "d1", "shippingOrderAddress": address, "shippingCosts": free}
            | {"shippingMethod": {"name": "Free shipping", "technicalName": "free"}}
        ],
        "lineItems": [
            shopware_line("lamp", "product", "Lamp", 59.9, 1, 9.56),
            shopware_line("gift", "product", "Gift", 0.0, 1, 0.0),
            shopware_line("bulb", "product", "Bulb", 4.5, 2, 1.44),
            shopware_line("promo", "promotion", "FREEBULBS", -9.0, 1, -1.44),
        ],
        "transactions": [
            {"stateMachineState": {"technicalName": "paid"}, "paymentMethod": {"technicalName": "invoice"}}
        ],
        "stateMachineState": {"technicalName": "open"},
    }
    if change is not None:
        change(order)
    envelope = {"data": {"payload": {"order": order}, "event": "checkout.order.placed"}}
    return envelope | {"source": {"eventId": f"ev-{id(order)}"}, "timestamp": NOW}


async def test_shopware_edge_lines(shop: tuple[Harness, ShopIntake]) -> None:
    h, intake = shop

    def negative(order: dict[str, Any]) -> None:
        order["lineItems"][0] = shopware_line("lamp", "product", "Lamp", -59.9, 1, -9.56)

    where = "/data/payload/order/lineItems/0/totalPrice"
    await refused_at(h, intake, "sw", "shopware", shopware_order(negative), where)

    draft = await booked(h, intake, "sw", "shopware", shopware_order())
    gift, bulb = draft.lines[1], draft.lines[2]
    assert gift.unit_price is not None and gift.unit_price.amount == 0 and gift.tax is not None
    assert gift.tax.percent == D(19)  # a free item keeps its rate
    assert (bulb.quantity, bulb.unit_price and bulb.unit_price.amount, bulb.tax and bulb.tax.percent) == (
        D(2),
        D("4.5"),
        D(19),
    )
    assert [(d.amount.amount, d.tax and d.tax.percent) for d in draft.discounts] == [(D("9.0"), D(19))]
    assert draft.shipping_costs == ()
    assert draft.totals is not None and draft.totals.matches is True
    assert (draft.totals.gross, draft.totals.expected) == (D("59.9"), D("59.9"))


def test_the_orders_are_the_shops_own_sums() -> None:
    """The builders' totals are their lines' sums, as each shop adds them up (so the tests above cannot
    pass on a total typed to match our own)."""
    woo = woocommerce_order()
    assert D(woo["total"]) == sum(D(line["total"]) + D(line["total_tax"]) for line in woo["line_items"])
    shopify = shopify_order()
    lines = shopify["line_items"]
    tax = sum(D(t["price"]) for line in lines for t in line["tax_lines"])
    assert D(shopify["total_price"]) == sum(D(line["price"]) for line in lines) - D("8.00") + tax
    sw = copy.deepcopy(shopware_order()["data"]["payload"]["order"])
    assert D(str(sw["amountTotal"])) == sum(D(str(line["totalPrice"])) for line in sw["lineItems"])
