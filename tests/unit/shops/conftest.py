from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.shop_orders import payloads_dir


def load(name: str) -> Any:
    return json.loads((payloads_dir() / name).read_text("utf-8"))


@pytest.fixture
def woo_order() -> dict[str, Any]:
    order: dict[str, Any] = load("woocommerce-order.json")
    return order


@pytest.fixture
def shopify_order() -> dict[str, Any]:
    order: dict[str, Any] = load("shopify-order.json")["order"]
    return order


@pytest.fixture
def shopify_webhook() -> dict[str, Any]:
    order: dict[str, Any] = load("shopify-orders-create-webhook.json")
    return order


@pytest.fixture
def shopware_webhook() -> dict[str, Any]:
    envelope: dict[str, Any] = load("shopware6-webhook-checkout-order-placed.json")
    return envelope
