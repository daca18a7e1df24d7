"""The currencies an order may be in: the ones Xentral's money objects accept (docs/xentral.md#prices-tax-and-totals).

The Xentral 2026 spec gives every money object (`price`, `value`, `total`, …) the same enum of ISO 4217
codes; an order in any other currency would be refused by the import, so the API refuses it first
(422, naming the field). The contract test `tests/contract/test_currencies.py` compares this list with the
spec's enum, so a change of the spec shows.

Every currency is computed to the cent, the zero-decimal ones (JPY, KRW, CLP, ISK) too: Xentral's amounts
are decimal strings with two places in every example and view (`"737.80"`), and nothing documents a
per-currency scale (assumed, docs/xentral.md#prices-tax-and-totals). A yen order's amounts are whole as
the shop sends them; a net price's VAT or a percent discount may carry cents, as it would in Xentral's own
sum, while the shop rounded its total to the yen. So a total is compared, and `setTotalAmount`'s maximum
difference sent, with a tolerance of at least the currency's smallest unit (`tolerance_in`): a yen shop's
total a fraction of a yen off is the shop's rounding, not a mismatch, and Xentral books the shop's total.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal, get_args

__all__ = ["CURRENCIES", "ZERO_DECIMAL", "Currency", "smallest_unit", "tolerance_in"]

Currency = Literal[
    "EUR", "USD", "JPY", "BGN", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF", "ISK", "NOK", "HRK", "RUB",
    "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB",
    "ZAR", "ARS", "CLP", "SAR", "AED", "QAR",
]  # fmt: skip
"""The spec's enum, in its order."""

CURRENCIES: Final[tuple[str, ...]] = get_args(Currency)

ZERO_DECIMAL: Final = frozenset({"JPY", "KRW", "CLP", "ISK"})
"""The spec's currencies without a minor unit (ISO 4217 exponent 0): shops price and total them whole."""


def smallest_unit(currency: str) -> Decimal:
    """The smallest amount a shop states in `currency`: 1 without a minor unit, else 0.01."""
    return Decimal(1) if currency.upper() in ZERO_DECIMAL else Decimal("0.01")


def tolerance_in(currency: str, tolerance: Decimal) -> Decimal:
    """`totals.tolerance` for an order in `currency`: never below the currency's smallest unit."""
    return max(tolerance, smallest_unit(currency))
