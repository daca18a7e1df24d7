"""Why Xentral holds an order instead of shipping it, in words a merchant uses.

Xentral shows each check as a traffic light on the order (`stockOk`, `prepaidOk`, …); a red light holds
the order in Xentral's dispatch until someone fixes what it names. The service reports the red ones as
`held_reasons`, so a shop sees why an order does not ship without opening Xentral. Nothing here knows
Xentral's wire names; the Xentral adapter translates its lights into these reasons.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["HELD_REASONS", "HeldReason"]

HeldReason = Literal[
    "out_of_stock",
    "awaiting_prepayment",
    "vat_id_check_failed",
    "delivery_blocked",
    "credit_limit_exceeded",
    "delivery_date_not_reached",
    "shipping_costs_unclear",
    "customer_check_failed",
]

# What each reason means, for the API schema (docs/webhooks.md lists them for the callback).
HELD_REASONS: dict[HeldReason, str] = {
    "out_of_stock": "not every stock item is in stock for the ordered quantity",
    "awaiting_prepayment": "paid by prepayment; Xentral holds it until the payment is matched",
    "vat_id_check_failed": "the VAT id check failed (e.g. an EU delivery without a valid VAT id)",
    "delivery_blocked": "the customer has a delivery ban",
    "credit_limit_exceeded": "the customer's credit limit is exceeded",
    "delivery_date_not_reached": "the desired delivery date has not come yet",
    "shipping_costs_unclear": "Xentral's postage check failed (shipping costs missing or not as expected)",
    "customer_check_failed": "the customer check failed",
}
