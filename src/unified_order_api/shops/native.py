"""What every shop connector shares: the result of reading a webhook, and how shop money is read.

A connector only translates: the shop's own order JSON in, our public order request (the body
`POST /api/orders` takes) out, with a map from our JSON pointers back to the shop's, so that a
refusal names the shop's own line. It computes no totals of its own: the shop's total goes along
as `expected_total`, and the order flow checks it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..orders.errors import FieldProblem
from ..orders.refunds import RecordRefund, ShopOrderKey

__all__ = [
    "ADDRESS_FIELDS",
    "Ignored",
    "NativeOrderInvalid",
    "ReportedRefunds",
    "Translated",
    "address_fields",
    "amount",
    "charge",
    "charged_rate",
    "decimal_text",
    "entries",
    "first_sku",
    "full_name",
    "line_id",
    "native_pointer",
    "negative_line",
    "order_date",
    "present",
    "settle_taxes",
    "sku_missing",
    "taxation_for",
    "text",
    "timestamp",
]

CENT = Decimal("0.01")
ADDRESS_FIELDS = ("name", "company", "street", "address_supplement", "zip", "city", "country", "state", "phone")


@dataclass(frozen=True, slots=True)
class Translated:
    """The order as our request, and where each part of it came from in the shop's JSON."""

    body: dict[str, Any]
    origins: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ignored:
    """A valid webhook that creates no order (a test order, a status not imported, an event without order)."""

    reason: str


@dataclass(frozen=True, slots=True)
class ReportedRefunds:
    """The refunds a delivery reports, of the one order it names (each as the refund command)."""

    order: ShopOrderKey
    refunds: tuple[RecordRefund, ...]

    def __str__(self) -> str:
        ids = ", ".join(refund.refund_id for refund in self.refunds)
        return f"Refund {ids} of order {self.order}"


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


def present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that have a value: our request leaves out what the shop did not send."""
    return {key: value for key, value in fields.items() if value is not None}


def line_id(line: Mapping[str, Any]) -> dict[str, str]:
    """The shop's own id of a line as the request's `line_id` (Xentral's webId), or nothing when it has none."""
    value = line.get("id")
    return {"line_id": str(value)} if value not in (None, "") else {}


def text(value: Decimal | None) -> str | None:
    """A read amount as the request's string, None where the shop sent none."""
    return str(value) if value is not None else None


def entries(container: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """The JSON objects of a list field (a missing field, or anything in it but objects, is skipped)."""
    value = container.get(key)
    return [line for line in value if isinstance(line, dict)] if isinstance(value, list) else []


def order_date(value: Any) -> str | None:
    """The date of a shop's ISO timestamp (as the shop wrote it, offset or not); None if it is not one."""
    try:
        return dt.datetime.fromisoformat(str(value)).date().isoformat() if value else None
    except ValueError:
        return None


def timestamp(value: Any) -> dt.datetime | None:
    """A shop's ISO timestamp with its offset, in UTC; None if it is not one or has no offset."""
    try:
        moment = dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment is not None and moment.tzinfo is not None else None


def full_name(part: Mapping[str, Any], first: str = "first_name", last: str = "last_name") -> str:
    """First and last name joined, under the shop's own keys for them ("" when both are empty)."""
    return f"{part.get(first) or ''} {part.get(last) or ''}".strip()


def address_fields(part: Mapping[str, Any], names: Mapping[str, str], **derived: Any) -> dict[str, Any]:
    """Our address fields that have a value, in our order: each read from the shop's address under the
    shop's name for it (`names`), or taken from `derived` where the shop's rule is more than one key."""
    found: dict[str, Any] = {}
    for ours in ADDRESS_FIELDS:
        value = derived[ours] if ours in derived else part.get(names[ours]) if ours in names else None
        if value:
            found[ours] = value
    return found


def sku_missing(pointer: str, index: int, name: str | None, skus_from: Iterable[str]) -> FieldProblem:
    """The refusal of a line that has none of the fields the shop's SKU is configured to come from."""
    return FieldProblem(pointer, "sku_missing", f"Line {index + 1} ({name}) has no {' or '.join(skus_from)}")


def negative_line(pointer: str, what: str, value: Decimal) -> FieldProblem:
    """The refusal of an order line whose amount is below zero: never booked at 0 % or as its absolute
    value; a shop's reduction comes as its own coupon, promotion or discount line."""
    return FieldProblem(
        pointer,
        "line_negative",
        f"{what} amounts to {value}, below zero: an order line cannot be negative (a reduction is a coupon, "
        "promotion or discount of its own)",
    )


def settle_taxes(
    charged: Mapping[Decimal, Decimal], added: Iterable[dict[str, Any]], taken: Iterable[dict[str, Any]]
) -> None:
    """The stated line taxes of each rate moved onto the tax the shop charged at that rate (`charged`,
    percent → amount), where the shop rounds on the total: each line's tax rounded apart adds up to a
    cent or so more or less than the rate's tax rounded once. The difference goes a cent per line onto
    the rate's largest lines (`added`: items, shipping, fees), so each line stays within a cent of its
    own rate and the VAT per rate is the shop's; `taken` (discounts) count negative and are left as they
    are. A rate with a line that states no tax, or whose difference is more cents than it has lines to
    carry them (the amounts do not belong together), is left alone: the totals check then says so."""
    added, taken = list(added), list(taken)
    for rate, tax in charged.items():
        mine = [line for line in added if _rate_of(line) == rate]
        theirs = [line for line in taken if _rate_of(line) == rate]
        if not mine or any(line.get("tax_amount") is None for line in (*mine, *theirs)):
            continue
        ours = sum((Decimal(line["tax_amount"]) for line in mine), Decimal(0))
        ours -= sum((Decimal(line["tax_amount"]) for line in theirs), Decimal(0))
        cents_off = (tax - ours) / CENT
        if not cents_off or cents_off != cents_off.to_integral_value() or abs(cents_off) > len(mine):
            continue
        step = CENT if cents_off > 0 else -CENT
        for line in sorted(mine, key=_size, reverse=True)[: int(abs(cents_off))]:
            line["tax_amount"] = str(Decimal(line["tax_amount"]) + step)


def _size(line: Mapping[str, Any]) -> Decimal:
    """A line's amount: a charge's `amount`, an item's price times quantity."""
    if line.get("amount") is not None:
        return Decimal(line["amount"])
    return Decimal(line.get("price") or 0) * Decimal(line.get("quantity") or 0)


def _rate_of(line: Mapping[str, Any]) -> Decimal | None:
    rate = line.get("tax_rate")
    return Decimal(rate) if isinstance(rate, str) else None


def charge(name: str, value: Decimal, rate: Decimal) -> dict[str, Any]:
    """A shipping cost, fee or discount of our request."""
    return {"name": name, "amount": str(value), "tax_rate": decimal_text(rate)}
