"""An order's net, tax and gross — computed the way Xentral computes it, to the cent.

The rounding rule (shared with the sandbox, docs/xentral.md#prices-tax-and-totals): **per line, to the cent,
half up**. For every line (item, shipping cost, fee, discount):

- amount = unit price * quantity * (1 - discount %/100), rounded to the cent;
- gross prices: gross = amount, net = gross / (1 + rate/100) rounded, tax = gross - net;
- net prices: net = amount, tax = net * rate/100 rounded, gross = net + tax;
- under `eu` / `export` taxation the rate is 0, so net = gross = amount;
- a discount is subtracted: its line has the negated amounts.

Where the shop states a line's tax amount (`Charge.tax_amount`), that amount is the tax: the shop
rounded it its own way (Shopify each tax line apart, Shopware on the total) and the buyer paid it, so
net = amount - tax for gross prices and gross = amount + tax for net prices.

The order's totals are the sums of its lines. Nothing here knows HTTP or Xentral's wire format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from .taxation import TAX_FREE, Prices, Taxation

__all__ = [
    "CENT",
    "Charge",
    "ChargeKind",
    "LineTotal",
    "OrderTotals",
    "TotalsCheck",
    "cents",
    "compute_totals",
    "line_total",
    "vat_by_rate",
]

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ChargeKind = Literal["item", "shipping", "fee", "discount"]


def cents(value: Decimal) -> Decimal:
    """Half up, symmetric for negative amounts (-0.005 → -0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Charge:
    """One priced line as the caller meant it: `unit_amount` is gross or net per the order's prices."""

    kind: ChargeKind
    pointer: str
    label: str
    quantity: Decimal
    unit_amount: Decimal
    rate: Decimal
    discount_percent: Decimal = Decimal(0)
    tax_amount: Decimal | None = None  # stated by the shop, positive; None: computed from `rate`


@dataclass(frozen=True, slots=True)
class LineTotal:
    kind: ChargeKind
    pointer: str
    label: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "pointer": self.pointer,
            "label": self.label,
            "rate": _plain(self.rate),
            "net": str(self.net),
            "tax": str(self.tax),
            "gross": str(self.gross),
        }


@dataclass(frozen=True, slots=True)
class OrderTotals:
    net: Decimal
    tax: Decimal
    gross: Decimal
    lines: tuple[LineTotal, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "net": str(self.net),
            "tax": str(self.tax),
            "gross": str(self.gross),
            "lines": [line.to_json() for line in self.lines],
        }


def line_total(charge: Charge, prices: Prices, taxation: Taxation) -> LineTotal:
    rate = Decimal(0) if taxation in TAX_FREE else charge.rate
    amount = cents(abs(charge.unit_amount * charge.quantity * (1 - charge.discount_percent / HUNDRED)))
    stated = None if taxation in TAX_FREE or charge.tax_amount is None else cents(abs(charge.tax_amount))
    if prices == "gross":
        gross = amount
        net = cents(gross / (1 + rate / HUNDRED)) if stated is None else gross - stated
        tax = gross - net
    else:
        net = amount
        tax = cents(net * rate / HUNDRED) if stated is None else stated
        gross = net + tax
    if charge.kind == "discount":
        net, tax, gross = -net, -tax, -gross
    return LineTotal(charge.kind, charge.pointer, charge.label, rate, net, tax, gross)


def compute_totals(charges: Iterable[Charge], prices: Prices, taxation: Taxation) -> OrderTotals:
    lines = tuple(line_total(charge, prices, taxation) for charge in charges)
    return OrderTotals(
        net=sum((line.net for line in lines), Decimal("0.00")),
        tax=sum((line.tax for line in lines), Decimal("0.00")),
        gross=sum((line.gross for line in lines), Decimal("0.00")),
        lines=lines,
    )


def vat_by_rate(lines: Iterable[LineTotal]) -> dict[Decimal, Decimal]:
    """The tax per rate (percent → amount), as an invoice and a VAT return list it."""
    found: dict[Decimal, Decimal] = {}
    for line in lines:
        key = line.rate.normalize()
        found[key] = found.get(key, Decimal("0.00")) + line.tax
    return found


@dataclass(frozen=True, slots=True)
class TotalsCheck:
    """Our totals next to what the buyer paid (`expected`) and what Xentral booked (`xentral`).

    A difference is a difference: `matches` is True only when every known figure equals our gross to
    the cent, None when there was nothing to compare with. The tolerance decides only whether a
    difference is refused or flagged (`within_tolerance`); every difference has its warning.
    """

    net: Decimal
    tax: Decimal
    gross: Decimal
    expected: Decimal | None
    xentral: Decimal | None
    tolerance: Decimal
    redeemed: Decimal = Decimal(0)  # paid with gift cards and store credit: part of `expected`, not off it

    def with_xentral(self, total: Decimal | None) -> TotalsCheck:
        """The same check with Xentral's own booked total (read back after the import) added."""
        return self if total is None else replace(self, xentral=total)

    @property
    def expected_matches(self) -> bool | None:
        return None if self.expected is None else self.gross == self.expected

    @property
    def xentral_matches(self) -> bool | None:
        return None if self.xentral is None else self.gross == self.xentral

    @property
    def within_tolerance(self) -> bool:
        """Whether the buyer's total differs by no more than the tolerance (a difference to flag, not refuse)."""
        return self.expected is None or abs(self.gross - self.expected) <= self.tolerance

    @property
    def matches(self) -> bool | None:
        known = [m for m in (self.expected_matches, self.xentral_matches) if m is not None]
        return all(known) if known else None

    def warnings(self) -> list[str]:
        found = []
        if self.expected_matches is False:
            assert self.expected is not None
            found.append(
                f"total_mismatch: the order's gross total {self.gross} differs from the expected total "
                f"{self.expected} by {self.gross - self.expected}{self._tolerated(self.gross - self.expected)}"
            )
        if self.xentral_matches is False:
            assert self.xentral is not None
            found.append(
                f"xentral_total_mismatch: Xentral's total {self.xentral} differs from the computed total "
                f"{self.gross} by {self.xentral - self.gross}{self._tolerated(self.xentral - self.gross)}"
            )
        return found

    def _tolerated(self, difference: Decimal) -> str:
        return f" (within the tolerance of {self.tolerance})" if abs(difference) <= self.tolerance else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "net": str(self.net),
            "tax": str(self.tax),
            "gross": str(self.gross),
            "expected": None if self.expected is None else str(self.expected),
            "xentral": None if self.xentral is None else str(self.xentral),
            "matches": self.matches,
            **self._paid_how(),
        }

    def _paid_how(self) -> dict[str, str]:
        if not self.redeemed:
            return {}
        due = None if self.expected is None else self.expected - self.redeemed
        return {"redeemed": str(self.redeemed), **({"due": str(due)} if due is not None else {})}


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
