"""The shop write-back end to end: a shop's signed webhook creates the order, the sandbox ships it, the fake shop
(`tests/support/shop_apis/`, each written from its shop's documentation) shows the tracking and status.

One `ShopCase` per shop: how its webhook is signed and sent, the order the fake shop holds for it, the write
that shows the tracking (for faults to aim at), and what the shop shows afterwards (tracking numbers, the
buyer's e-mails). Shared by the in-process tests (`test_end_to_end`) and the killed-process test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from tests.support.shop_apis.faults import Faults
from tests.support.shop_apis.shopify import FakeShopify
from tests.support.shop_apis.shopware import FakeShopware
from tests.support.shop_apis.woocommerce import FakeWooCommerce
from tests.support.shop_orders import payloads_dir

SHOP_SECRET = "write-back-webhook-secret"
WOO_KEY, WOO_SECRET = "ck_e2e_write_back_key", "cs_e2e_write_back_secret"
# A Dev Dashboard app (how Shopify apps are made since 2026): its tokens come from the client credentials grant.
SHOPIFY_CLIENT = ("e2e0write0back0client0id", "shpss_e2e_write_back_client_secret")
SW_ID, SW_SECRET = "SWIAE2EWRITEBACK", "sw-e2e-write-back-secret"
SECRETS = (SHOP_SECRET, WOO_KEY, WOO_SECRET, *SHOPIFY_CLIENT, SW_ID, SW_SECRET)
SHOPWARE_SHIPPING = "43fe06f14437458a94aceca821b0934c"  # the sample's shippingMethodId
SHOPWARE_PAYMENT = "28709c5abc4348c6aab62b4c1d64392f"  # the sample's paymentMethodId
SEED = {
    "products": [{"number": sku} for sku in ("Bar3", "93", "IPOD2008PINK", "f3b92a7a618544308094cb4713b3ed84")],
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


def _sample(name: str) -> Any:
    return json.loads((payloads_dir() / name).read_text("utf-8"))


def _encoded(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _b64(body: bytes) -> str:
    return base64.b64encode(hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class ShopCase:
    """One shop, end to end."""

    kind: str
    client: str  # its client's name (and the shop URL's)
    api: dict[str, Any]  # the client's shop.api, to the fake at `base_url`
    fake: Any
    body: bytes
    headers: dict[str, str]
    write: tuple[str, str, str]  # (method, path part, body part) of the write that shows the tracking
    throttle: Callable[[], None]  # make the shop's next read a 429 (or Shopify's THROTTLED), Retry-After 1 s
    shown: Callable[[], list[str]]  # the tracking numbers the shop shows
    emails: Callable[[], int]  # the buyer's shipping e-mails the shop sent (Shopware: none modelled)
    status: Callable[[], str | None]  # the order's (or delivery's) status in the shop
    cancelled: Callable[[], bool]  # the order is cancelled in the shop
    merchant_notes: Callable[[], str]  # what the merchant reads on the order (notes not for the buyer)
    cancel_write: tuple[str, str, str]  # (method, path part, body part) of the write that cancels the order
    fake_order_id: str = ""  # the order's id in the shop

    def writes(self, write: tuple[str, str, str] | None = None) -> int:
        """How often the shop was asked to make `write` (default: the one that shows the tracking), answered or not."""
        method, path, body_part = write or self.write
        return sum(1 for call in self.faults.calls_to(method, path) if body_part in json.dumps(call.body))

    @property
    def faults(self) -> Faults:
        faults: Faults = self.fake.faults
        return faults

    def shop_settings(self, base_url: str, **extra: Any) -> dict[str, Any]:
        api = {key: (base_url if value == "{base}" else value) for key, value in self.api.items()}
        shop: dict[str, Any] = {"kind": self.kind, "secret": SHOP_SECRET, "api": api, **extra}
        if self.kind == "woocommerce":
            shop["sku_fields"] = ["sku", "product_id"]
        return shop


def woocommerce_case() -> ShopCase:
    fake = FakeWooCommerce(WOO_KEY, WOO_SECRET)
    order = _sample("woocommerce-order.json")
    fake.add_order(int(order["id"]))
    body = _encoded(order)
    headers = {
        "X-WC-Webhook-Signature": _b64(body),
        "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-ID": "5",
        "X-WC-Webhook-Delivery-ID": "wb-1",
        "Content-Type": "application/json",
    }
    order_id = int(order["id"])
    return ShopCase(
        kind="woocommerce",
        client="woo",
        api={"url": "{base}", "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET},
        fake=fake,
        body=body,
        headers=headers,
        write=("POST", f"/orders/{order_id}/notes", ""),
        throttle=lambda: fake.faults.refuse("GET", f"/orders/{order_id}/notes", 429, retry_after="1"),
        shown=lambda: [
            word.rstrip(".")
            for note in fake.customer_notes(order_id)
            for word in note.split()
            if word.startswith("E2E")
        ],
        emails=lambda: len(fake.emails),
        status=lambda: str(fake.orders[order_id]["status"]),
        cancelled=lambda: fake.orders[order_id]["status"] == "cancelled",
        merchant_notes=lambda: "\n".join(n["note"] for n in fake.notes[order_id] if not n["customer_note"]),
        cancel_write=("PUT", f"/orders/{order_id}", "cancelled"),
    )


def _drain(fake: FakeShopify) -> None:
    """Other apps used the shop's whole bucket, and it refills slowly (5 points a second)."""
    fake.restore_rate = 5
    fake.drain(fake.maximum)


def _cancelled_after_its_job(fake: FakeShopify, gid: str) -> bool:
    """Shopify cancels in a background job: a moment later, when the merchant looks, it has run."""
    fake.settle_jobs()
    return bool(fake.orders[gid]["cancelledAt"])


