"""The inbox: refused and ignored requests to the order and shop endpoints are recorded at the edge, shown in the
console with their reason and pointers, and a refused shop arrival is replayed once the configuration is fixed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from tests.support.shop_orders import payloads_dir
from unified_order_api.config import ApiClient, Settings, ShopSettings
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

from .conftest import ADMIN_KEY, form_value, sign_in

SHOP_SECRET = "woo-secret-0123456789"
SEED = {
    "products": [{"number": "93"}, {"number": "Bar3"}],
    "shippingMethods": [
        {"id": "20", "module": "flat_rate", "type": "flat_rate", "designation": "Flat Rate", "project": None}
    ],
    "paymentMethods": [{"id": "20", "type": "bacs", "designation": "Direct Bank Transfer", "project": None}],
}


@pytest.fixture(scope="module")
def shop_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    seed_file = tmp_path_factory.mktemp("seed") / "seed.json"
    seed_file.write_text(json.dumps(SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


def woo_settings(sandbox: SandboxHandle, tmp_path: Path, sku_fields: list[str] | None, **overrides: Any) -> Settings:
    shop = ShopSettings(kind="woocommerce", secret=SHOP_SECRET, sku_fields=sku_fields)
    values: dict[str, Any] = {
        "clients": [
            ApiClient(name="shop", api_key=API_KEY, reference_prefix="WEB-"),
            ApiClient(name="woo", api_key="woo-key-0123456789", reference_prefix="WOO-", shop=shop),
        ],
        "admin_api_key": ADMIN_KEY,
        "defaults": {"shipping_cost_product_id": "453"},
    }
    values.update(overrides)
    return service_settings(sandbox, tmp_path, **values)


def woo_order() -> bytes:
    return (payloads_dir() / "woocommerce-order.json").read_bytes()


def woo_headers(body: bytes, secret: str = SHOP_SECRET, topic: str = "order.created") -> dict[str, str]:
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Delivery-ID": f"d-{time.monotonic_ns()}",
        "Content-Type": "application/json",
    }


def entry_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/console/inbox/(\d+)" class="entry-link"', html)]


def finished(api: httpx.Client, reference: str, key: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        answer = api.get(f"/api/orders/{reference}", headers={"X-API-Key": key})
        if answer.status_code == 200 and answer.json()["state"] not in ("processing", "queued"):
            return dict(answer.json())
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.05)


def test_every_refusal_and_ignored_arrival_is_in_the_inbox_masked_and_a_fixed_one_replays(
    shop_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    body = woo_order()
    with running_service(woo_settings(shop_sandbox, tmp_path, None)) as url, httpx.Client(base_url=url) as web:
        refused = web.post("/api/shops/woo/woocommerce", content=body, headers=woo_headers(body))
        assert refused.status_code == 422, refused.text
        forged = web.post("/api/shops/woo/woocommerce", content=body, headers=woo_headers(body, "wrong-secret"))
        assert forged.status_code == 401
        not_json = b"{not json"
        assert (
            web.post("/api/shops/woo/woocommerce", content=not_json, headers=woo_headers(not_json)).status_code == 400
        )
        ignored = web.post("/api/shops/woo/woocommerce", content=body, headers=woo_headers(body, topic="order.deleted"))
        assert ignored.status_code == 200 and ignored.json()["outcome"] == "ignored"
        carded = order_body(items=[{"sku": "ART-001", "quantity": 0}])
        carded["custom_fields"] = {"card_number": "4111 1111 1111 1111", "note": "paid with 4111111111111111"}
        invalid = web.post("/api/orders", json=carded, headers={"Authorization": f"Bearer {API_KEY}"})
        assert invalid.status_code == 422, invalid.text
        unknown_key = web.post("/api/orders", json=order_body(), headers={"Authorization": "Bearer wrong-key-123"})
        assert unknown_key.status_code == 401
        dry = web.post("/api/orders", json=carded, headers={"Authorization": f"Bearer {API_KEY}", "Prefer": "dry-run"})
        assert dry.status_code == 422  # a dry run's answer is what was asked for: not in the inbox

        assert sign_in(web).status_code == 303
        listing = web.get("/console/inbox")
        assert listing.status_code == 200
        assert "6 requests match" in listing.text, listing.text
        for code in ("request_invalid", "signature_invalid", "invalid_json", "ignored", "unauthenticated"):
            assert code in listing.text
        assert "4111" not in listing.text and "wrong-key-123" not in listing.text and SHOP_SECRET not in listing.text

        shop_only = web.get(
            "/console/inbox", params={"channel": "shop", "outcome": "refused", "code": "request_invalid"}
        )
        [sku_missing] = entry_ids(shop_only.text)
        page = web.get(f"/console/inbox/{sku_missing}")
        assert "/line_items/0/sku" in page.text and "sku_missing" in page.text
        assert 'id="replay"' in page.text
        assert "X-WC-Webhook-Signature".lower() in page.text and "••••••" in page.text  # sent, not what it was

        orders = web.get("/console/inbox", params={"channel": "orders", "code": "request_invalid"})
        [invalid_id] = entry_ids(orders.text)
        kept = web.get(f"/console/inbox/{invalid_id}").text
        assert "/items/0/quantity" in kept and "4111" not in kept and "card_number" in kept

        # Replayed before the fix: refused the same way, and recorded with the operator's name.
        confirm = web.get(f"/console/inbox/{sku_missing}/replay")
        again = web.post(f"/console/inbox/{sku_missing}/replay", data={"csrf": form_value(confirm.text, "csrf")})
        assert again.status_code == 303
        assert "refused again" in web.get(again.headers["location"]).text

    # The configuration fixed (the SKU from product_id where a line has none), the service restarted.
    fixed = woo_settings(shop_sandbox, tmp_path, ["sku", "product_id"])
    with running_service(fixed) as url, httpx.Client(base_url=url) as web:
        assert sign_in(web).status_code == 303
        confirm = web.get(f"/console/inbox/{sku_missing}/replay")
        assert "Replay now" in confirm.text
        replayed = web.post(f"/console/inbox/{sku_missing}/replay", data={"csrf": form_value(confirm.text, "csrf")})
        assert replayed.status_code == 303
        page = web.get(replayed.headers["location"]).text
        assert "order accepted" in page and page.count('class="replayed-by">admin<') == 2
        order = finished(web, "727", "woo-key-0123456789")
        assert order["state"] == "completed", order
        assert len(orders_with_reference(shop_sandbox, "WOO-727")) == 1
        # The order the replay made keeps the body the inbox kept as the body it arrived with.
        entry_page = web.get(f"/console/inbox/{sku_missing}").text
        found = re.search(r'href="(/console/orders/\d+)" id="order-link"', entry_page)
        assert found, entry_page
        order_page = web.get(found.group(1)).text
        assert 'id="received-body"' in order_page and "line_items" in order_page
