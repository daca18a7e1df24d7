"""What Xentral books for a priced order: the service's own import body, booked by the sandbox's pricing.

The body is the one `build_import_payload` writes for the drafted lines, shipping costs, fees and
discounts (balancing lines included); the booking is `xentral_sandbox.pricing.booked_by_rate`, which
shares nothing with the service but the wire format. Pure: no HTTP, so the unit tier may use it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from unified_order_api.orders.model import OrderDraft
from unified_order_api.orders.pricing import Pricing
from unified_order_api.xentral import build_import_payload
from xentral_sandbox.pricing import booked_by_rate
from xentral_sandbox.readings import Rounding
from xentral_sandbox.state import SandboxState

__all__ = ["XentralBooking", "xentral_books"]

PROJECT = {"id": "1", "normalTaxRate": 19, "reducedTaxRate": 7}


@dataclass(frozen=True, slots=True)
class XentralBooking:
    gross: Decimal
    vat: dict[Decimal, Decimal]  # rate (normalised) → tax, non-zero rates only


def xentral_books(pricing: Pricing, rounding: Rounding = "per-line") -> XentralBooking:
    """The total and VAT per rate Xentral computes from the import of `pricing` (no `setTotalAmount`)."""
    draft = OrderDraft(
        order_date=dt.date(2026, 12, 1),
        reference="BOOKED-1",
        customer_id="1",
        project_id=PROJECT["id"],
        payment_method_id="1",
        shipping_method_id="1",
        currency="EUR",
        lines=pricing.lines,
        prices=pricing.prices,
        taxation=pricing.taxation,
        vat_id=pricing.vat_id,
        shipping_costs=pricing.shipping_costs,
        discounts=pricing.discounts,
    )
    body: dict[str, Any] = json.loads(json.dumps(build_import_payload(draft)))
    state = SandboxState()
    for line in (
        *body["positions"],
        *(body["delivery"].get("shippingCosts") or []),
        *body.get("discountPositions", []),
    ):
        product = line.get("product") or line.get("shippingCostProduct") or line["discountProduct"]
        state.products[product["id"]] = {"id": product["id"], "number": product["id"], "salesTax": "standard"}
    booked = booked_by_rate(state, body, PROJECT, rounding)
    return XentralBooking(
        gross=sum((net + tax for net, tax in booked.values()), Decimal("0.00")),
        vat={rate: tax for rate, (_, tax) in booked.items() if tax},
    )
