"""A shop's own order webhook, signed and posted as the shop sends it, ends as one released order in the sandbox.

The sandbox is seeded from a file (`--seed`), which adds the samples' SKUs and the shops' methods.
Every test reads what the sandbox holds afterwards: the order, its total, customer and addresses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.support.orders import customer_count, order_count, orders_with_reference
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import service_settings
from tests.support.shop_orders import payloads_dir
from unified_order_api.config import ApiClient, ShopSettings
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

SECRET = "test-secret"  # the secret SOURCES.md's known-answer signatures use
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"shop-refund-secret-0123456789abc").decode()
KEYS = {"woo": "woo-key-0123456789", "shopify": "shopify-key-0123456789", "shopware": "shopware-key-0123456789"}
PREFIXES = {"woo": "WOO-", "shopify": "SHOPIFY-", "shopware": "SW-"}
SHOPWARE_SHIPPING = "43fe06f14437458a94aceca821b0934c"  # the sample's shippingMethodId
SHOPWARE_PAYMENT = "28709c5abc4348c6aab62b4c1d64392f"  # the sample's paymentMethodId
SEED = {
    "products": [
        {"number": sku}
        for sku in (
            "Bar3",
            "93",  # WooCommerce's line without SKU, by product_id (the client's sku_fields)
            "IPOD2008GREEN",
            "IPOD2008RED",
            "IPOD2008BLACK",
            "IPOD2008PINK",
            "f3b92a7a618544308094cb4713b3ed84",
        )
    ],
    "shippingMethods": [
        {"id": "20", "module": "flat_rate", "type": "flat_rate", "designation": "Flat Rate", "project": None},
        {"id": "21", "module": "versand", "type": "free_shipping", "designation": "Free Shipping", "project": None},
        {"id": "22", "module": "versand", "type": "generic", "designation": "Generic Shipping", "project": None},
    ],
    "paymentMethods": [
        {"id": "20", "type": "bacs", "designation": "Direct Bank Transfer", "project": None},
        {"id": "21", "type": "bogus", "designation": "Bogus Gateway", "project": None},
        {"id": "22", "type": "visa", "designation": "Visa", "project": None},
    ],
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    seed_file = tmp_path_factory.mktemp("seed") / "shops-seed.json"
    seed_file.write_text(json.dumps(SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


@pytest.fixture
def sandbox(seeded: SandboxHandle) -> SandboxHandle:
    seeded.reset()
    return seeded


def shop_clients(secret: str = SECRET, **extra: Any) -> list[ApiClient]:
    shops = {
        "woo": ShopSettings(kind="woocommerce", secret=secret, sku_fields=["sku", "product_id"]),
        "shopify": ShopSettings(kind="shopify", secret=secret),
        "shopware": ShopSettings(kind="shopware", secret=secret),
    }
    return [
        ApiClient(name=name, api_key=KEYS[name], reference_prefix=PREFIXES[name], shop=shop, **extra)
        for name, shop in shops.items()
    ]


@pytest.fixture
def service(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[httpx.Client]:
    settings = service_settings(
        sandbox,
        tmp_path,
        clients=shop_clients(),
        defaults={"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"},
        shipping_map={SHOPWARE_SHIPPING: "1"},
        payment_map={SHOPWARE_PAYMENT: "2"},
    )
    with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


# -- the shops' side: bodies as they send them, signed as they sign them ---------------------------


def sample(name: str) -> bytes:
    return (payloads_dir() / name).read_bytes()


def signed(kind: str, body: bytes, secret: str = SECRET, **headers: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    name = {"woocommerce": "X-WC-Webhook-Signature", "shopify": "X-Shopify-Hmac-Sha256"}.get(kind)
    if name is None:
        return {"shopware-shop-signature": digest.hexdigest(), "Content-Type": "application/json", **headers}
    return {name: base64.b64encode(digest.digest()).decode(), "Content-Type": "application/json", **headers}


def encoded(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def shopify_rest_order() -> bytes:
    """The REST example's order as an orders/create webhook sends it: the bare order object."""
    return encoded(json.loads(sample("shopify-order.json"))["order"])


def shopify_webhook_as_real_order() -> bytes:
    """Shopify's webhook example is a test, cancelled, voided order; the same order placed for real."""
    order = json.loads(sample("shopify-orders-create-webhook.json"))
    order.update(test=False, cancelled_at=None, cancel_reason=None, financial_status="paid")
    return encoded(order)


