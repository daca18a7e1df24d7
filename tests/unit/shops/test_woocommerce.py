"""WooCommerce's order JSON → our request, without HTTP."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from unified_order_api.api.schemas import OrderRequest
from unified_order_api.config import ShopSettings
from unified_order_api.shops import Ignored, NativeOrderInvalid, Translated, woocommerce

SHOP = ShopSettings(kind="woocommerce", secret="s")
SKU_OR_PRODUCT = ShopSettings(kind="woocommerce", secret="s", sku_fields=["sku", "product_id"])


def translated(order: dict[str, Any], settings: ShopSettings = SKU_OR_PRODUCT) -> dict[str, Any]:
    result = woocommerce.translate(order, settings)
    assert isinstance(result, Translated), result
    OrderRequest.model_validate(result.body)  # what the endpoint checks next
    return result.body


def test_the_sample_becomes_a_net_order_with_the_shops_total(woo_order: dict[str, Any]) -> None:
    body = translated(woo_order)
    assert body["reference"] == "727"
    assert body["prices"] == "net" and body["currency"] == "USD" and body["expected_total"] == "29.35"
    assert [(i["sku"], i["quantity"], i["price"], i["tax_rate"]) for i in body["items"]] == [
        ("93", "2", "3", "7.5"),
        ("Bar3", "1", "12", "7.5"),
    ]
    assert body["items"][1]["name"] == "Ship Your Idea \u2013 Color: Black, Size: M Test"  # &ndash; decoded
    assert body["shipping_costs"] == [
        {"name": "Flat Rate", "amount": "10.00", "tax_rate": "0", "tax_amount": "0.00", "line_id": "317"}
    ]
    assert [i["tax_amount"] for i in body["items"]] == ["0.45", "0.90"]  # the tax before coupons, as charged
    assert body["customer"] == {
        "email": "john.doe@example.com",
        "name": "John Doe",
        "street": "969 Market",
        "zip": "94103",
        "city": "San Francisco",
        "country": "US",
        "state": "CA",
        "phone": "(555) 555-5555",
    }
    assert body["shipping_address"]["street"] == "969 Market"
    assert (body["shipping"], body["payment"], body["payment_status"]) == ("flat_rate", "bacs", "paid")
    assert body["taxation"] == "domestic"  # the shop charged its tax; Xentral books it as sent
    assert body["order_date"] == "2017-03-22"


def test_a_line_without_sku_is_refused_naming_the_shops_line(woo_order: dict[str, Any]) -> None:
    with pytest.raises(NativeOrderInvalid) as refused:
        woocommerce.translate(woo_order, SHOP)
    [problem] = refused.value.problems
    assert problem.pointer == "/line_items/0/sku"
    assert problem.code == "sku_missing"
    assert problem.detail == "Line 1 (Woo Single #1) has no sku"


@pytest.mark.parametrize("status", ["pending", "on-hold", "completed", "cancelled", "failed"])
def test_only_processing_orders_are_imported_by_default(woo_order: dict[str, Any], status: str) -> None:
    woo_order["status"] = status
    result = woocommerce.translate(woo_order, SKU_OR_PRODUCT)
    assert isinstance(result, Ignored)
    assert f"'{status}'" in result.reason and "processing" in result.reason


def test_the_imported_statuses_are_configurable(woo_order: dict[str, Any]) -> None:
    woo_order["status"] = "on-hold"
    settings = ShopSettings(kind="woocommerce", secret="s", import_statuses=["on-hold"], sku_fields=["product_id"])
    body = translated(woo_order, settings)
    assert [item["sku"] for item in body["items"]] == ["93", "22"]


def test_coupons_and_fees_stay_separate_lines_with_their_tax(woo_order: dict[str, Any]) -> None:
    order = copy.deepcopy(woo_order)
    line = order["line_items"][1]
    line.update(total="10.80", total_tax="0.81")  # 10 % coupon on the 12.00 line
    order["coupon_lines"] = [{"id": 1, "code": "tenoff", "discount": "1.20", "discount_tax": "0.09"}]
    order["fee_lines"] = [
        {"id": 2, "name": "Gift wrap", "total": "2.00", "total_tax": "0.15"},
        {"id": 3, "name": "Loyalty", "total": "-1.00", "total_tax": "0.00"},
    ]
    body = translated(order)
    assert body["items"][1]["price"] == "12"  # the price before the coupon: never folded into the price
    assert body["items"][1]["tax_rate"] == "7.5"
    assert body["fees"] == [
        {"name": "Gift wrap", "amount": "2.00", "tax_rate": "7.5", "tax_amount": "0.15", "line_id": "2"}
    ]
    assert body["discounts"] == [
        {"name": "Loyalty", "amount": "1.00", "tax_rate": "0", "tax_amount": "0.00", "line_id": "3"},
        {"name": "tenoff", "amount": "1.20", "tax_rate": "7.5", "tax_amount": "0.09", "line_id": "1"},
    ]


def test_amounts_are_net_even_when_the_shop_displays_gross(woo_order: dict[str, Any]) -> None:
    woo_order["prices_include_tax"] = True
    assert translated(woo_order)["prices"] == "net"  # line totals in the REST API exclude tax


def test_a_vat_id_from_the_eu_vat_plugins_meta_data(woo_order: dict[str, Any]) -> None:
    woo_order["billing"].update(company="Berger GmbH", country="AT")
    woo_order["meta_data"].append({"id": 1, "key": "_billing_vat_id", "value": " ATU12345678 "})
    customer = translated(woo_order)["customer"]
    assert (customer["company"], customer["vat_id"]) == ("Berger GmbH", "ATU12345678")


def test_the_arrival_id_is_webhook_and_delivery() -> None:
    headers = {"x-wc-webhook-id": "7", "x-wc-webhook-delivery-id": "abc"}
    assert woocommerce.arrival_id(headers, {}) == "7:abc"
    assert woocommerce.arrival_id({"x-wc-webhook-id": "7"}, {}) is None
