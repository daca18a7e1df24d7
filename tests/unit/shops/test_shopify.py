"""Shopify's order JSON → our request, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from unified_order_api.api.schemas import OrderRequest
from unified_order_api.config import ShopSettings
from unified_order_api.shops import Ignored, NativeOrderInvalid, Translated, shopify

SHOP = ShopSettings(kind="shopify", secret="s")


def translated(order: dict[str, Any], settings: ShopSettings = SHOP) -> dict[str, Any]:
    result = shopify.translate(order, settings)
    assert isinstance(result, Translated), result
    OrderRequest.model_validate(result.body)
    return result.body


def importable(webhook: dict[str, Any]) -> dict[str, Any]:
    """The sample webhook is a test, cancelled, voided order; the same order as a real, paid one."""
    return {**webhook, "test": False, "cancelled_at": None, "cancel_reason": None, "financial_status": "paid"}


def test_the_rest_example_keeps_its_lines_coupon_and_total(shopify_order: dict[str, Any]) -> None:
    body = translated(shopify_order)
    assert body["reference"] == "1001"  # the order's name without '#'
    assert body["expected_total"] == "598.94" and body["prices"] == "net"
    # The sample labels its tax 6 % but charged 3.98 on each 199.00: the rate charged is what counts.
    assert [(i["sku"], i["quantity"], i["price"], i["tax_rate"]) for i in body["items"]] == [
        ("IPOD2008GREEN", "1", "199.00", "2"),
        ("IPOD2008RED", "1", "199.00", "2"),
        ("IPOD2008BLACK", "1", "199.00", "2"),
    ]
    assert body["discounts"] == [{"name": "TENOFF", "amount": "10.00", "tax_rate": "0"}]
    assert body["shipping_costs"] == [{"name": "Free Shipping", "amount": "0", "tax_rate": "0", "line_id": "369256396"}]
    assert body["payment_status"] == "partially_refunded" and body["customer_order_number"] == "ABC123"
    assert body["customer"]["name"] == "Bob Norman" and body["customer"]["email"] == "bob.norman@mail.example.com"
    assert body["customer"]["country"] == "US" and body["shipping_address"]["city"] == "Louisville"


def test_the_labelled_rate_is_kept_when_it_explains_the_tax(shopify_order: dict[str, Any]) -> None:
    for line in shopify_order["line_items"]:
        line["tax_lines"][0]["price"] = "11.94"
    shopify_order["total_tax"] = "35.82"
    assert {item["tax_rate"] for item in translated(shopify_order)["items"]} == {"6"}


def test_gross_orders_derive_the_rate_from_the_net_part(shopify_order: dict[str, Any]) -> None:
    shopify_order["taxes_included"] = True
    line = shopify_order["line_items"][0]
    line.update(price="119.00")
    line["tax_lines"] = [{"price": "19.00", "rate": 0.2}]  # mislabelled: 19.00 of 119.00 is 19 %
    shopify_order["total_tax"] = "26.96"  # 19.00 + 2 * 3.98: the coupon carried no tax
    body = translated(shopify_order)
    assert body["prices"] == "gross" and body["items"][0]["tax_rate"] == "19"
    assert body["discounts"][0]["tax_rate"] == "0"


def test_the_webhook_example_is_a_test_order_and_is_not_imported(shopify_webhook: dict[str, Any]) -> None:
    result = shopify.translate(shopify_webhook, SHOP)
    assert result == Ignored("Shopify test order: not imported")
    with_tests = ShopSettings(kind="shopify", secret="s", import_test_orders=True)
    cancelled = shopify.translate(shopify_webhook, with_tests)
    assert isinstance(cancelled, Ignored) and "cancelled (customer)" in cancelled.reason
    voided = shopify.translate({**shopify_webhook, "cancelled_at": None}, with_tests)
    assert voided == Ignored("Shopify financial status 'voided': not imported")


def test_the_webhook_example_as_a_real_order(shopify_webhook: dict[str, Any]) -> None:
    body = translated(importable(shopify_webhook))
    assert body["reference"] == "9999" and body["expected_total"] == "388.00"
    # Two lines with the same SKU stay two lines; the ids (> 2^53) are kept exactly.
    assert [(i["sku"], i["line_id"]) for i in body["items"]] == [
        ("IPOD2008PINK", "866550311766439020"),
        ("IPOD2008PINK", "141249953214522974"),
    ]
    assert body["external_order_id"] == "820982911946154508"
    # total_discounts 20.00 without discount codes: one order-level discount, not folded into prices.
    assert body["discounts"] == [{"name": "Discount", "amount": "20.00", "tax_rate": "0"}]
    assert body["shipping_costs"] == [
        {"name": "Generic Shipping", "amount": "10.00", "tax_rate": "0", "line_id": "271878346596884015"}
    ]
    assert body["customer"]["company"] == "Shipping Company" and body["customer"]["email"] == "jon@example.com"
    assert "taxation" not in body  # no tax charged: the flow derives it (export for a US buyer)


def test_payment_states_can_be_required(shopify_order: dict[str, Any]) -> None:
    paid_only = ShopSettings(kind="shopify", secret="s", import_payment_states=["paid"])
    result = shopify.translate(shopify_order, paid_only)
    assert isinstance(result, Ignored) and "'partially_refunded' is not imported" in result.reason
    assert isinstance(shopify.translate({**shopify_order, "financial_status": "paid"}, paid_only), Translated)


def test_the_sku_field_is_configurable(shopify_order: dict[str, Any]) -> None:
    shopify_order["line_items"][1]["sku"] = None
    with pytest.raises(NativeOrderInvalid) as refused:
        shopify.translate(shopify_order, SHOP)
    assert [p.pointer for p in refused.value.problems] == ["/line_items/1/sku"]
    by_variant = ShopSettings(kind="shopify", secret="s", sku_fields=["sku", "variant_id"])
    assert [i["sku"] for i in translated(shopify_order, by_variant)["items"]][1] == "49148385"


def test_the_arrival_id_is_the_webhook_id() -> None:
    assert shopify.arrival_id({"x-shopify-webhook-id": "b54557e4"}, {}) == "b54557e4"
    assert shopify.arrival_id({}, {}) is None