def shopware_fresh() -> bytes:
    """Shopware's sample envelope, sent now (its signed timestamp is from 2023)."""
    envelope = json.loads(sample("shopware6-webhook-checkout-order-placed.json"))
    envelope["timestamp"] = int(time.time())
    return encoded(envelope)


# -- our side --------------------------------------------------------------------------------------


def finished(service: httpx.Client, client: str, reference: str) -> dict[str, Any]:
    """The order's state once the queue worker is done with it (waits for the state, not for a time)."""
    deadline = time.monotonic() + 60
    while True:
        answer = service.get(f"/api/orders/{reference}", headers={"X-API-Key": KEYS[client]})
        assert answer.status_code == 200, answer.text
        if answer.json()["state"] not in ("processing", "queued") or time.monotonic() > deadline:
            return dict(answer.json())
        time.sleep(0.05)


def xentral_total(sandbox: SandboxHandle, order_id: str) -> Decimal:
    """Xentral's own total, as its sales order list returns it."""
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers, timeout=5) as client:
        listed = client.get("/api/v1/salesOrders", params={"page[number]": "1", "page[size]": "50"}).json()
    [order] = [o for o in listed["data"] if o["id"] == order_id]
    return Decimal(str(order["total"]))


def place(address: dict[str, Any]) -> Place:
    return address["street"], address["zipCode"], address["city"], address["country"]


Place = tuple[str, str, str, str]
Case = tuple[str, str, Callable[[], bytes], dict[str, str], str, Decimal, tuple[str, str], Place, Place]
CASES: dict[str, Case] = {
    # id: client, endpoint, body, headers beyond the signature, reference, shop total, customer, billing, shipping
    "woocommerce": (
        "woo",
        "woocommerce",
        lambda: sample("woocommerce-order.json"),
        {"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-ID": "5", "X-WC-Webhook-Delivery-ID": "d1"},
        "727",
        Decimal("29.35"),
        ("john.doe@example.com", "John Doe"),
        ("969 Market", "94103", "San Francisco", "US"),
        ("969 Market", "94103", "San Francisco", "US"),
    ),
    "shopify": (
        "shopify",
        "shopify",
        shopify_rest_order,
        {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "b54557e4-1"},
        "1001",
        Decimal("598.94"),
        ("bob.norman@mail.example.com", "Bob Norman"),
        ("Chestnut Street 92", "40202", "Louisville", "US"),
        ("Chestnut Street 92", "40202", "Louisville", "US"),
    ),
    "shopify-webhook-example": (
        "shopify",
        "shopify",
        shopify_webhook_as_real_order,
        {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "b54557e4-2"},
        "9999",
        Decimal("388.00"),
        ("jon@example.com", "Shipping Company"),  # a company buyer: Xentral's customer is the company
        ("123 Shipping Street", "40003", "Shippington", "US"),
        ("123 Shipping Street", "40003", "Shippington", "US"),
    ),
    "shopware": (
        "shopware",
        "shopware",
        shopware_fresh,
        {"sw-version": "6.5.0.0"},
        "10077",
        Decimal("395.01"),
        ("test@example.com", "Max Mustermann"),
        ("Bahnhofstraße 27", "10332", "Berlin", "GP"),
        ("Ebbinghoff 10", "48624", "Schöppingen", "SR"),
    ),
}


