"""How the sandbox books an imported order's money: the `netSales` and `total` its list returns.

Modelled from the import schema and written down where the spec is silent or
ambiguous (docs/xentral.md#prices-tax-and-totals states the same rules for the service):

- Amounts are read per `financials.tax.taxDisplay`: `net` → net prices; `gross`, `auto` or
  absent → gross prices.
- A line's rate: `tax.rate` (a percentage, 19 = 19 %), else `tax.vatCategory`, else the
  product's `salesTax` (standard → normal, reduced, free → exempt); normal/reduced come from
  `financials.tax.normalTaxRate`/`reducedTaxRate`, else the project, else 19/7.
- `taxation` `eu`, `export` and `taxfreedomestic` charge no VAT: every rate is 0.
- `discount` on a position (or shipping cost) is a fraction, 0.15 = 15 % (the field's
  description); a value outside 0..1 is refused as a violation, so a client sending percent fails.
- `discountPositions[].value.amount` is subtracted as given: a positive amount lowers the total.
- Rounding per line to the cent, half up: gross prices → net = gross / (1 + rate), tax = gross - net;
  net prices → tax = net * rate, gross = net + tax. The order's figures are the sums of its lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .problems import put_violation
from .state import Record, SandboxState

__all__ = ["Booked", "book_order", "discount_violations", "line_category", "line_rate"]

_CENT = Decimal("0.01")
_TAX_FREE = frozenset({"eu", "export", "taxfreedomestic"})
_CLASS_TO_CATEGORY = {"standard": "normal", "reduced": "reduced", "free": "exempt"}


@dataclass(frozen=True, slots=True)
class Booked:
    net: Decimal
    gross: Decimal
    rates: tuple[float, ...]  # the effective rate of each position, in order


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def line_category(tax: Mapping[str, Any] | None, product: Record) -> str | None:
    """The line's VAT category: as sent, else the product's tax class; None for an explicit rate."""
    tax = tax or {}
    if tax.get("rate") is not None:
        return None
    category: str = tax.get("vatCategory") or _CLASS_TO_CATEGORY.get(product.get("salesTax") or "standard", "normal")
    return category


def line_rate(tax: Mapping[str, Any] | None, product: Record, normal: Decimal, reduced: Decimal) -> Decimal:
    if (tax or {}).get("rate") is not None:
        return _dec((tax or {})["rate"])
    category = line_category(tax, product)
    return {"normal": normal, "reduced": reduced}.get(category or "", Decimal(0))


def discount_violations(data: Mapping[str, Any], violations: dict[str, Any]) -> None:
    """`discount` is a fraction (0..1); anything else is refused where it was sent."""
    groups: list[tuple[tuple[str, ...], list[Any]]] = [
        (("positions",), data.get("positions") or []),
        (("delivery", "shippingCosts"), (data.get("delivery") or {}).get("shippingCosts") or []),
    ]
    for where, lines in groups:
        for index, line in enumerate(lines):
            discount = line.get("discount")
            if discount is not None and not 0 <= discount <= 1:
                put_violation(violations, (*where, index, "discount"), "This value should be between 0 and 1.")


def _lines(state: SandboxState, data: Mapping[str, Any], net_prices: bool) -> Iterator[tuple[Decimal, Any, Record]]:
    """(signed amount, tax, product) for every priced line of the import."""
    for line in data["positions"]:
        product = state.products[line["product"]["id"]]
        amount = (line.get("price") or {}).get("amount")
        if amount is None:
            amount = product.get("salesPriceNet" if net_prices else "salesPriceGross") or 0
        factor = 1 - _dec(line.get("discount") or 0)
        yield _dec(amount) * _dec(line["quantity"]) * factor, line.get("tax"), product
    for line in (data.get("delivery") or {}).get("shippingCosts") or []:
        product = state.products[line["shippingCostProduct"]["id"]]
        amount = (line.get("price") or {}).get("amount")
        if amount is None:
            amount = product.get("salesPriceNet" if net_prices else "salesPriceGross") or 0
        factor = 1 - _dec(line.get("discount") or 0)
        yield _dec(amount) * _dec(line["quantity"]) * factor, line.get("tax"), product
    for line in data.get("discountPositions") or []:
        product = state.products[line["discountProduct"]["id"]]
        value = (line.get("value") or {}).get("amount") or 0
        yield -_dec(value) * _dec(line["quantity"]), line.get("tax"), product


def book_order(state: SandboxState, data: Mapping[str, Any], project: Record) -> Booked:
    tax = (data.get("financials") or {}).get("tax") or {}
    normal = _dec(tax.get("normalTaxRate") or project.get("normalTaxRate") or 19)
    reduced = _dec(tax.get("reducedTaxRate") or project.get("reducedTaxRate") or 7)
    net_prices = tax.get("taxDisplay") == "net"
    tax_free = tax.get("taxation") in _TAX_FREE
    net_total = gross_total = Decimal(0)
    rates: list[float] = []
    for amount, line_tax, product in _lines(state, data, net_prices):
        rate = Decimal(0) if tax_free else line_rate(line_tax, product, normal, reduced)
        rates.append(float(rate))
        magnitude = _round(abs(amount))
        if net_prices:
            net = magnitude
            gross = net + _round(net * rate / 100)
        else:
            gross = magnitude
            net = _round(gross / (1 + rate / 100))
        sign = -1 if amount < 0 else 1
        net_total += sign * net
        gross_total += sign * gross
    return Booked(net=net_total, gross=gross_total, rates=tuple(rates[: len(data["positions"])]))
