"""The lifecycle end to end: an order through `POST /api/orders` and one through a signed WooCommerce webhook,
moved through their life in the sandbox, and what the clients' receiver got (verified with `standardwebhooks`).

Shared by the webhook (`test_events_end_to_end`) and the polling-only (`test_polling`) tests, so both prove
the same thing: each order shows its tracking number and each client receives exactly one `order.shipped`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook

from tests.support.orders import order_body
from tests.support.receiver import Receiver
from tests.support.service import API_KEY, service_settings
from tests.support.shop_orders import payloads_dir
from unified_order_api.config import ApiClient, Settings, ShopSettings
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

SECRET = "whsec_" + base64.b64encode(b"lifecycle-secret-0123456789abcde").decode()  # the clients' webhooks
WOO_SECRET = "woo-shop-secret"  # what WooCommerce signs its webhooks with
WOO_KEY = "woo-key-0123456789"
# The WooCommerce sample's products (one line by SKU, one by product_id) and its shop's methods.
WOO_SEED = {
    "products": [{"number": "Bar3"}, {"number": "93"}],
    "shippingMethods": [
        {"id": "20", "module": "flat_rate", "type": "flat_rate", "designation": "Flat Rate", "project": None}
    ],
    "paymentMethods": [{"id": "20", "type": "bacs", "designation": "Direct Bank Transfer", "project": None}],
}


@dataclass(frozen=True)
class PlacedOrder:
    """One order the service made: for which client (its API key), our reference, Xentral's id."""

    client: str
    api_key: str
    reference: str
    order_id: str


def seeded_sandbox(directory: Path) -> Iterator[SandboxHandle]:
    """A sandbox of its own (for a module) that also knows the WooCommerce sample's products and methods."""
    seed_file = directory / "woo-seed.json"
    seed_file.write_text(json.dumps(WOO_SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


def lifecycle_settings(sandbox: SandboxHandle, tmp_path: Path, receiver: Receiver, **overrides: Any) -> Settings:
    """An API client and a WooCommerce shop, both receiving their lifecycle webhooks at `receiver`."""
    hooks = {"webhook_url": receiver.url, "webhook_secret": SECRET}
    clients = [
        ApiClient(name="shop", api_key=API_KEY, reference_prefix="API-", **hooks),
        ApiClient(
            name="woo",
            api_key=WOO_KEY,
            reference_prefix="WOO-",
            shop=ShopSettings(kind="woocommerce", secret=WOO_SECRET, sku_fields=["sku", "product_id"]),
            **hooks,
        ),
    ]
    values: dict[str, Any] = {
        "clients": clients,
        "defaults": {"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"},
        "webhooks": {
            "run_in_service": True,
            "allow_private_targets": ["loopback"],
            "poll_interval_seconds": 0.05,
            "timeout_seconds": 2.0,
            "claim_seconds": 30.0,
        },
    }
    values.update(overrides)
    return service_settings(sandbox, tmp_path, **values)


def _finished(http: httpx.Client, api_key: str, reference: str) -> dict[str, Any]:
    """The order's state once the service is done with it (a bound on waiting, not a measured time)."""
    deadline = time.monotonic() + 60
    while True:
        answer = http.get(f"/api/orders/{reference}", headers={"Authorization": f"Bearer {api_key}"})
        if answer.status_code == 200 and answer.json()["state"] not in ("processing", "queued"):
            return dict(answer.json())
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.05)


def place_orders(service_url: str) -> list[PlacedOrder]:
    """One order through `POST /api/orders`, one through WooCommerce's signed `order.created` webhook."""
    woo = (payloads_dir() / "woocommerce-order.json").read_bytes()
    signature = base64.b64encode(hmac.new(WOO_SECRET.encode(), woo, hashlib.sha256).digest()).decode()
    woo_headers = {
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-ID": "5",
        "X-WC-Webhook-Delivery-ID": "d1",
        "Content-Type": "application/json",
    }
    body = order_body()
    with httpx.Client(base_url=service_url, timeout=30) as http:
        created = http.post("/api/orders", json=body, headers={"Authorization": f"Bearer {API_KEY}"})
        assert created.status_code == 201, created.text
        hooked = http.post("/api/shops/woo/woocommerce", content=woo, headers=woo_headers)
        assert hooked.status_code == 202, hooked.text
        shop_order = _finished(http, WOO_KEY, "727")
    assert shop_order["state"] == "completed", shop_order
    return [
        PlacedOrder("shop", API_KEY, body["reference"], str(created.json()["order_id"])),
        PlacedOrder("woo", WOO_KEY, "727", str(shop_order["order"]["order_id"])),
    ]


def move(sandbox: SandboxHandle, order_id: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """`POST /_sandbox/salesOrders/{id}/{action}`, as a warehouse moves the order in Xentral."""
    answer = httpx.post(
        f"{sandbox.base_url}/_sandbox/salesOrders/{order_id}/{action}",
        json=body or {},
        headers=sandbox.admin_headers,
        timeout=10,
    )
    assert answer.status_code in (200, 201, 204), answer.text
    return dict(answer.json()) if answer.content else {}


def dispatch_and_ship(sandbox: SandboxHandle, order: PlacedOrder, tracking: str) -> str:
    """Dispatch the order, then ship all of it in one parcel; the shipment's id."""
    move(sandbox, order.order_id, "dispatch")
    shipped = move(
        sandbox,
        order.order_id,
        "ship",
        {"trackingNumber": tracking, "carrier": "DHL", "trackingUrl": f"https://t.example/{tracking}"},
    )
    return str(shipped["shipmentId"])


def shipped_events(receiver: Receiver) -> dict[str, list[dict[str, Any]]]:
    """Every `order.shipped` the clients received, by reference; each verified (raises unless signed by us)."""
    verifier = Webhook(SECRET)
    found: dict[str, list[dict[str, Any]]] = {}
    for request in list(receiver.requests):
        payload = verifier.verify(request.body, request.headers)
        if payload["type"] == "order.shipped":
            found.setdefault(payload["data"]["reference"], []).append(payload)
    return found


def lifecycle_of(service_url: str, order: PlacedOrder) -> dict[str, Any]:
    """The order's `lifecycle` as `GET /api/orders/{reference}` shows it ({} while it has none)."""
    answer = httpx.get(
        f"{service_url}/api/orders/{order.reference}",
        headers={"Authorization": f"Bearer {order.api_key}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json().get("lifecycle") or {})


def tracking_numbers(service_url: str, order: PlacedOrder) -> list[str]:
    """The tracking numbers `GET /api/orders/{reference}` shows for the order's shipments."""
    return [shipment["tracking_number"] for shipment in lifecycle_of(service_url, order).get("shipments", [])]


def wait_until_shown(service_url: str, expected: dict[PlacedOrder, str], seconds: float) -> None:
    """Until every order shows its tracking number (`seconds`: a bound on waiting, not a measured time)."""
    deadline = time.monotonic() + seconds
    while True:
        shown = {order.reference: tracking_numbers(service_url, order) for order in expected}
        if all(shown[order.reference] == [number] for order, number in expected.items()):
            return
        assert time.monotonic() < deadline, f"after {seconds} s: {shown}"
        time.sleep(0.1)