def _native_order_and_lines(kind: str, body: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The shop's order object and its product lines, as its webhook carries them."""
    data = json.loads(body)
    if kind == "shopware":
        order = data["data"]["payload"]["order"]
        return order, [line for line in order["lineItems"] if line.get("type", "product") == "product"]
    return data, data["line_items"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_sample_becomes_one_released_order_with_the_shops_total(
    case: str, service: httpx.Client, sandbox: SandboxHandle
) -> None:
    client, kind, body_of, extra, reference, shop_total, buyer, billing, shipping = CASES[case]
    body = body_of()
    headers = signed(kind, body, **extra)
    customers = customer_count(sandbox)

    first = service.post(f"/api/shops/{client}/{kind}", content=body, headers=headers)

    assert first.status_code == 202, first.text
    assert first.json()["outcome"] == "accepted" and first.json()["reference"] == reference
    assert first.headers["Location"] == f"/api/orders/{reference}"
    state = finished(service, client, reference)
    assert state["state"] == "completed", state
    totals = state["order"]["totals"]  # the flow's own check: our total, the shop's and Xentral's agree
    assert (Decimal(totals["expected"]), totals["matches"], state["warnings"]) == (shop_total, True, [])
    [order] = orders_with_reference(sandbox, PREFIXES[client] + reference)
    theirs = xentral_total(sandbox, order["id"])
    print(f"\n{case:26} shop {shop_total:>8}  Xentral {theirs.quantize(Decimal('0.01')):>8}")
    assert theirs == shop_total
    assert order["status"] == "released"
    customer = sandbox.state.customers[order["customer"]["id"]]
    assert (customer["email"], customer["name"]) == buyer
    booked_billing = order["financials"]["billingAddress"]
    booked_shipping = order["delivery"]["shippingAddress"]
    assert (
        booked_billing["street"],
        booked_billing["zipCode"],
        booked_billing["city"],
        booked_billing["country"],
    ) == billing
    assert (
        booked_shipping["street"],
        booked_shipping["zipCode"],
        booked_shipping["city"],
        booked_shipping["country"],
    ) == shipping

    # The shop's own ids, for write-back to find the order and its lines again: its technical order id as
    # externalOrderId, each product line's id as that position's webId.
    native_order, native_lines = _native_order_and_lines(kind, body)
    assert order["externalOrderId"] == str(native_order["id"])
    assert [p["webId"] for p in order["positions"][: len(native_lines)]] == [str(line["id"]) for line in native_lines]

    # The shop delivers the same webhook again (its retry after a lost answer): nothing is created.
    again = service.post(f"/api/shops/{client}/{kind}", content=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] == "duplicate" and again.json()["order"]["state"] == "completed"
    assert len(orders_with_reference(sandbox, PREFIXES[client] + reference)) == 1
    assert customer_count(sandbox) == customers + 1


def nothing_stored(service: httpx.Client, sandbox: SandboxHandle, client: str, reference: str) -> None:
    assert order_count(sandbox) == 0
    assert service.get(f"/api/orders/{reference}", headers={"X-API-Key": KEYS[client]}).status_code == 404


@pytest.mark.parametrize(
    ("client", "kind", "body_of", "reference"),
    [
        ("woo", "woocommerce", lambda: sample("woocommerce-order.json"), "727"),
        ("shopify", "shopify", shopify_rest_order, "1001"),
        ("shopware", "shopware", shopware_fresh, "10077"),
    ],
)
def test_a_wrong_or_missing_signature_is_401_and_nothing_is_stored(
    client: str, kind: str, body_of: Any, reference: str, service: httpx.Client, sandbox: SandboxHandle
) -> None:
    body = body_of()
    wrong_secret = signed(kind, body, secret="not-the-secret")
    tampered = signed(kind, body)
    unsigned = {"Content-Type": "application/json"}
    for headers, content in ((wrong_secret, body), (tampered, body + b"\n"), (unsigned, body)):
        answer = service.post(f"/api/shops/{client}/{kind}", content=content, headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "signature_invalid"
        assert SECRET not in answer.text
    time.sleep(0.2)  # give a wrongly queued order the worker's poll interval to show up
    nothing_stored(service, sandbox, client, reference)


def test_a_stale_shopware_webhook_is_refused(service: httpx.Client, sandbox: SandboxHandle) -> None:
    """The sample exactly as stored, with its correct signature (SOURCES.md), but signed in 2023: a replay."""
    body = sample("shopware6-webhook-checkout-order-placed.json")
    signature = "fe4c840eb2135487a2d14105cc35baba5d78168ba105e600bfd57f947df99dd9"
    answer = service.post(
        "/api/shops/shopware/shopware",
        content=body,
        headers={"shopware-shop-signature": signature, "Content-Type": "application/json"},
    )
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "webhook_stale"
    nothing_stored(service, sandbox, "shopware", "10077")


def test_shopifys_webhook_example_as_sent_is_a_test_order_and_creates_nothing(
    service: httpx.Client, sandbox: SandboxHandle
) -> None:
    body = sample("shopify-orders-create-webhook.json")  # the exact bytes: SOURCES.md's signature holds
    headers = {
        "X-Shopify-Hmac-Sha256": "8e8Py35a/RL81j4ceyHYaLJLWFT74RJKmI0WYgiRLOw=",
        "X-Shopify-Webhook-Id": "t1",
        "Content-Type": "application/json",
    }
    answer = service.post("/api/shops/shopify/shopify", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"outcome": "ignored", "reason": "Shopify test order: not imported"}
    nothing_stored(service, sandbox, "shopify", "9999")


def test_cancelled_and_not_yet_processing_orders_create_nothing(service: httpx.Client, sandbox: SandboxHandle) -> None:
    order = json.loads(shopify_webhook_as_real_order())
    order["cancelled_at"] = "2021-12-31T19:00:00-05:00"
    cancelled = service.post(
        "/api/shops/shopify/shopify", content=encoded(order), headers=signed("shopify", encoded(order))
    )
    assert cancelled.status_code == 200 and cancelled.json()["outcome"] == "ignored"
    assert "cancelled" in cancelled.json()["reason"]
    woo = json.loads(sample("woocommerce-order.json"))
    woo["status"] = "pending"
    pending = service.post(
        "/api/shops/woo/woocommerce", content=encoded(woo), headers=signed("woocommerce", encoded(woo))
    )
    assert pending.status_code == 200
    assert pending.json()["reason"] == "WooCommerce status 'pending' is not imported (imported: processing)"
    nothing_stored(service, sandbox, "woo", "727")


def test_woocommerces_unsigned_ping_is_answered_200(service: httpx.Client, sandbox: SandboxHandle) -> None:
    """WooCommerce saves a webhook only when this form-encoded, unsigned ping gets a 2xx."""
    answer = service.post(
        "/api/shops/woo/woocommerce",
        content=b"webhook_id=5",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "ignored" and "ping" in answer.json()["reason"]
    # Form bodies are for that ping on that path only.
    other = service.post(
        "/api/shops/shopify/shopify",
        content=b"webhook_id=5",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert other.status_code == 415
    forged = service.post(
        "/api/shops/woo/woocommerce",
        content=b"status=processing",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert forged.status_code == 401
    nothing_stored(service, sandbox, "woo", "727")


def test_an_update_of_an_order_we_have_creates_nothing(service: httpx.Client, sandbox: SandboxHandle) -> None:
    body = sample("woocommerce-order.json")
    assert (
        service.post("/api/shops/woo/woocommerce", content=body, headers=signed("woocommerce", body)).status_code == 202
    )
    assert finished(service, "woo", "727")["state"] == "completed"
    order = json.loads(body)
    order["customer_note"] = "Please ring twice"
    order["date_modified"] = "2017-03-23T10:00:00"
    update = encoded(order)
    headers = signed("woocommerce", update, **{"X-WC-Webhook-Topic": "order.updated"})
    answer = service.post("/api/shops/woo/woocommerce", content=update, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "duplicate"
    assert answer.json()["reason"] == "Order '727' was received before; later changes to it are not imported"
    assert answer.json()["order"]["state"] == "completed"
    assert order_count(sandbox) == 1


def test_a_retried_delivery_is_recognised_by_the_shops_delivery_id(
    service: httpx.Client, sandbox: SandboxHandle
) -> None:
    body = shopify_rest_order()
    headers = signed("shopify", body, **{"X-Shopify-Webhook-Id": "retry-me"})
    assert service.post("/api/shops/shopify/shopify", content=body, headers=headers).status_code == 202
    again = service.post("/api/shops/shopify/shopify", content=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["reason"] == "Delivery 'retry-me' was answered before"
    assert finished(service, "shopify", "1001")["state"] == "completed"
    assert order_count(sandbox) == 1


def test_events_that_are_not_orders_are_answered_200(service: httpx.Client, sandbox: SandboxHandle) -> None:
    body = encoded({"id": 727})
    headers = signed("woocommerce", body, **{"X-WC-Webhook-Topic": "order.deleted"})
    answer = service.post("/api/shops/woo/woocommerce", content=body, headers=headers)
    assert (answer.status_code, answer.json()["reason"]) == (200, "Topic 'order.deleted' creates no order")
    envelope = encoded({"data": {"payload": {}, "event": "product.written"}, "timestamp": int(time.time())})
    answer = service.post("/api/shops/shopware/shopware", content=envelope, headers=signed("shopware", envelope))
    assert (answer.status_code, answer.json()["outcome"]) == (200, "ignored")
    assert order_count(sandbox) == 0


def test_a_bad_native_order_is_422_pointing_into_the_shops_json(service: httpx.Client, sandbox: SandboxHandle) -> None:
    order = json.loads(sample("woocommerce-order.json"))
    order["line_items"][1].update(sku="", product_id=0)  # no SKU, not even the product id the client allows
    order["billing"]["country"] = "USA"
    body = encoded(order)
    answer = service.post("/api/shops/woo/woocommerce", content=body, headers=signed("woocommerce", body))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/line_items/1/sku"]
    order["line_items"][1]["sku"] = "Bar3"
    body = encoded(order)
    answer = service.post("/api/shops/woo/woocommerce", content=body, headers=signed("woocommerce", body))
    assert answer.status_code == 422, answer.text
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/billing/country"]
    nothing_stored(service, sandbox, "woo", "727")


def test_only_a_connected_shop_has_an_address(service: httpx.Client) -> None:
    body = sample("woocommerce-order.json")
    for path in ("/api/shops/nobody/woocommerce", "/api/shops/woo/shopify"):
        answer = service.post(path, content=body, headers=signed("woocommerce", body))
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    unknown_kind = service.post("/api/shops/woo/magento", content=body, headers=signed("woocommerce", body))
    assert unknown_kind.status_code == 422 and unknown_kind.json()["errors"][0]["pointer"] == "/kind"


@pytest.mark.parametrize(
    ("client", "kind", "document"),
    [
        ("woo", "woocommerce", {"status": "processing", "line_items": [{"quantity": "NaN", "sku": "Bar3"}]}),
        ("woo", "woocommerce", {"status": "processing", "billing": [], "line_items": {"0": 1}, "total": {}}),
        ("shopify", "shopify", {"billing_address": "Main Street", "line_items": [{"sku": "X", "price": []}]}),
        (
            "shopware",
            "shopware",
            {
                "data": {
                    "payload": {
                        "order": {"stateMachineState": {"technicalName": "open"}, "currency": "EUR", "lineItems": [1]}
                    }
                }
            },
        ),
    ],
)
def test_signed_bodies_of_an_odd_shape_are_422_not_500(
    client: str, kind: str, document: dict[str, Any], service: httpx.Client, sandbox: SandboxHandle
) -> None:
    if kind == "shopware":
        document["timestamp"] = int(time.time())
    body = encoded(document)
    answer = service.post(f"/api/shops/{client}/{kind}", content=body, headers=signed(kind, body))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert order_count(sandbox) == 0


def test_metrics_count_shop_webhooks_by_answer(service: httpx.Client) -> None:
    body = shopify_rest_order()
    service.post("/api/shops/shopify/shopify", content=body, headers=signed("shopify", body, secret="wrong"))
    service.post("/api/shops/shopify/shopify", content=body, headers=signed("shopify", body))
    service.post("/api/shops/shopify/shopify", content=body, headers=signed("shopify", body))
    ping = {"Content-Type": "application/x-www-form-urlencoded"}
    service.post("/api/shops/woo/woocommerce", content=b"webhook_id=5", headers=ping)
    exported = service.get("/metrics").text
    for shop, outcome in (
        ("shopify", "signature_invalid"),
        ("shopify", "accepted"),
        ("shopify", "duplicate"),
        ("woocommerce", "ignored"),
    ):
        assert f'shop_webhooks_total{{outcome="{outcome}",shop="{shop}"}} 1.0' in exported, outcome


def test_a_refund_after_the_import_is_on_the_order_once_and_xentral_is_not_touched(
    service: httpx.Client, sandbox: SandboxHandle
) -> None:
    body = sample("woocommerce-order.json")
    assert (
        service.post("/api/shops/woo/woocommerce", content=body, headers=signed("woocommerce", body)).status_code == 202
    )
    assert finished(service, "woo", "727")["state"] == "completed"
    order = json.loads(body)
    order["refunds"] = [{"id": 731, "reason": "Wrong size", "total": "-5.00"}]
    update = encoded(order)
    topic = {"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-ID": "5", "X-WC-Webhook-Delivery-ID": "r1"}
    answer = service.post("/api/shops/woo/woocommerce", content=update, headers=signed("woocommerce", update, **topic))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["outcome"], answer.json()["reason"]) == (
        "refunded",
        "Refund 731 of 5.00 USD recorded on order '727'",
    )
    topic["X-WC-Webhook-Delivery-ID"] = "r2"  # a later update listing the same refund
    again = service.post("/api/shops/woo/woocommerce", content=update, headers=signed("woocommerce", update, **topic))
    assert again.json()["outcome"] == "duplicate"
    shown = finished(service, "woo", "727")
    assert shown["refunded_total"] == "5.00"
    [refund] = shown["refunds"]
    assert (refund["refund_id"], refund["amount"], refund["reason"], refund["source"]) == (
        "731",
        "5.00",
        "Wrong size",
        "woocommerce",
    )
    assert order_count(sandbox) == 1  # no second order, no credit note: Xentral holds what it held


def test_shopify_and_shopware_refunds_reach_the_order_its_status_and_the_client(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """Shopify's `refunds/create` (the REST Refund resource) and Shopware's transaction entering
    `refunded` (an app webhook of `state_enter.order_transaction.state.refunded`), signed as the shops
    sign them, after each order was imported: each is one refund on its order in
    `GET /api/orders/{reference}`, one `order.refunded` to the client's webhook, and Xentral holds
    the two orders it held (no credit note)."""
    receiver = Receiver()
    try:
        clients = shop_clients(webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET)
        settings = service_settings(
            sandbox,
            tmp_path,
            clients=clients,
            defaults={"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"},
            shipping_map={SHOPWARE_SHIPPING: "1"},
            payment_map={SHOPWARE_PAYMENT: "2"},
            webhooks={"run_in_service": True, "allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
        )
        with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as service:
            order = shopify_webhook_as_real_order()
            created = {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "e2e-1"}
            sent = service.post(
                "/api/shops/shopify/shopify", content=order, headers=signed("shopify", order, **created)
            )
            assert sent.status_code == 202, sent.text
            placed = shopware_fresh()
            sent = service.post("/api/shops/shopware/shopware", content=placed, headers=signed("shopware", placed))
            assert sent.status_code == 202, sent.text
            assert finished(service, "shopify", "9999")["state"] == "completed"
            assert finished(service, "shopware", "10077")["state"] == "completed"

            refund = encoded(shopify_refund_of(json.loads(order)))
            topic = {"X-Shopify-Topic": "refunds/create", "X-Shopify-Webhook-Id": "e2e-2"}
            answer = service.post(
                "/api/shops/shopify/shopify", content=refund, headers=signed("shopify", refund, **topic)
            )
            assert (answer.status_code, answer.json()["outcome"]) == (200, "refunded"), answer.text
            moved = json.loads(placed)
            moved["data"]["event"] = "state_enter.order_transaction.state.refunded"
            moved["data"]["payload"]["order"]["transactions"][-1]["stateMachineState"] = {"technicalName": "refunded"}
            moved["source"] = {**moved.get("source", {}), "eventId": "e2e-refunded"}
            state = encoded(moved)
            answer = service.post("/api/shops/shopware/shopware", content=state, headers=signed("shopware", state))
            assert (answer.status_code, answer.json()["outcome"]) == (200, "refunded"), answer.text

            shopify_status, shopware_status = (
                finished(service, "shopify", "9999"),
                finished(service, "shopware", "10077"),
            )
            told = [
                Webhook(WEBHOOK_SECRET).verify(r.body, r.headers)
                for r in receiver.wait_for(4)  # order.created twice, order.refunded twice
            ]
    finally:
        receiver.stop()
    [sfy] = shopify_status["refunds"]
    assert (shopify_status["refunded_total"], sfy["amount"], sfy["reason"], sfy["source"]) == (
        "202.98",
        "202.98",
        "Damaged in transit",
        "shopify",
    )
    assert [line["sku"] for line in sfy["lines"]] == [json.loads(order)["line_items"][0]["sku"]]
    [sw] = shopware_status["refunds"]
    assert (shopware_status["refunded_total"], sw["amount"], sw["source"]) == ("395.01", "395.01", "shopware")
    refunded = sorted(
        (message["data"]["reference"], message["data"]["refunded_total"])
        for message in told
        if message["type"] == "order.refunded"
    )
    assert refunded == [("10077", "395.01"), ("9999", "202.98")]
    assert order_count(sandbox) == 2


def shopify_refund_of(order: dict[str, Any]) -> dict[str, Any]:
    """A Refund resource (Shopify REST Admin API, "Refund") as `refunds/create` delivers it: one unit of the
    first line given back with its tax, the money in one successful `refund` transaction."""
    line = order["line_items"][0]
    return {
        "id": 929361464,
        "order_id": order["id"],
        "created_at": "2026-12-01T10:15:00-05:00",
        "note": "Damaged in transit",
        "restock": False,
        "refund_line_items": [
            {
                "id": 104689539,
                "quantity": 1,
                "line_item_id": line["id"],
                "subtotal": 199.0,
                "total_tax": 3.98,
                "line_item": {"id": line["id"], "sku": line["sku"], "title": line["title"], "quantity": 1},
            }
        ],
        "transactions": [
            {"id": 1068278533, "order_id": order["id"], "kind": "refund", "status": "success", "amount": "202.98"}
        ],
        "order_adjustments": [],
    }
