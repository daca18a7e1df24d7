"""The test orders' import bodies: pure, so what each check sends is read and tested without HTTP.

Every test order is held back (`autoShipping: false`), names the test project, and states its tax
(`taxDisplay`, each line's `vatCategory`) so a booked figure tells one reading from the other. These
bodies send what the service never sends (`positions[].discount`) where a check needs it: they are
probes, not orders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from .target import Target

__all__ = ["discount_position", "import_body", "line"]

_NORMAL = {"vatCategory": "normal", "taxText": None}


def line(target: Target, amount: str, *, quantity: int = 1, discount: float | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "product": {"id": target.product_id},
        "quantity": quantity,
        "price": {"amount": amount, "currency": target.currency},
        "tax": dict(_NORMAL),
    }
    if discount is not None:
        body["discount"] = discount
    return body


def discount_position(target: Target, amount: str) -> dict[str, Any]:
    """A discount position on the discount product, its value as the service sends it: positive."""
    assert target.discount_product_id is not None
    return {
        "discountProduct": {"id": target.discount_product_id},
        "quantity": 1,
        "value": {"amount": amount, "currency": target.currency},
        "tax": dict(_NORMAL),
    }


def import_body(
    target: Target,
    reference: str,
    positions: list[dict[str, Any]],
    *,
    display: Literal["gross", "net"] = "net",
    discounts: list[dict[str, Any]] | None = None,
    external_total: tuple[Decimal, Decimal] | None = None,
    date: str,
) -> dict[str, Any]:
    """An import body; `external_total` is (totalGrossAmountFromExternal, maximumDifferenceToCalculatedSum),
    sent as the service sends `setTotalAmount`."""
    body: dict[str, Any] = {
        "date": date,
        "externalOrderNumber": reference,
        "customer": {"id": target.customer_id},
        "project": {"id": target.project_id},
        "financials": {
            "paymentMethod": {"id": target.payment_method_id},
            "currency": target.currency,
            "tax": {"taxDisplay": display, "taxation": "domestic"},
            "billingAddress": {
                "name": "Verify Xentral",
                "street": "Teststraße 1",
                "zipCode": "12345",
                "city": "Teststadt",
                "country": "DE",
            },
        },
        # Never shipped: every test order is cancelled at the end.
        "delivery": {"shippingMethod": {"id": target.shipping_method_id}, "autoShipping": False},
        "positions": positions,
        "internalDesignation": "verify-xentral test order (cancelled after the check)",
    }
    if discounts:
        body["discountPositions"] = discounts
    if external_total is not None:
        gross, limit = external_total
        body["setTotalAmount"] = {
            "isActive": True,
            "totalGrossAmountFromExternal": float(gross),
            "maximumDifferenceToCalculatedSum": float(limit),
        }
    return body
