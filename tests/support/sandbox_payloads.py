"""Request bodies shared by the sandbox tests."""

from __future__ import annotations

from typing import Any


def order_payload(**overrides: Any) -> dict[str, Any]:
    """A valid import body against the seed data."""
    body: dict[str, Any] = {
        "date": "2025-01-15",
        "externalOrderNumber": "SHOP-1001",
        "externalOrderId": "987654321",
        "transactionNumber": "PAYPAL-TX-1",
        "customer": {"id": "1"},
        "project": {"id": "4"},
        "salesChannel": {"id": "1"},
        "financials": {
            "paymentMethod": {"id": "2"},
            "currency": "EUR",
            "billingAddress": {
                "type": "mr",
                "name": "Max Muster",
                "street": "Musterstr. 1",
                "zipCode": "12345",
                "city": "Berlin",
                "country": "DE",
                "email": "max@example.com",
            },
        },
        "delivery": {
            "shippingMethod": {"id": "1"},
            "autoShipping": False,
            "shippingCosts": [
                {
                    "shippingCostProduct": {"id": "453"},
                    "quantity": 1,
                    "price": {"amount": "4.90", "currency": "EUR"},
                }
            ],
        },
        "positions": [
            {
                "product": {"id": "1"},
                "quantity": 2,
                "price": {"amount": "19.99", "currency": "EUR"},
                "tax": {"vatCategory": "normal", "taxText": None},
                "webId": "line-1",
            },
            {"product": {"id": "2"}, "quantity": 1},
        ],
    }
    body.update(overrides)
    return body
