"""Balancing lines: what makes Xentral's own tax per rate the tax the shop charged per rate.

Xentral is told each line's amount and rate, never its tax (the import has no tax amount), and computes
the tax itself, per line (docs/xentral.md#prices-tax-and-totals). A shop that rounds each rate's tax once
on the order (Shopware's vertical tax calculation, WooCommerce rounding at subtotal), or rounds each tax
line apart (Shopify's city and state tax), charged T at a rate where Xentral's per-line sum of the same
amounts gives T - k cents. No amount of the shop's lines may change, so the k cents go on balancing lines
at that rate whose amounts add up to zero: `count` fee positions of `amount` each and one discount of
`count` x `amount`, chosen so that each fee's tax rounds the other way from the discount's:
`count` x tax(`amount`) - tax(`count` x `amount`) = k cents.

Promises:
- Every rate's sum of amounts, the order's net and gross amounts stay as the shop's: a Xentral that adds
  the unrounded amounts per rate and rounds each rate's tax once ("Runden nach addieren") books the same
  with the balancing lines as without them, so the shop's figures stand under either rounding. (Except
  where a rate's unrounded gross-to-net sum is exactly a half cent: a gross balancing line's net is no
  finite decimal, so the last digit of the arithmetic, Decimal's or PHP's, decides that tie.)
- Under per-line rounding the tax per rate Xentral books equals the shop's, and so does its total.
- No balancing line's tax is a rounding tie (half up, half even and half away from zero agree on it).
- At most `MAX_FEES` fees and one discount per rate. A difference no such lines can carry (at 0 %, more
  than they can carry, at a rate whose every line is exact or a tie, such as 50 % net) is said, never
  booked silently; so is one the configuration cannot carry (no fee or discount product).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from .taxation import TAX_FREE, Prices, Taxation
from .totals import CENT, Charge, LineTotal, cents, line_total

__all__ = ["MAX_FEES", "RoundingBalance", "Unbalanced", "rounding_balances", "xentral_tax"]

_HALF = Decimal("0.5")
HUNDRED = Decimal(100)
_SMALLEST_LARGEST = 100  # cents: balancing fees of up to 1.00, more at a rate below 2 %
_LARGEST = 2_000  # cents: no balancing fee above 20.00 (a rate below 0.1 % cannot be balanced)
MAX_FEES = 20
"""Balancing fees per rate at most. Each line's tax is off its exact value by less than half a cent, so
k cents take at least 2k fees: 20 carry up to about 9 cents at most rates (about 5 at 25 % net, where a
line is off by a quarter cent at most). A shop's rounding of n lines makes a difference of at most n/2
cents, typically far less; a difference beyond what 20 fees carry is refused, not spread over a
hundred positions (`Unbalanced`)."""


@dataclass(frozen=True, slots=True)
class RoundingBalance:
    """The balancing lines of one rate: `count` fees of `amount` and a discount of their sum, moving
    Xentral's per-line tax at `rate` by `difference` (the shop's tax minus Xentral's per-line sum)."""

    rate: Decimal
    stated: Decimal  # the shop's tax at the rate
    difference: Decimal  # `stated` minus Xentral's per-line sum
    amount: Decimal
    count: int
    pointer: str  # the first line at the rate whose tax the shop stated

    @property
    def discount(self) -> Decimal:
        return self.amount * self.count

    @property
    def label(self) -> str:
        return f"Rounding balance {format(self.rate.normalize(), 'f')} %"


@dataclass(frozen=True, slots=True)
class Unbalanced:
    """A rate whose difference no balancing lines can carry."""

    rate: Decimal
    stated: Decimal
    difference: Decimal
    pointer: str


def xentral_tax(amount: Decimal, rate: Decimal, prices: Prices) -> Decimal:
    """The tax Xentral computes on one positive line amount at `rate` (per line, half up)."""
    if prices == "gross":
        return amount - cents(amount / (1 + rate / HUNDRED))
    return cents(amount * rate / HUNDRED)


def rounding_balances(
    charges: Sequence[Charge], lines: Sequence[LineTotal], prices: Prices, taxation: Taxation
) -> tuple[list[RoundingBalance], list[Unbalanced]]:
    """Per rate, the balancing lines that make Xentral's per-line tax of `charges` the stated tax of
    `lines` (the same lines, totalled with the shop's stated amounts), in order of the rates."""
    if taxation in TAX_FREE:
        return [], []
    stated: dict[Decimal, Decimal] = {}
    computed: dict[Decimal, Decimal] = {}
    pointers: dict[Decimal, str] = {}
    for charge, line in zip(charges, lines, strict=True):
        rate = line.rate.normalize()
        own = line_total(replace(charge, tax_amount=None), prices, taxation)
        stated[rate] = stated.get(rate, Decimal(0)) + line.tax
        computed[rate] = computed.get(rate, Decimal(0)) + own.tax
        if charge.tax_amount is not None:
            pointers.setdefault(rate, charge.pointer)
    balances: list[RoundingBalance] = []
    unbalanced: list[Unbalanced] = []
    for rate in sorted(stated):
        difference = stated[rate] - computed[rate]
        if not difference:
            continue
        pointer = pointers.get(rate, "/expected_total")
        found = _lines_for(difference, rate, prices)
        if found is None:
            unbalanced.append(Unbalanced(rate, stated[rate], difference, pointer))
        else:
            balances.append(RoundingBalance(rate, stated[rate], difference, found[0], found[1], pointer))
    return balances, unbalanced


def _lines_for(difference: Decimal, rate: Decimal, prices: Prices) -> tuple[Decimal, int] | None:
    """The smallest `count`, then `amount`, whose lines move Xentral's tax at `rate` by `difference`."""
    if rate == 0:
        return None
    if abs(difference) > CENT * MAX_FEES:  # 20 fees move the tax by less than 10.5 cents
        return None
    largest = min(max(_SMALLEST_LARGEST, int(200 / rate) + 1), _LARGEST)  # a fee whose tax reaches 2 cents
    for count in range(2, MAX_FEES + 1):
        for amount_cents in range(1, largest + 1):
            amount = Decimal(amount_cents) * CENT
            if _tie(amount, rate, prices) or _tie(amount * count, rate, prices):
                continue
            moved = count * xentral_tax(amount, rate, prices) - xentral_tax(amount * count, rate, prices)
            if moved == difference:
                return amount, count
    return None


def _tie(amount: Decimal, rate: Decimal, prices: Prices) -> bool:
    """Whether Xentral's rounding of this line lands on a half cent, where rounding rules disagree."""
    exact = amount * rate / HUNDRED if prices == "net" else amount / (1 + rate / HUNDRED)
    return (exact / CENT) % 1 == _HALF
