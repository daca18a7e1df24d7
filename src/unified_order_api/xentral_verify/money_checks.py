"""The money checks: how the instance books a test order where the spec is contested or silent
(docs/xentral.md#prices-tax-and-totals; FACTS §3).

Each check imports one or two held test orders whose figures differ under the two readings, reads
what Xentral booked (the view's `netSales` and `total`) and says which reading it showed. The amounts
are chosen so the readings are cents or euros apart, never equal; an answer matching neither is
reported as it came.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .findings import Finding
from .orders import discount_position, line
from .session import VerifySession

__all__ = ["discount_scale", "discount_sign", "price_basis", "rounding", "set_total_amount"]

_CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _tax(net: Decimal, rate: Decimal) -> Decimal:
    return _cents(net * rate / 100)


async def discount_scale(session: VerifySession) -> Finding:
    """`positions[].discount` 0.5 on 100.00 net: a fraction books 50.00, a percentage 99.50."""
    body = session.body("DISCOUNT-SCALE", [line(session.target, "100.00", discount=0.5)])
    booked = await session.import_and_read(body)
    readings = {
        Decimal("50.00"): "a fraction (0.5 = 50 %), as the field's description says",
        Decimal("99.50"): "a percentage (0.5 = 0.5 %), as the examples and the v3 API say",
    }
    reading = readings.get(booked.net) if booked.net is not None else None
    observed = f"discount 0.5 on 100.00 net booked {booked}: " + (reading or "neither reading")
    return Finding(
        "discount-scale",
        "noted",
        observed,
        "nothing to change: the service never sends `discount`, it states the discounted unit price "
        "(docs/xentral.md#prices-tax-and-totals)",
    )


async def price_basis(session: VerifySession) -> Finding:
    """119.00 at the normal rate with `taxDisplay: gross`: read per taxDisplay, the total is 119.00; read as
    net whatever taxDisplay says, the net is 119.00."""
    target = session.target
    booked = await session.import_and_read(session.body("PRICE-BASIS", [line(target, "119.00")], display="gross"))
    gross_read = booked.gross == Decimal("119.00")
    net_read = booked.net == Decimal("119.00")
    observed = f"119.00 with taxDisplay gross at {target.normal_rate} % booked {booked}"
    if gross_read and not net_read:
        return Finding("price-basis", "agrees", f"{observed}: price.amount follows taxDisplay, as assumed")
    gross_clients = session.configured.clients_where(lambda client: client.prices != "net")
    if net_read:
        return Finding(
            "price-basis",
            "differs",
            f"{observed}: price.amount is read as net whatever taxDisplay says",
            "gross orders would be booked with the VAT added on top: have callers send net prices "
            '(`prices: "net"`) and set defaults.prices = "net"'
            + (f" (clients on gross or auto: {', '.join(gross_clients)})" if gross_clients else ""),
        )
    return Finding("price-basis", "differs", f"{observed}: neither reading", "compare the order in Xentral by hand")


def _three_lines(session: VerifySession, label: str, total: tuple[Decimal, Decimal] | None = None) -> dict[str, object]:
    """Three lines of 0.83 net at the normal rate: per line 3 x (0.83 + tax), per rate after adding
    2.49 + tax(2.49); a cent apart at 19 %."""
    lines = [line(session.target, "0.83") for _ in range(3)]
    return session.body(label, lines, external_total=total)


def _rounding_expectations(rate: Decimal) -> tuple[Decimal, Decimal]:
    unit = Decimal("0.83")
    per_line = 3 * (unit + _tax(unit, rate))
    per_rate = 3 * unit + _tax(3 * unit, rate)
    return per_line, per_rate


async def rounding(session: VerifySession) -> Finding:
    """Which rule Xentral rounds by: per line (the service's assumption) or per rate after adding
    ("Runden nach addieren", the legacy default)."""
    per_line, per_rate = _rounding_expectations(session.target.normal_rate)
    booked = await session.import_and_read(_three_lines(session, "ROUNDING"))
    observed = f"3 x 0.83 net at {session.target.normal_rate} % booked {booked}"
    if per_line == per_rate:
        return Finding("rounding", "noted", f"{observed}: both rules give {per_line} at this rate; undecided")
    if booked.gross == per_line:
        return Finding("rounding", "agrees", f"{observed}: rounded per line ({per_line}), as assumed")
    gap = abs(per_line - per_rate)
    uncovered = session.configured.clients_where(lambda c: not c.set_total_amount or c.tolerance < gap)
    rule = "per rate after adding" if booked.gross == per_rate else "by neither rule"
    advice = (
        "Xentral's own sum can differ from the buyer's by a cent per rate: keep totals.set_total_amount on and "
        "totals.tolerance at least 0.01 per tax rate an order carries"
        + (f" (not so for clients: {', '.join(uncovered)})" if uncovered else " (so for every client of this instance)")
    )
    return Finding("rounding", "differs", f"{observed}: rounded {rule} ({per_rate} expected so)", advice)


async def set_total_amount(session: VerifySession) -> Finding:
    """`setTotalAmount` within its maximum difference books the external total; beyond it Xentral's own sum."""
    own = await session.import_and_read(_three_lines(session, "OWN-SUM"))
    if own.gross is None:
        return Finding("set-total-amount", "failed", f"the plain order's view has no total ({own})")
    within = await session.import_and_read(_three_lines(session, "TOTAL-WITHIN", (own.gross + _CENT, _CENT)))
    beyond = await session.import_and_read(_three_lines(session, "TOTAL-BEYOND", (own.gross + 5 * _CENT, _CENT)))
    observed = (
        f"own sum {own.gross}; external {own.gross + _CENT} (max 0.01) booked {within.gross}; "
        f"external {own.gross + 5 * _CENT} (max 0.01) booked {beyond.gross}"
    )
    if within.gross == own.gross + _CENT and beyond.gross == own.gross:
        return Finding("set-total-amount", "agrees", f"{observed}: the external total stands within the maximum")
    sending = session.configured.clients_where(lambda client: client.set_total_amount)
    return Finding(
        "set-total-amount",
        "differs",
        f"{observed}: not as assumed (external total within the maximum, own sum beyond)",
        "the buyer's total is not what Xentral books: set totals.set_total_amount = false"
        + (f" for clients {', '.join(sending)}" if sending else "")
        + " and rely on totals.tolerance / totals.on_mismatch for the cent",
    )


async def discount_sign(session: VerifySession) -> Finding:
    """A discount position of 10.00 on 100.00 net: subtracted (net 90.00, the service's assumption) or added."""
    target = session.target
    if target.discount_product_id is None:
        return Finding(
            "discount-sign",
            "not_checked",
            "no discount product to book a discount position on",
            "set defaults.discount_product_id (or pass --discount-product ID)",
        )
    body = session.body("DISCOUNT-SIGN", [line(target, "100.00")], discounts=[discount_position(target, "10.00")])
    booked = await session.import_and_read(body)
    observed = f"a discount position of 10.00 on 100.00 net booked {booked}"
    if booked.net == Decimal("90.00"):
        return Finding("discount-sign", "agrees", f"{observed}: a positive value is subtracted, as assumed")
    advice = (
        "orders with a coupon or order discount would be booked too high: no setting flips the sign; until the "
        "code sends it negative, unset defaults.discount_product_id so such orders are refused, not mis-booked"
    )
    added = booked.net == Decimal("110.00")
    return Finding("discount-sign", "differs", f"{observed}: " + ("the value is added" if added else "neither"), advice)
