"""What each shop sends to its webhook path, for `/openapi.json`: an order each shop's connector imports.

Cut down from the shops' own published samples (WooCommerce's REST API v3 order, Shopify's
`orders/create` sample, a Shopware 6 `checkout.order.placed` app webhook) to the fields the
connectors read, with the seed catalogue's SKUs. A test translates each with its connector and the
default shop settings and validates the result as `POST /api/orders` would, so an example the
connector no longer imports fails the tests. Where a shop has several events (topics), the header
that names the event is shown with the example.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SHOP_EXAMPLES"]

SHOP_EXAMPLES: dict[str, dict[str, Any]] = {
    "woocommerce": {
        "summary": "order.created (X-WC-Webhook-Topic), the REST API v3 order",
        "value": {
            "id": 727,
            "number": "727",
            "status": "processing",
            "currency": "USD",
            "date_created": "2017-03-22T16:28:02",
            "total": "29.35",
            "total_tax": "1.35",
            "prices_include_tax": False,
            "billing": {
                "first_name": "John",
                "last_name": "Doe",
                "address_1": "969 Market",
                "city": "San Francisco",
                "state": "CA",
                "postcode": "94103",
                "country": "US",
                "email": "john.doe@example.com",
                "phone": "(555) 555-5555",
            },
            "shipping": {
                "first_name": "John",
                "last_name": "Doe",
                "address_1": "969 Market",
                "city": "San Francisco",
                "state": "CA",
                "postcode": "94103",
                "country": "US",
            },
            "payment_method": "bacs",
            "date_paid_gmt": "2017-03-22T19:28:08",
            "line_items": [
                {
                    "id": 315,
                    "name": "Woo Single #1",
                    "quantity": 2,
                    "subtotal": "6.00",
                    "total": "6.00",
                    "total_tax": "0.45",
                    "sku": "ART-001",
                },
                {
                    "id": 316,
                    "name": "Ship Your Idea &ndash; Color: Black, Size: M Test",
                    "quantity": 1,
                    "subtotal": "12.00",
                    "total": "12.00",
                    "total_tax": "0.90",
                    "sku": "ART-002",
                },
            ],
            "shipping_lines": [{"method_title": "Flat Rate", "method_id": "flat_rate", "total": "10.00"}],
        },
    },
    "shopify": {
        "summary": "orders/create (X-Shopify-Topic), the order as Shopify sends it",
        "value": {
            "id": 820982911946154508,
            "created_at": "2021-12-31T19:00:00-05:00",
            "currency": "USD",
            "email": "jon@example.com",
            "financial_status": "paid",
            "name": "#9999",
            "test": False,
            "cancelled_at": None,
            "payment_gateway_names": ["visa"],
            "total_discounts": "20.00",
            "total_price": "388.00",
            "line_items": [
                {"id": 866550311766439020, "price": "199.00", "quantity": 1, "sku": "ART-001", "title": "IPod Nano"},
                {"id": 141249953214522974, "price": "199.00", "quantity": 1, "sku": "ART-002", "title": "IPod Nano"},
            ],
            "shipping_address": {
                "name": "Steve Shipper",
                "company": "Shipping Company",
                "address1": "123 Shipping Street",
                "zip": "40003",
                "city": "Shippington",
                "province": "Kentucky",
                "country_code": "US",
                "phone": "555-555-SHIP",
            },
            "shipping_lines": [{"price": "10.00", "title": "Generic Shipping"}],
        },
    },
    "shopware": {
        "summary": "checkout.order.placed, an app webhook (its signed `timestamp` must be recent)",
        "value": {
            "data": {
                "event": "checkout.order.placed",
                "payload": {
                    "order": {
                        "id": "8f69d4874c53486a95383b2126161738",
                        "orderNumber": "10077",
                        "orderDate": "2023-05-04T00:00:00.000+00:00",
                        "amountTotal": 395.01,
                        "taxStatus": "gross",
                        "currency": {"isoCode": "EUR"},
                        "stateMachineState": {"technicalName": "open"},
                        "orderCustomer": {"email": "test@example.com"},
                        "billingAddress": {
                            "firstName": "Max",
                            "lastName": "Mustermann",
                            "street": "Bahnhofstraße 27",
                            "zipcode": "10332",
                            "city": "Berlin",
                            "country": {"iso": "DE"},
                        },
                        "deliveries": [
                            {
                                "shippingMethodId": "43fe06f14437458a94aceca821b0934c",
                                "shippingOrderAddress": {
                                    "firstName": "Max",
                                    "lastName": "Mustermann",
                                    "street": "Ebbinghoff 10",
                                    "zipcode": "48624",
                                    "city": "Schöppingen",
                                    "country": {"iso": "DE"},
                                },
                            }
                        ],
                        "shippingCosts": {"totalPrice": 0, "calculatedTaxes": [{"tax": 0, "taxRate": 19}]},
                        "lineItems": [
                            {
                                "id": "5567f5758b414a2686afa1c6492c63a1",
                                "label": "Aerodynamic Bronze Slo-Cooked Prawns",
                                "quantity": 1,
                                "unitPrice": 395.01,
                                "price": {"calculatedTaxes": [{"tax": 63.07, "taxRate": 19}]},
                                "payload": {"productNumber": "ART-001"},
                            }
                        ],
                        "transactions": [
                            {
                                "paymentMethodId": "28709c5abc4348c6aab62b4c1d64392f",
                                "stateMachineState": {"technicalName": "open"},
                            }
                        ],
                    }
                },
            },
            "source": {
                "url": "http://localhost:8000",
                "appVersion": "1.0.0",
                "shopId": "hRCw2xo1EDZnLco4",
                "eventId": "7b04ebe416db4ebc93de4d791325e1d9",
            },
            "timestamp": 1683207386,
        },
    },
}
"""Per shop kind: an OpenAPI example object (`summary`, `value`) of the body its webhook sends."""
