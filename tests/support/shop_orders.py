"""The four real shop payloads (`../shared/shop-payloads/`), translated by hand into our request.

A translation is what a shop connector would do: map the shop's own fields onto `POST /api/orders`,
including `prices`, per-line `tax_rate`, `discounts`, `shipping_costs` and `expected_total`. It
never computes our totals; the shop's own total is sent as `expected_total`.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def payloads_dir() -> Path:
    """`UOA_TEST_SHOP_PAYLOADS`, else `<repo>/../shared/shop-payloads`; skips when missing."""
    configured = os.environ.get("UOA_TEST_SHOP_PAYLOADS")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "shop-payloads"
    if not path.is_dir():
        pytest.skip(f"shop payloads not found at {path} (set UOA_TEST_SHOP_PAYLOADS)")
    return path


def _load(name: str) -> Any:
    return json.loads((payloads_dir() / name).read_text("utf-8"))


@dataclass(frozen=True)
class ShopOrder:
    shop: str
    shop_total: Decimal
    body: dict[str, Any]

    @property
    def skus(self) -> list[str]:
        return [item["sku"] for item in self.body["items"]]


def _rate(tax: Decimal, amount: Decimal) -> str:
    """The percentage a shop's tax amount is of its net amount (what a connector derives)."""
    return "0" if not amount else str((tax / amount * 100).quantize(Decimal("0.01")).normalize())


def woocommerce() -> ShopOrder:
    order = _load("woocommerce-order.json")
    billing = order["billing"]
    items = [
        {
            "sku": line["sku"] or f"WOO-{line['product_id']}",  # the sample's first line has no SKU
            "name": html.unescape(line["name"]),
            "quantity": line["quantity"],
            "price": str(line["price"]),
            "tax_rate": _rate(Decimal(line["total_tax"]), Decimal(line["total"])),
            "line_id": str(line["id"]),
        }
        for line in order["line_items"]
    ]
    body = {
        "reference": f"WOO-{order['number']}",
        "customer": {
            "email": billing["email"],
            "name": f"{billing['first_name']} {billing['last_name']}",
            "street": billing["address_1"],
            "zip": billing["postcode"],
            "city": billing["city"],
            "country": billing["country"],
            "state": billing["state"],
        },
        "currency": order["currency"],
        "prices": "gross" if order["prices_include_tax"] else "net",
        "taxation": "domestic",  # a US shop charging its own sales tax
        "items": items,
        "shipping_costs": [
            {
                "name": line["method_title"],
                "amount": line["total"],
                "tax_rate": _rate(Decimal(line["total_tax"]), Decimal(line["total"])),
            }
            for line in order["shipping_lines"]
        ],
        "shipping": "dhl_standard",
        "payment": "paypal",
        "payment_status": "paid" if order.get("date_paid") else "pending",
        "expected_total": order["total"],
    }
    return ShopOrder("WooCommerce", Decimal(order["total"]), body)


def shopify_labelled_rates() -> ShopOrder:
    """Shopify's order with each line's *labelled* tax rate (6 %) instead of the charged one."""
    order = shopify()
    raw = _load("shopify-order.json")["order"]
    for item, line in zip(order.body["items"], raw["line_items"], strict=True):
        item["tax_rate"] = str(Decimal(str(line["tax_lines"][0]["rate"])) * 100)
    return order


