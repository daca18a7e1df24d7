"""Shopware 6's app webhook (envelope with the order entity) → our request, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from unified_order_api.api.schemas import OrderRequest
from unified_order_api.config import ShopSettings
from unified_order_api.shops import Ignored, NativeOrderInvalid, Translated, shopware

SHOP = ShopSettings(kind="shopware", secret="s")


def translated(envelope: dict[str, Any], settings: ShopSettings = SHOP) -> dict[str, Any]:
    result = shopware.translate(envelope, settings)
    assert isinstance(result, Translated), result
    OrderRequest.model_validate(result.body)
    return result.body


def order(envelope: dict[str, Any]) -> dict[str, Any]:
    found = shopware.order_of(envelope)
    assert found is not None
    return found


def test_the_sample_becomes_a_gross_order_with_the_shops_total(shopware_webhook: dict[str, Any]) -> None:
    body = translated(shopware_webhook)
    assert body["reference"] == "10077"
    assert body["prices"] == "gross" and body["currency"] == "EUR" and body["expected_total"] == "395.01"
    [item] = body["items"]
    assert (item["sku"], item["quantity"], item["price"]) == ("f3b92a7a618544308094cb4713b3ed84", "1", "395.01")
    assert item["tax_rate"] == "50"  # the one calculated tax, what was charged
    assert body["customer"] == {
        "email": "test@example.com",
        "name": "Max Mustermann",
        "street": "Bahnhofstraße 27",
        "zip": "10332",
        "city": "Berlin",
        "country": "GP",
    }
    assert (body["shipping_address"]["street"], body["shipping_address"]["country"]) == ("Ebbinghoff 10", "SR")
    assert body["payment_status"] == "pending"  # transaction state open
    assert body["shipping"] == "43fe06f14437458a94aceca821b0934c"  # shippingMethod not loaded: its id


def test_order_states_and_payment_states_decide(shopware_webhook: dict[str, Any]) -> None:
    order(shopware_webhook)["stateMachineState"]["technicalName"] = "in_progress"
    result = shopware.translate(shopware_webhook, SHOP)
    assert isinstance(result, Ignored) and "'in_progress' is not imported (imported: open)" in result.reason
    order(shopware_webhook)["stateMachineState"]["technicalName"] = "open"
    paid_only = ShopSettings(kind="shopware", secret="s", import_payment_states=["paid"])
    result = shopware.translate(shopware_webhook, paid_only)
    assert isinstance(result, Ignored) and "payment state 'open'" in result.reason
    order(shopware_webhook)["transactions"][-1]["stateMachineState"]["technicalName"] = "cancelled"
    assert shopware.translate(shopware_webhook, SHOP) == Ignored("Shopware payment state 'cancelled': not imported")


def test_an_event_without_order_creates_nothing() -> None:
    envelope = {"data": {"payload": {"id": "x"}, "event": "product.written"}, "timestamp": 1}
    assert shopware.translate(envelope, SHOP) == Ignored("Shopware event 'product.written' carries no order")


def test_promotions_become_discounts(shopware_webhook: dict[str, Any]) -> None:
    promotion = {
        "id": "p1",
        "type": "promotion",
        "label": "SUMMER",
        "quantity": 1,
        "unitPrice": -10.0,
        "totalPrice": -10.0,
        "price": {"calculatedTaxes": [{"tax": -1.6, "taxRate": 19, "price": -10.0}], "taxRules": []},
    }
    order(shopware_webhook)["lineItems"].append(promotion)
    body = translated(shopware_webhook)
    assert len(body["items"]) == 1
    assert body["discounts"] == [
        {"name": "SUMMER", "amount": "10.0", "tax_rate": "19", "tax_amount": "1.60", "line_id": "p1"}
    ]


def test_a_missing_product_number_names_the_line(shopware_webhook: dict[str, Any]) -> None:
    del order(shopware_webhook)["lineItems"][0]["payload"]["productNumber"]
    with pytest.raises(NativeOrderInvalid) as refused:
        shopware.translate(shopware_webhook, SHOP)
    assert [p.pointer for p in refused.value.problems] == ["/data/payload/order/lineItems/0/payload/productNumber"]
    by_id = ShopSettings(kind="shopware", secret="s", sku_fields=["productNumber", "productId"])
    assert translated(shopware_webhook, by_id)["items"][0]["sku"] == "9c4734591e8d40308e0b9480523ba10f"


def test_the_arrival_id_is_the_event_id(shopware_webhook: dict[str, Any]) -> None:
    assert shopware.arrival_id({}, shopware_webhook) == "7b04ebe416db4ebc93de4d791325e1d9"
