"""How the sandbox books an imported order's money: the `netSales` and `total` its list and view return.

Modelled from the import schema and written down where the spec is silent or
ambiguous (docs/xentral.md#prices-tax-and-totals states the same rules for the service). The contested
points follow the instance's readings (readings.py); the defaults are described here:

- Amounts are read per `financials.tax.taxDisplay`: `net` → net prices; `gross`, `auto` or
  absent → gross prices (reading `price_basis`; "net" reads every amount as net).
- A line's rate: `tax.rate` (a percentage, 19 = 19 %), else `tax.vatCategory`, else the
  product's `salesTax` (standard → normal, reduced, free → exempt); normal/reduced come from
  `financials.tax.normalTaxRate`/`reducedTaxRate`, else the project, else 19/7.
- `taxation` `eu`, `export` and `taxfreedomestic` charge no VAT: every rate is 0.
- `discount` on a position (or shipping cost) is a fraction, 0.15 = 15 % (the field's
  description); a value outside 0..1 is refused as a violation, so a client sending percent fails
  (reading `discount_scale`; "percent": 15 = 15 %, refused outside 0..100).
- `discountPositions[].value.amount` is subtracted as given: a positive amount lowers the total
  (reading `discount_sign`; "negative-lowers" adds it as given).
- Rounding per line to the cent, half up: gross prices → net = gross / (1 + rate), tax = gross - net;
  net prices → tax = net * rate, gross = net + tax. The order's figures are the sums of its lines
  (reading `rounding`; "per-rate-sum" adds the unrounded nets per rate and rounds net and tax once per rate).
- `setTotalAmount` (active, with `totalGrossAmountFromExternal`): when the external total is within
  `maximumDifferenceToCalculatedSum` (absent = 0) of the booked gross, the order's total is the external one;
  otherwise the order keeps its own sum and auto-shipping is switched off. Assumption: the net figure stays
  the sandbox's own sum in both cases.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .problems import put_violation
from .readings import Readings, Rounding
from .state import Record, SandboxState

__all__ = [
    "Booked",
    "book_order",
    "booked_by_rate",
    "discount_factor",
    "discount_violations",
    "line_category",
    "line_rate",
]

_CENT = Decimal("0.01")
_TAX_FREE = frozenset({"eu", "export", "taxfreedomestic"})
_CLASS_TO_CATEGORY = {"standard": "normal", "reduced": "reduced", "free": "exempt"}


@dataclass(frozen=True, slots=True)
class Booked:
    net: Decimal
    gross: Decimal
    rates: tuple[float, ...]  # the effective rate of each position, in order
    # (net, gross) of each position, rounded per line whatever the order's rounding: the view's revenue figures
    positions: tuple[tuple[Decimal, Decimal], ...] = ()
    external_total: bool = False  # the gross is `setTotalAmount`'s external total
    auto_shipping_off: bool = False  # `setTotalAmount` differed by more than its maximum


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


def discount_factor(discount: Any, readings: Readings) -> Decimal:
    """What a line's amount is multiplied by for its `discount`."""
    scale = Decimal(100) if readings.discount_scale == "percent" else Decimal(1)
    return 1 - _dec(discount or 0) / scale


def discount_violations(data: Mapping[str, Any], violations: dict[str, Any], readings: Readings) -> None:
    """`discount` is a fraction (0..1), or a percentage (0..100) under the other reading; anything else is
    refused where it was sent."""
    top = 100 if readings.discount_scale == "percent" else 1
    groups: list[tuple[tuple[str, ...], list[Any]]] = [
        (("positions",), data.get("positions") or []),
        (("delivery", "shippingCosts"), (data.get("delivery") or {}).get("shippingCosts") or []),
    ]
    for where, lines in groups:
        for index, line in enumerate(lines):
            discount = line.get("discount")
            if discount is not None and not 0 <= discount <= top:
                put_violation(violations, (*where, index, "discount"), f"This value should be between 0 and {top}.")


def _lines(
    state: SandboxState, data: Mapping[str, Any], net_prices: bool, readings: Readings
) -> Iterator[tuple[Decimal, Any, Record]]:
    """(signed amount, tax, product) for every priced line of the import."""
    charged = [(line, "product") for line in data["positions"]]
    charged += [(line, "shippingCostProduct") for line in (data.get("delivery") or {}).get("shippingCosts") or []]
    for line, member in charged:
        product = state.products[line[member]["id"]]
        amount = (line.get("price") or {}).get("amount")
        if amount is None:
            amount = product.get("salesPriceNet" if net_prices else "salesPriceGross") or 0
        factor = discount_factor(line.get("discount"), readings)
        yield _dec(amount) * _dec(line["quantity"]) * factor, line.get("tax"), product
    sign = -1 if readings.discount_sign == "positive-lowers" else 1
    for line in data.get("discountPositions") or []:
        product = state.products[line["discountProduct"]["id"]]
        value = (line.get("value") or {}).get("amount") or 0
        yield sign * _dec(value) * _dec(line["quantity"]), line.get("tax"), product


