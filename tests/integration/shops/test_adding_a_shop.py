"""Adding a shop is one module and one registration: a tiny shop, written here as its module would be,
registered in the registry, is a shop kind of the settings and receives its orders through the real router.

Nothing else is touched: no router branch, no settings table. The registration is done with
`monkeypatch` so that it ends with the test; in the service it is one line in `shops/registry.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from tests.support.orders import order_count, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import service_settings
from unified_order_api.config import ApiClient, ShopSettings
from unified_order_api.shops import CONNECTORS, Ignored, ShopConnector, ShopRules, Signature, Topics, Translated
from xentral_sandbox.testing import SandboxHandle

# -- the new shop's module: what the shop sends, and how it becomes our request ---------------------


def arrival_id(headers: Mapping[str, str], body: Mapping[str, Any]) -> str | None:
    return headers.get("x-tiny-call") or None


def sent_at(body: Mapping[str, Any]) -> object:
    return body.get("sent_at")


def translate(order: dict[str, Any], settings: ShopRules) -> Translated | Ignored:
    if order["state"] not in (settings.statuses or []):
        return Ignored(f"Tiny state '{order['state']}' is not imported")
    buyer = order["buyer"]
    body = {
        "reference": order["no"],
        "customer": {key: buyer[key] for key in ("email", "name", "street", "zip", "city", "country")},
        "items": [{"sku": line[settings.skus_from[0]], "quantity": line["count"]} for line in order["lines"]],
        "shipping": order["ship_by"],
        "payment": order["pay_by"],
    }
    return Translated(body, {"/reference": "/no", "/customer": "/buyer", "/items": "/lines"})


TINY = ShopConnector(
    kind="tiny",
    title="Tiny",
    signature=Signature("X-Tiny-Signature", "hex"),
    translate=translate,
    arrival_id=arrival_id,
    default_statuses=("paid",),
    payment_states=False,
    sku_fields=("article",),
    sku_fields_allowed=frozenset({"article", "ean"}),
    topics=Topics("x-tiny-topic", frozenset({"order.paid"})),
    signed_time=sent_at,
)

# -- the test -----------------------------------------------------------------------------------------

SECRET = "tiny-secret"
KEY = "tiny-key-0123456789"


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CONNECTORS, TINY.kind, TINY)  # in the service: one line in shops/registry.py


def tiny_order(**changes: Any) -> dict[str, Any]:
    order = {
        "no": "T-100",
        "state": "paid",
        "sent_at": int(time.time()),
        "buyer": {
            "email": "tiny@example.com",
            "name": "Tina Tiny",
            "street": "Kleine Gasse 1",
            "zip": "12345",
            "city": "Musterstadt",
            "country": "DE",
        },
        "lines": [{"article": "ART-001", "count": 2}],
        "ship_by": "dhl_standard",
        "pay_by": "paypal",
    }
    return order | changes


def post(service: httpx.Client, order: dict[str, Any], *, secret: str = SECRET, **headers: str) -> httpx.Response:
    body = json.dumps(order).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sent = {"X-Tiny-Signature": signature, "Content-Type": "application/json", **headers}
    return service.post("/api/shops/tiny-shop/tiny", content=body, headers=sent)


@pytest.fixture
def service(registered: None, sandbox: SandboxHandle, tmp_path: Path) -> Iterator[httpx.Client]:
    shop = ShopSettings(kind="tiny", secret=SECRET)
    client = ApiClient(name="tiny-shop", api_key=KEY, reference_prefix="TINY-", shop=shop)
    with (
        running_service(service_settings(sandbox, tmp_path, clients=[client])) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield http


def test_the_settings_know_a_shop_by_its_registration_alone(registered: None) -> None:
    tiny = ShopSettings(kind="tiny", secret=SECRET)
    assert (tiny.statuses, tiny.skus_from) == (["paid"], ["article"])
    with pytest.raises(ValidationError, match="Tiny sends no payment state"):
        ShopSettings(kind="tiny", secret=SECRET, import_payment_states=["paid"])
    with pytest.raises(ValidationError, match="sku_fields for tiny must be among article, ean"):
        ShopSettings(kind="tiny", secret=SECRET, sku_fields=["sku"])


def test_an_unregistered_shop_is_no_shop_kind() -> None:
    with pytest.raises(ValidationError, match="unknown shop kind 'tiny'"):
        ShopSettings(kind="tiny", secret=SECRET)


def test_a_registered_shop_receives_its_orders_through_the_router(
    service: httpx.Client, sandbox: SandboxHandle
) -> None:
    documented = service.get("/openapi.json").json()["paths"]["/api/shops/{client}/tiny"]["post"]
    assert "X-Tiny-Signature" in [p["name"] for p in documented["parameters"]], documented["parameters"]

    wrong = post(service, tiny_order(), secret="not-the-secret", **{"X-Tiny-Call": "c1"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "signature_invalid")
    stale = post(service, tiny_order(sent_at=int(time.time()) - 3600), **{"X-Tiny-Call": "c1"})
    assert (stale.status_code, stale.json()["code"]) == (401, "webhook_stale")
    other_topic = post(service, tiny_order(), **{"X-Tiny-Topic": "product.saved"})
    assert (other_topic.status_code, other_topic.json()["reason"]) == (200, "Topic 'product.saved' creates no order")
    unpaid = post(service, tiny_order(state="open"))
    assert unpaid.json() == {"outcome": "ignored", "reason": "Tiny state 'open' is not imported"}
    invalid = post(service, tiny_order(buyer={**tiny_order()["buyer"], "country": "Germany"}))
    assert invalid.status_code == 422 and [e["pointer"] for e in invalid.json()["errors"]] == ["/buyer/country"]
    assert order_count(sandbox) == 0

    accepted = post(service, tiny_order(), **{"X-Tiny-Topic": "order.paid", "X-Tiny-Call": "c1"})
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Location"] == "/api/orders/T-100"
    deadline = time.monotonic() + 60
    while (state := service.get("/api/orders/T-100", headers={"X-API-Key": KEY}).json())["state"] in (
        "processing",
        "queued",
    ):
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    assert state["state"] == "completed", state
    assert len(orders_with_reference(sandbox, "TINY-T-100")) == 1

    again = post(service, tiny_order(), **{"X-Tiny-Call": "c1"})
    assert again.status_code == 200
    assert again.json()["reason"] == "Delivery 'c1' was answered before"
    assert len(orders_with_reference(sandbox, "TINY-T-100")) == 1
    exported = service.get("/metrics").text
    assert 'shop_webhooks_total{outcome="accepted",shop="tiny"} 1.0' in exported
