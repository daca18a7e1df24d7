"""Balancing lines (orders/rounding_balance.py): found for every difference a shop's rounding makes, net
and gross, at the shops' rates; none is a rounding tie; nothing at 0 % or when nothing differs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unified_order_api.orders.rounding_balance import MAX_FEES, rounding_balances, xentral_tax
from unified_order_api.orders.totals import CENT, Charge, compute_totals, vat_by_rate
from xentral_sandbox.pricing import _per_line, _per_rate_sum

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
    # Moved as the sandbox's per-line pricing books it (the module's own xentral_tax would agree with itself).
    lines = [(balance.amount, rate)] * balance.count + [(-balance.discount, rate)]
    moved = _sandbox(lines, prices)[0][rate]
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


# The property: for random lines and a random stated difference per rate, the balancing lines make
# Xentral's per-line tax per rate the stated one, leave its per-rate-sum reading and every rate's sum of
# amounts as they were, land on no tie and stay few; what they cannot carry is refused, never booked.
# Xentral is the sandbox's own per-line and per-rate-sum pricing, not this module's `xentral_tax`.

SHOP_RATES = [D(19), D(7), D(25), D(50), D(20), D(10), D("5.5"), D("8.1"), D("2.6"), D(2), D("7.65"), D("0.5")]


def _sandbox(
    lines: list[tuple[Decimal, Decimal]], prices: str
) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    """Xentral's tax per rate of (signed amount, rate) lines: per line, and per rate sum."""
    per_line: dict[Decimal, Decimal] = {}
    per_sum: dict[Decimal, Decimal] = {}
    for rate in {rate for _, rate in lines}:
        at_rate = [(amount, r) for amount, r in lines if r == rate]
        for found, summed in ((per_line, _per_line), (per_sum, _per_rate_sum)):
            net, gross = summed(at_rate, prices == "net")
            found[rate] = gross - net
    return per_line, per_sum


def _sum_is_a_tie(lines: list[tuple[Decimal, Decimal]], rate: Decimal, prices: str) -> bool:
    nets = [amount if prices == "net" else amount / (1 + r / 100) for amount, r in lines if r == rate]
    exact = sum(nets, D(0))
    return any((value * 100) % 1 == D("0.5") for value in (exact, exact * rate / 100))


@settings(max_examples=150, deadline=None)
@given(
    prices=st.sampled_from(["net", "gross"]),
    lines=st.lists(
        st.tuples(st.integers(min_value=1, max_value=50_000), st.sampled_from(SHOP_RATES)), min_size=1, max_size=8
    ),
    differences=st.lists(st.integers(min_value=-12, max_value=12), min_size=8, max_size=8),
)
def test_any_difference_is_booked_exactly_by_few_lines_or_refused(
    prices: str, lines: list[tuple[int, Decimal]], differences: list[int]
) -> None:
    rates = sorted({rate for _, rate in lines})
    wanted = {rate: D(differences[index]) * CENT for index, rate in enumerate(rates)}
    charges, first = [], set()
    for index, (amount_cents, rate) in enumerate(lines):
        amount = D(amount_cents) * CENT
        own = xentral_tax(amount, rate, prices)  # type: ignore[arg-type]
        shift = wanted[rate] if rate not in first else D(0)  # the whole difference on the rate's first line
        first.add(rate)
        charges.append(Charge("item", f"/items/{index}", "A", D(1), amount, rate, tax_amount=abs(own + shift)))
    totals = compute_totals(charges, prices, "domestic")  # type: ignore[arg-type]
    stated = vat_by_rate(totals.lines)
    balances, unbalanced = rounding_balances(charges, totals.lines, prices, "domestic")  # type: ignore[arg-type]
    shop_lines = [(line.gross if prices == "gross" else line.net, line.rate) for line in totals.lines]
    before_line, before_sum = _sandbox(shop_lines, prices)
    balancing: list[tuple[Decimal, Decimal]] = []
    for balance in balances:
        assert 2 <= balance.count <= MAX_FEES
        balancing += [(balance.amount, balance.rate)] * balance.count + [(-balance.discount, balance.rate)]
        for amount in (balance.amount, balance.discount):
            exact = amount * balance.rate / 100 if prices == "net" else amount / (1 + balance.rate / 100)
            assert (exact * 100) % 1 != D("0.5")  # no tie: every rounding rule agrees
    after_line, after_sum = _sandbox(shop_lines + balancing, prices)
    refused = {u.rate for u in unbalanced}
    assert refused.isdisjoint(b.rate for b in balances)
    for rate in rates:
        if not _sum_is_a_tie(shop_lines, rate, prices):  # a half cent: Decimal's (and PHP's) last digit decides
            assert after_sum[rate] == before_sum[rate]  # "Runden nach addieren" books what it booked before
        if rate in refused:
            assert after_line[rate] == before_line[rate] != stated[rate]
        else:
            assert after_line[rate] == stated[rate]  # per line: the shop's tax at every rate
    if not refused:
        assert sum(after_line.values()) == totals.tax
    carried = {b.rate for b in balances} | refused
    assert carried == {rate for rate in rates if before_line[rate] != stated[rate]}


def test_a_rate_whose_lines_round_by_a_quarter_cent_carries_five_cents() -> None:
    # 25 % net (Denmark, Sweden, Norway): a fee's tax is off its exact value by 0.25 cent at most, so five
    # cents take about twenty fees, all MAX_FEES allows.
    charges = [Charge("item", "/items/0", "A", D(1), D("100.00"), D(25), tax_amount=D("25.05"))]
    totals = compute_totals(charges, "net", "domestic")
    [balance], [] = rounding_balances(charges, totals.lines, "net", "domestic")
    assert balance.difference == D("0.05") and balance.count <= MAX_FEES


def test_a_difference_more_than_the_balancing_lines_may_carry_is_refused_not_spread_over_hundreds() -> None:
    # A euro at 19 % would take some 200 fee positions; that is no rounding but inconsistent tax amounts.
    charges = [Charge("item", f"/items/{i}", "A", D(1), D("10.00"), D(19), tax_amount=D("1.91")) for i in range(100)]
    totals = compute_totals(charges, "net", "domestic")
    balances, [unbalanced] = rounding_balances(charges, totals.lines, "net", "domestic")
    assert balances == [] and unbalanced.difference == D("1.00") and unbalanced.pointer == "/items/0"
