"""Balancing lines (orders/rounding_balance.py): found for every difference a shop's rounding makes, net
and gross, at the shops' rates; none is a rounding tie; nothing at 0 % or when nothing differs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from unified_order_api.orders.rounding_balance import rounding_balances, xentral_tax
from unified_order_api.orders.totals import Charge, compute_totals

D = Decimal
RATES = [D(19), D(7), D(2), D("5.5"), D("7.65"), D("8.875"), D("8.1"), D("2.6"), D("0.5")]


def _charges(rate: Decimal, stated: Decimal | None) -> list[Charge]:
    return [
        Charge("item", "/items/0", "A", D(1), D("74.97"), rate, tax_amount=stated),
        Charge("shipping", "/shipping_costs/0", "S", D(1), D("8.00"), rate),
    ]


@pytest.mark.parametrize("prices", ["net", "gross"])
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("difference", [D("-0.03"), D("-0.01"), D("0.01"), D("0.02"), D("0.05")])
def test_a_difference_moves_xentrals_per_line_tax_by_exactly_that(
    prices: str, rate: Decimal, difference: Decimal
) -> None:
    own = xentral_tax(D("74.97"), rate, prices)  # type: ignore[arg-type]
    charges = _charges(rate, own + difference)
    totals = compute_totals(charges, prices, "domestic")  # type: ignore[arg-type]
    [balance], unbalanced = rounding_balances(charges, totals.lines, prices, "domestic")  # type: ignore[arg-type]
    assert unbalanced == [] and balance.difference == difference and balance.pointer == "/items/0"
    moved = balance.count * xentral_tax(balance.amount, rate, prices) - xentral_tax(balance.discount, rate, prices)  # type: ignore[arg-type]
    assert moved == difference and balance.count >= 2 and D("0.01") <= balance.amount <= max(D(1), 2 / rate + D("0.01"))
    for amount in (balance.amount, balance.discount):
        exact = amount * rate / 100 if prices == "net" else amount / (1 + rate / 100)
        assert (exact * 100) % 1 != D("0.5")  # no tie: every rounding rule agrees


def test_nothing_to_balance_when_the_shop_rounded_per_line_or_nothing_is_taxed() -> None:
    charges = _charges(D(19), xentral_tax(D("74.97"), D(19), "net"))
    assert rounding_balances(charges, compute_totals(charges, "net", "domestic").lines, "net", "domestic") == ([], [])
    taxed = _charges(D(19), D("14.25"))
    assert rounding_balances(taxed, compute_totals(taxed, "net", "export").lines, "net", "export") == ([], [])


def test_a_difference_at_zero_percent_cannot_be_balanced() -> None:
    charges = _charges(D(0), D("0.01"))
    balances, [unbalanced] = rounding_balances(
        charges, compute_totals(charges, "net", "domestic").lines, "net", "domestic"
    )
    assert balances == [] and (unbalanced.rate, unbalanced.difference) == (D(0), D("0.01"))