def shopify() -> ShopOrder:
    order = _load("shopify-order.json")["order"]
    address = order["billing_address"]
    line_tax = sum((Decimal(tax["price"]) for line in order["line_items"] for tax in line["tax_lines"]), Decimal(0))
    discount = Decimal(order["total_discounts"])
    # Shopify's sample taxed the undiscounted lines: the tax the discount carries is what is left over.
    discount_tax = line_tax - Decimal(order["total_tax"])
    items = [
        {
            "sku": line["sku"],
            "name": line["name"],
            "quantity": line["quantity"],  # as ordered; refunds are Xentral credit notes, not this order
            "price": line["price"],
            # The rate of the tax the buyer was charged: the sample labels its tax lines 6 % but charges
            # 3.98 on each 199.00 line (2 %); `shopify_labelled_rates` sends the labels instead.
            "tax_rate": _rate(
                sum((Decimal(t["price"]) for t in line["tax_lines"]), Decimal(0)),
                Decimal(line["price"]) * line["quantity"],
            ),
            "line_id": str(line["id"]),
        }
        for line in order["line_items"]
    ]
    body = {
        "reference": f"SHOPIFY-{order['order_number']}",
        "customer": {
            "email": order["email"],
            "name": address["name"],
            "street": address["address1"],
            "zip": address["zip"],
            "city": address["city"],
            "country": address["country_code"],
        },
        "currency": order["currency"],
        "prices": "gross" if order["taxes_included"] else "net",
        "taxation": "domestic",
        "items": items,
        "discounts": [
            {"name": code["code"], "amount": code["amount"], "tax_rate": _rate(discount_tax, discount)}
            for code in order["discount_codes"]
        ],
        "shipping_costs": [
            {"name": line["title"], "amount": line["price"], "tax_rate": "0"} for line in order["shipping_lines"]
        ],
        "shipping": "dhl_standard",
        "payment": "paypal",
        "payment_status": order["financial_status"],
        "expected_total": order["total_price"],
    }
    return ShopOrder("Shopify", Decimal(order["total_price"]), body)


def shopware() -> ShopOrder:
    order = _load("shopware6-order.json")
    billing = order["billingAddress"]
    customer = order["orderCustomer"]

    def rate(price: dict[str, Any]) -> str:
        rules = price["taxRules"]
        return str(rules[0]["taxRate"]) if rules else "0"

    items = [
        {
            "sku": line["payload"]["productNumber"],
            "name": line["label"],
            "quantity": line["quantity"],
            "price": str(line["unitPrice"]),  # floats in Shopware's JSON; str() keeps 395.01
            "tax_rate": rate(line["price"]),
            "line_id": line["id"],
        }
        for line in order["lineItems"]
    ]
    shipping = order["shippingCosts"]
    body = {
        "reference": f"SW-{order['orderNumber']}",
        "customer": {
            "email": customer["email"],
            "name": f"{billing['firstName']} {billing['lastName']}",
            "street": billing["street"],
            "zip": billing["zipcode"],
            "city": billing["city"],
            "country": billing["country"]["iso"],
        },
        "currency": order["currency"]["isoCode"],
        "prices": "gross" if order["taxStatus"] == "gross" else "net",
        "items": items,
        "shipping_costs": [{"name": "Shipping", "amount": str(shipping["totalPrice"]), "tax_rate": rate(shipping)}],
        "shipping": "dhl_standard",
        "payment": "paypal",
        "payment_status": "pending",  # transaction state `open`
        "expected_total": str(order["amountTotal"]),
    }
    return ShopOrder("Shopware 6", Decimal(str(order["amountTotal"])), body)


def amazon() -> ShopOrder:
    data = _load("amazon-sp-api-order.json")
    order = data["getOrder"]["payload"]
    address = data["getOrderAddress"]["payload"]["ShippingAddress"]
    buyer = data["getOrderBuyerInfo"]["payload"]
    items = []
    for line in data["getOrderItems"]["payload"]["OrderItems"]:
        quantity = Decimal(line["QuantityOrdered"])
        total = Decimal(line["ItemPrice"]["Amount"])  # for the whole quantity (ordersV0.json)
        items.append(
            {
                "sku": line["SellerSKU"],
                "name": line["Title"],
                "quantity": line["QuantityOrdered"],
                "price": str(total / quantity),
                "tax_rate": _rate(Decimal(line["ItemTax"]["Amount"]), total),
                "line_id": line["OrderItemId"],
            }
        )
    body = {
        "reference": f"AMZ-{order['AmazonOrderId']}",
        "customer": {
            "email": buyer["BuyerEmail"],
            "name": buyer["BuyerName"],
            "street": address["AddressLine1"],
            "zip": address["PostalCode"],
            "city": address["City"],
            "country": address["CountryCode"],
        },
        "currency": order["OrderTotal"]["CurrencyCode"],
        "prices": "net",  # US marketplace: ItemPrice excludes ItemTax
        "taxation": "domestic",
        "items": items,
        "shipping": "dhl_standard",
        "payment": "amazon",
        "payment_status": "paid",
        "expected_total": order["OrderTotal"]["Amount"],
    }
    return ShopOrder("Amazon", Decimal(order["OrderTotal"]["Amount"]), body)


ALL = {"woocommerce": woocommerce, "shopify": shopify, "shopware": shopware, "amazon": amazon}
