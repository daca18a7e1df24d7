#!/usr/bin/env python3
"""Amazon SP-API order → one `POST /api/orders` request (for a middleware; Amazon has no HTTP webhook).

Amazon announces orders through the Notifications API (`ORDER_CHANGE` to an SQS queue or EventBridge
bus you own), and those messages carry no prices. A middleware therefore reads the order with
`getOrder` and `getOrderItems` (plus `getOrderAddress` / `getOrderBuyerInfo`, restricted data that
needs an RDT token) and sends what this script builds to the Unified Order API.

    python examples/amazon_sp_api_to_order.py ANSWERS.json                 # print the request
    python examples/amazon_sp_api_to_order.py ANSWERS.json --post URL KEY  # send it

ANSWERS.json holds the SP-API answers: {"getOrder": {...}, "getOrderItems": {...},
"getOrderAddress": {...}, "getOrderBuyerInfo": {...}}, each the full `{"payload": ...}` response.

Money: `ItemPrice` is the price of the whole quantity (ordersV0.json), so the unit price is
ItemPrice / QuantityOrdered. Prices are net when Amazon lists tax on top (US marketplaces:
OrderTotal = prices + ItemTax) and gross when they include it (EU marketplaces); which one is
decided by which of the two adds up to OrderTotal. Each line's rate is the tax it was charged.
Amazon's own total goes along as `expected_total`, so a difference is refused, not imported.
Only the Python standard library is used, so the script can be copied into any middleware.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

NOT_YET_ORDERS = {"Pending", "PendingAvailability", "Canceled", "Unfulfillable"}
CENT = Decimal("0.01")


class NotAnOrder(ValueError):
    """The SP-API order is not (yet) one to import: pending orders carry no prices, cancelled ones are gone."""


def money(value: dict[str, Any] | None) -> Decimal:
    return Decimal(str(value["Amount"])) if value and value.get("Amount") not in (None, "") else Decimal(0)


def rate(tax: Decimal, base: Decimal) -> str:
    if not tax or not base:
        return "0"
    return format((tax / base * 100).quantize(CENT).normalize(), "f")


def to_order_request(answers: dict[str, Any], *, shipping_code: str | None = None) -> dict[str, Any]:
    order = answers["getOrder"]["payload"]
    if order.get("OrderStatus") in NOT_YET_ORDERS:
        raise NotAnOrder(f"Amazon order {order['AmazonOrderId']} is {order['OrderStatus']}: not imported")
    lines = answers["getOrderItems"]["payload"]["OrderItems"]
    address = (answers.get("getOrderAddress") or {}).get("payload", {}).get("ShippingAddress") or order.get(
        "ShippingAddress"
    )
    buyer = (answers.get("getOrderBuyerInfo") or {}).get("payload") or order.get("BuyerInfo") or {}
    if not address:
        raise NotAnOrder("No shipping address: call getOrderAddress (restricted data, needs an RDT token)")

    total = money(order.get("OrderTotal"))
    gross_sum = sum(
        (money(line.get(k)) for line in lines for k in ("ItemPrice", "ShippingPrice", "GiftWrapPrice")), Decimal(0)
    ) - sum((money(line.get(k)) for line in lines for k in ("PromotionDiscount", "ShippingDiscount")), Decimal(0))
    prices = "gross" if gross_sum == total else "net"

    def taxed(price_key: str, tax_key: str, line: dict[str, Any]) -> tuple[Decimal, str]:
        price, tax = money(line.get(price_key)), money(line.get(tax_key))
        return price, rate(tax, price - tax if prices == "gross" else price)

    items, shipping_costs, discounts, fees = [], [], [], []
    charged_tax = Decimal(0)
    for line in lines:
        quantity = Decimal(line["QuantityOrdered"])
        price, item_rate = taxed("ItemPrice", "ItemTax", line)
        charged_tax += money(line.get("ItemTax")) + money(line.get("ShippingTax")) + money(line.get("GiftWrapTax"))
        items.append(
            {
                "sku": line["SellerSKU"],
                "name": line.get("Title", "")[:200] or None,
                "quantity": str(quantity),
                "price": format((price / quantity).quantize(Decimal("0.0001")).normalize(), "f"),
                "tax_rate": item_rate,
                "line_id": line["OrderItemId"],
            }
        )
        for key, tax_key, target, name in (
            ("ShippingPrice", "ShippingTax", shipping_costs, "Shipping"),
            ("GiftWrapPrice", "GiftWrapTax", fees, "Gift wrap"),
            ("PromotionDiscount", "PromotionDiscountTax", discounts, "Amazon promotion"),
            ("ShippingDiscount", "ShippingDiscountTax", discounts, "Shipping discount"),
        ):
            amount, line_rate = taxed(key, tax_key, line)
            if amount:
                target.append({"name": name, "amount": str(amount), "tax_rate": line_rate})

    request: dict[str, Any] = {
        "reference": order["AmazonOrderId"],
        "customer": {
            "email": buyer.get("BuyerEmail"),
            "name": address.get("Name") or buyer.get("BuyerName"),
            "street": address.get("AddressLine1"),
            "address_supplement": address.get("AddressLine2") or None,
            "zip": address.get("PostalCode"),
            "city": address.get("City"),
            "country": address.get("CountryCode"),
            "state": address.get("StateOrRegion") or None,
        },
        "items": [{k: v for k, v in item.items() if v is not None} for item in items],
        "prices": prices,
        "currency": order["OrderTotal"]["CurrencyCode"],
        "shipping_costs": shipping_costs,
        "discounts": discounts,
        "fees": fees,
        "expected_total": str(total),
        "payment": "amazon",
        "payment_status": "paid",  # Amazon collected the payment for every order past Pending
        "shipping": shipping_code or str(order.get("ShipmentServiceLevelCategory") or "standard").lower(),
        "order_date": str(order.get("PurchaseDate", ""))[:10] or None,
        "external_order_id": order["AmazonOrderId"],
    }
    if charged_tax:
        request["taxation"] = "domestic"  # Amazon charged the tax: Xentral books it as sent
    request["customer"] = {k: v for k, v in request["customer"].items() if v is not None}
    return {k: v for k, v in request.items() if v is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", type=Path, help="JSON with the getOrder, getOrderItems, ... answers")
    parser.add_argument("--post", nargs=2, metavar=("URL", "API_KEY"), help="send it to this Unified Order API")
    args = parser.parse_args(argv)
    try:
        request = to_order_request(json.loads(args.answers.read_text("utf-8")))
    except NotAnOrder as error:
        print(error, file=sys.stderr)
        return 1
    body = json.dumps(request, ensure_ascii=False, indent=2)
    if not args.post:
        print(body)
        return 0
    url, api_key = args.post
    if not url.startswith(("http://", "https://")):
        print(f"--post needs an http(s) URL, not {url}", file=sys.stderr)
        return 2
    sent = urllib.request.Request(  # noqa: S310 - an http(s) URL, checked above
        url.rstrip("/") + "/api/orders",
        data=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
        method="POST",
    )
    with urllib.request.urlopen(sent, timeout=30) as answer:  # noqa: S310 - the URL is the caller's own API
        print(answer.status, answer.read().decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