def shopify_case() -> ShopCase:
    fake = FakeShopify(None, client=SHOPIFY_CLIENT)
    order = _sample("shopify-orders-create-webhook.json")
    order.update(test=False, cancelled_at=None, cancel_reason=None, financial_status="paid")
    fake.add_order(
        int(order["id"]), [(int(line["id"]), line["sku"], int(line["quantity"])) for line in order["line_items"]]
    )
    gid = f"gid://shopify/Order/{order['id']}"
    body = _encoded(order)
    headers = {
        "X-Shopify-Hmac-Sha256": _b64(body),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": "wb-1",
        "Content-Type": "application/json",
    }
    return ShopCase(
        kind="shopify",
        client="shopify",
        api={
            "shop_domain": "{base}",
            "client_id": SHOPIFY_CLIENT[0],
            "client_secret": SHOPIFY_CLIENT[1],
            "api_version": "2026-10",
        },
        fake=fake,
        body=body,
        headers=headers,
        write=("POST", "/graphql.json", "fulfillmentCreate"),
        throttle=partial(_drain, fake),
        shown=lambda: [
            str(info["number"])
            for f in fake.orders[gid]["fulfillments"]
            for info in f["trackingInfo"]
            if info["number"]
        ],
        emails=lambda: len(fake.emails),
        status=lambda: str(fake.orders[gid]["fulfillmentOrders"][0]["status"]),
        cancelled=partial(_cancelled_after_its_job, fake, gid),
        merchant_notes=lambda: "\n".join(
            str(text) for text in (fake.orders[gid]["note"], fake.orders[gid].get("staffNote")) if text
        ),
        cancel_write=("POST", "/graphql.json", "orderCancel"),
        fake_order_id=str(order["id"]),
    )


def shopware_case() -> ShopCase:
    fake = FakeShopware(SW_ID, SW_SECRET)
    envelope = _sample("shopware6-webhook-checkout-order-placed.json")
    envelope["timestamp"] = int(time.time())
    order = envelope["data"]["payload"]["order"]
    delivery_id = order["deliveries"][0]["id"]
    fake.add_order(order["id"], delivery_id)
    body = _encoded(envelope)
    headers = {
        "shopware-shop-signature": hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }
    return ShopCase(
        kind="shopware",
        client="shopware",
        api={"url": "{base}", "client_id": SW_ID, "client_secret": SW_SECRET},
        fake=fake,
        body=body,
        headers=headers,
        write=("PATCH", f"/order-delivery/{delivery_id}", ""),
        throttle=lambda: fake.faults.refuse("POST", "/search/order-delivery", 429, retry_after="1"),
        shown=lambda: [str(code) for code in fake.deliveries[delivery_id]["trackingCodes"]],
        emails=lambda: 0,
        status=lambda: str(fake.deliveries[delivery_id]["stateMachineState"]["technicalName"]),
        cancelled=lambda: fake.orders[order["id"]]["stateMachineState"]["technicalName"] == "cancelled",
        merchant_notes=lambda: str((fake.orders[order["id"]]["customFields"] or {}).get("uoa_note") or ""),
        cancel_write=("POST", f"/_action/order/{order['id']}/state/cancel", ""),
    )


CASES: dict[str, Callable[[], ShopCase]] = {
    "woocommerce": woocommerce_case,
    "shopify": shopify_case,
    "shopware": shopware_case,
}


def client_config(case: ShopCase, base_url: str, **shop: Any) -> dict[str, Any]:
    """The client of `case` as `UOA_CLIENTS` holds it."""
    return {
        "name": case.client,
        "api_key": f"{case.client}-key-0123456789",
        "reference_prefix": "WB-",
        "shop": case.shop_settings(base_url, **shop),
    }


def service_values(**overrides: Any) -> dict[str, Any]:
    """What the service needs beyond its clients: the sample's methods, fast polls, a quick retry."""
    values: dict[str, Any] = {
        "defaults": {"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"},
        "shipping_map": {SHOPWARE_SHIPPING: "1", "dhl_standard": "1"},
        "payment_map": {SHOPWARE_PAYMENT: "2", "paypal": "2"},
        "tracking": {"poll_seconds": 0.3, "lease_seconds": 2.0},
        "write_back": {"poll_seconds": 0.1, "backoff_seconds": 0.3, "lease_seconds": 2.0, "timeout_seconds": 5.0},
    }
    values.update(overrides)
    return values


def place(service_url: str, case: ShopCase) -> tuple[str, str]:
    """The shop's webhook, signed and posted; (our reference, Xentral's order id) once the order is made."""
    with httpx.Client(base_url=service_url, timeout=30) as http:
        answer = http.post(f"/api/shops/{case.client}/{case.kind}", content=case.body, headers=case.headers)
        assert answer.status_code == 202, answer.text
        reference = str(answer.json()["reference"])
        deadline = time.monotonic() + 60
        while True:
            found = http.get(
                f"/api/orders/{reference}", headers={"Authorization": f"Bearer {case.client}-key-0123456789"}
            )
            if found.status_code == 200 and found.json()["state"] == "completed":
                return reference, str(found.json()["order"]["order_id"])
            assert found.status_code == 200 and found.json()["state"] in ("processing", "queued"), found.text
            assert time.monotonic() < deadline, found.text
            time.sleep(0.05)


def wait_shown(case: ShopCase, expected: list[str], seconds: float = 60) -> None:
    """Until the shop shows `expected` (a bound on waiting, not a measured time)."""
    deadline = time.monotonic() + seconds
    while case.shown() != expected:
        assert time.monotonic() < deadline, f"after {seconds} s the shop shows {case.shown()}, not {expected}"
        time.sleep(0.05)