def net_prices(data: Mapping[str, Any], readings: Readings) -> bool:
    """Whether the import's amounts are net (the reading `price_basis`)."""
    tax = (data.get("financials") or {}).get("tax") or {}
    return readings.price_basis == "net" or tax.get("taxDisplay") == "net"


def _line_money(amount: Decimal, rate: Decimal, net_basis: bool) -> tuple[Decimal, Decimal]:
    """(net, gross) of one line, each rounded to the cent, signed like `amount`."""
    magnitude = _round(abs(amount))
    if net_basis:
        net, gross = magnitude, magnitude + _round(magnitude * rate / 100)
    else:
        net, gross = _round(magnitude / (1 + rate / 100)), magnitude
    sign = -1 if amount < 0 else 1
    return sign * net, sign * gross


def _per_line(lines: list[tuple[Decimal, Decimal]], net_basis: bool) -> tuple[Decimal, Decimal]:
    money = [_line_money(amount, rate, net_basis) for amount, rate in lines]
    return sum((net for net, _ in money), Decimal(0)), sum((gross for _, gross in money), Decimal(0))


def _per_rate_sum(lines: list[tuple[Decimal, Decimal]], net_basis: bool) -> tuple[Decimal, Decimal]:
    """ "Runden nach addieren": unrounded nets added per rate; net and tax rounded once per rate."""
    nets: dict[Decimal, Decimal] = {}
    for amount, rate in lines:
        net = amount if net_basis else amount / (1 + rate / 100)
        nets[rate] = nets.get(rate, Decimal(0)) + net
    net_total = gross_total = Decimal(0)
    for rate, net in nets.items():
        rounded = _round(net)
        net_total += rounded
        gross_total += rounded + _round(net * rate / 100)
    return net_total, gross_total


def _rated(state: SandboxState, data: Mapping[str, Any], project: Record) -> list[tuple[Decimal, Decimal]]:
    """(signed amount, effective rate) for every priced line of the import."""
    readings = state.readings
    tax = (data.get("financials") or {}).get("tax") or {}
    normal = _dec(tax.get("normalTaxRate") or project.get("normalTaxRate") or 19)
    reduced = _dec(tax.get("reducedTaxRate") or project.get("reducedTaxRate") or 7)
    tax_free = tax.get("taxation") in _TAX_FREE
    return [
        (amount, Decimal(0) if tax_free else line_rate(line_tax, product, normal, reduced))
        for amount, line_tax, product in _lines(state, data, net_prices(data, readings), readings)
    ]


def booked_by_rate(
    state: SandboxState, data: Mapping[str, Any], project: Record, rounding: Rounding | None = None
) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """The net and tax the order books per rate (percent → (net, tax)) before any `setTotalAmount`, under
    the instance's rounding reading or `rounding`: what an invoice's VAT summary would list."""
    net_basis = net_prices(data, state.readings)
    by_rate: dict[Decimal, list[tuple[Decimal, Decimal]]] = {}
    for amount, rate in _rated(state, data, project):
        by_rate.setdefault(rate.normalize(), []).append((amount, rate))
    summed = _per_rate_sum if (rounding or state.readings.rounding) == "per-rate-sum" else _per_line
    found = {}
    for rate, lines in by_rate.items():
        net, gross = summed(lines, net_basis)
        found[rate] = (net, gross - net)
    return found


def book_order(state: SandboxState, data: Mapping[str, Any], project: Record) -> Booked:
    readings = state.readings
    net_basis = net_prices(data, readings)
    lines = _rated(state, data, project)
    summed = _per_rate_sum if readings.rounding == "per-rate-sum" else _per_line
    net_total, gross_total = summed(lines, net_basis)
    positions = lines[: len(data["positions"])]
    booked = Booked(
        net=net_total,
        gross=gross_total,
        rates=tuple(float(rate) for _, rate in positions),
        positions=tuple(_line_money(amount, rate, net_basis) for amount, rate in positions),
    )
    fixed = data.get("setTotalAmount") or {}
    external = fixed.get("totalGrossAmountFromExternal")
    if not fixed.get("isActive") or external is None:
        return booked
    limit = _dec(fixed.get("maximumDifferenceToCalculatedSum") or 0)
    if abs(_dec(external) - gross_total) <= limit:
        return replace(booked, gross=_round(_dec(external)), external_total=True)
    return replace(booked, auto_shipping_off=True)
