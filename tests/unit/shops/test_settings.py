"""A client's shop settings are checked at start-up, naming the client and never printing the secret."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from unified_order_api.config import Settings, ShopSettings

SECRET = "super-secret-shop-key"


def client(**shop: Any) -> dict[str, Any]:
    return {"name": "eu-store", "api_key": "key-0123456789abcdef", "shop": {"secret": SECRET, **shop}}


@pytest.mark.parametrize(
    ("shop", "message"),
    [
        ({"kind": "magento"}, "shop.kind"),
        ({"kind": "woocommerce", "secret": " "}, "the shop secret must not be empty"),
        ({"kind": "shopify", "import_statuses": ["open"]}, "Shopify orders have no order status"),
        ({"kind": "woocommerce", "import_payment_states": ["paid"]}, "WooCommerce sends no payment state"),
        (
            {"kind": "woocommerce", "import_statuses": ["processing", "cancelled"]},
            "cancelled orders are never imported",
        ),
        ({"kind": "shopware", "import_payment_states": ["voided"]}, "voided orders are never imported"),
        ({"kind": "woocommerce", "sku_fields": ["ean"]}, "sku_fields for woocommerce must be among product_id, sku"),
        ({"kind": "shopware", "max_age_seconds": 0}, "shop.max_age_seconds"),
    ],
)
def test_a_bad_shop_setting_names_the_client_and_hides_the_secret(shop: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(clients=[client(**shop)])
    text = str(refused.value)
    assert "client 'eu-store'" in text and message in text
    assert SECRET not in text and "key-0123456789abcdef" not in text


def test_defaults_per_shop() -> None:
    woo = ShopSettings(kind="woocommerce", secret=SECRET)  # type: ignore[arg-type]
    shopify = ShopSettings(kind="shopify", secret=SECRET)  # type: ignore[arg-type]
    shopware = ShopSettings(kind="shopware", secret=SECRET)  # type: ignore[arg-type]
    assert (woo.statuses, shopify.statuses, shopware.statuses) == (["processing"], None, ["open"])
    assert (woo.skus_from, shopify.skus_from, shopware.skus_from) == (["sku"], ["sku"], ["productNumber"])
    assert SECRET not in repr(woo)


def test_shop_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    shop = {"kind": "woocommerce", "secret": "s", "sku_fields": ["sku", "product_id"]}
    monkeypatch.setenv("UOA_CLIENTS", json.dumps([{"name": "woo", "api_key": "woo-key-0123456789", "shop": shop}]))
    [woo] = Settings().clients
    assert woo.shop is not None and woo.shop.skus_from == ["sku", "product_id"]
    assert woo.shop.secret.get_secret_value() == "s"
