"""What every shop connector shares: the result of reading a webhook, and how shop money is read.

A connector only translates: the shop's own order JSON in, our public order request (the body
`POST /api/orders` takes) out, with a map from our JSON pointers back to the shop's, so that a
refusal names the shop's own line. It computes no totals of its own: the shop's total goes along
as `expected_total`, and the order flow checks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..orders.errors import FieldProblem

__all__ = [
    "Ignored",
    "NativeOrderInvalid",
    "Translated",
    "amount",
    "charged_rate",
    "decimal_text",
    "first_sku",
    "native_pointer",
    "taxation_for",
]

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Translated:
    """The order as our request, and where each part of it came from in the shop's JSON."""

    body: dict[str, Any]
    origins: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ignored:
    """A valid webhook that creates no order (a test order, a status not imported, an event without order)."""

    reason: str


class NativeOrderInvalid(Exception):
    """The shop's order cannot become our request; each problem points into the shop's JSON."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(problem.detail for problem in problems))
        self.problems = problems


def amount(value: Any) -> Decimal | None:
    """A shop amount as Decimal: strings as they are, floats by their shortest repr (395.01, not 395.0099…)."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(value) if isinstance(value, str | int) else Decimal(repr(float(value)))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def decimal_text(value: Decimal) -> str:
    """A Decimal as plain digits without trailing zeros (`50`, `7.5`), never `5E+1`."""
    return format(value.normalize(), "f")


def charged_rate(tax: Decimal, base: Decimal, *, gross: bool = False) -> Decimal:
    """The VAT rate in percent that `tax` is of `base` (of the net part when `base` is gross), to 0.01."""
    net = base - tax if gross else base
    if not net or not tax:
        return Decimal(0)
    return (tax / net * 100).quantize(CENT).normalize()


def taxation_for(total_tax: Decimal | None) -> str | None:
    """A shop that charged tax charged it at the rates it sent (`domestic`: taxed as given); without tax,
    the order flow derives domestic, EU reverse charge or export from the buyer's country and VAT id."""
    return "domestic" if total_tax else None


def first_sku(line: Mapping[str, Any], fields: list[str]) -> str | None:
    """The first non-empty of `fields` in a line (`0` counts as empty: WooCommerce's "no variation")."""
    for name in fields:
        value = line.get(name)
        if value in (None, "", 0, "0") or isinstance(value, bool):
            continue
        return str(value).strip() or None
    return None


def native_pointer(pointer: str, origins: Mapping[str, str]) -> str:
    """Our pointer (`/items/0/sku`) in the shop's terms (`/line_items/0/sku`), by the longest known prefix."""
    best = ""
    for ours in origins:
        if (pointer == ours or pointer.startswith(ours + "/")) and len(ours) > len(best):
            best = ours
    if not best:
        return pointer
    return origins[best] + pointer[len(best) :]
