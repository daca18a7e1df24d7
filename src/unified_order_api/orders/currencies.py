"""The currencies an order may be in: the ones Xentral's money objects accept (docs/xentral.md#prices-tax-and-totals).

The Xentral 2026 spec gives every money object (`price`, `value`, `total`, …) the same enum of ISO 4217
codes; an order in any other currency would be refused by the import, so the API refuses it first
(422, naming the field). The contract test `tests/contract/test_currencies.py` compares this list with the
spec's enum, so a change of the spec shows.

Every currency is computed to the cent, the zero-decimal ones (JPY, KRW, CLP, ISK) too: Xentral's amounts
are decimal strings with two places in every example and view (`"737.80"`), and nothing documents a
per-currency scale (assumed, docs/xentral.md#prices-tax-and-totals). A yen order's amounts are whole as
the shop sends them; a net price's VAT may carry cents, as it would in Xentral's own sum.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = ["CURRENCIES", "Currency"]

Currency = Literal[
    "EUR", "USD", "JPY", "BGN", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF", "ISK", "NOK", "HRK", "RUB",
    "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB",
    "ZAR", "ARS", "CLP", "SAR", "AED", "QAR",
]  # fmt: skip
"""The spec's enum, in its order."""

CURRENCIES: Final[tuple[str, ...]] = get_args(Currency)
