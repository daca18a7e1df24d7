"""The traffic lights of a sales order: why Xentral holds an imported order instead of shipping it.

The 2026 list item carries them (`stockOk`, `prepaidOk`, `vatOk`, `shippingLockOk`, …); no source says how
Xentral computes each. Assumptions, from what each light's name and Xentral's handbook say it checks:

- `stockOk`: every stock item of the positions has at least the ordered quantity in stock.
- `prepaidOk`: the payment method is not a prepayment ("vorkasse"), which holds the order until a payment
  is matched; the sandbox never matches one.
- `vatOk`: an EU delivery (`taxation` "eu") carries a VAT id.
- `shippingLockOk`: the customer has no delivery ban (`deliveryBan` on the customer record).
- every other light is green.

A test sets any light of an order directly (admin API `PATCH /_sandbox/salesOrders/{id}/trafficLights`,
or `SandboxState.set_traffic_lights`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from .state import Record, SandboxState

__all__ = ["TRAFFIC_LIGHTS", "traffic_lights"]

TRAFFIC_LIGHTS = (
    "isBeingEdited",
    "shippingDateOk",
    "creditLimitOk",
    "subsequentDelivery",
    "shippingLockOk",
    "postageOk",
    "customerCheckOk",
    "vatOk",
    "stockOk",
    "prepaidOk",
)
# Two of the list item's flags are states rather than checks: false is the unremarkable value.
_FALSE_WHEN_FINE = frozenset({"isBeingEdited", "subsequentDelivery"})


def traffic_lights(state: SandboxState, data: dict[str, Any], customer: Record) -> dict[str, bool]:
    lights = {name: name not in _FALSE_WHEN_FINE for name in TRAFFIC_LIGHTS}
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    for line in data["positions"]:
        wanted[line["product"]["id"]] += Decimal(str(line["quantity"]))
    lights["stockOk"] = all(
        not state.products[ident].get("isStockItem", True)
        or Decimal(state.products[ident].get("stockCount", 0)) >= need
        for ident, need in wanted.items()
    )
    method = state.payment_methods[data["financials"]["paymentMethod"]["id"]]
    lights["prepaidOk"] = method.get("type") != "vorkasse"
    tax = data["financials"].get("tax") or {}
    lights["vatOk"] = tax.get("taxation") != "eu" or bool(tax.get("vatId"))
    lights["shippingLockOk"] = not customer.get("deliveryBan", False)
    return lights
