"""Tax as the shop charged it (stated amounts, several components, declared rates, sales tax) and
payments other than money (pure)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from unified_order_api.api.schemas import OrderRequest
from unified_order_api.orders.commands import (
    AmountLine,
    CustomerDetails,
    ItemRequest,
    PlaceOrder,
    Redemption,
    TaxComponent,
)
from unified_order_api.orders.drafting import paid_how
from unified_order_api.orders.model import Address, LineTax
from unified_order_api.orders.pricing import MoneySettings, check_expected_total, price_order
from unified_order_api.orders.totals import vat_by_rate

from .test_totals import SETTINGS, command, lines_for, price, products

D = Decimal
US = Address(name="Ann", street="1 Main St", zip="94103", city="San Francisco", country="US", state="CA")


def us_command(**changes: Any) -> PlaceOrder:
    return command(customer=CustomerDetails(name="Ann", address=US, email="a@x.us"), prices="net", **changes)


def test_a_stated_tax_amount_is_the_tax_whatever_our_rounding() -> None:
    # Shopify rounds each tax line apart: 9.99 at 1.15 % is 0.11 and at 4.15 % 0.41 — 0.52, where the
    # summed rate of 5.3 % would give 0.53 (the buyer paid 32.57, not 32.58).
    order = us_command(
        items=(ItemRequest("A", D(1), D("20.00"), taxes=(TaxComponent(D("5.3"), D("1.06"), "CA"),)),),
        shipping_costs=(
            AmountLine(
                "Ground",
                D("9.99"),
                taxes=(TaxComponent(D("1.15"), D("0.11"), "City"), TaxComponent(D("4.15"), D("0.41"), "State")),
            ),
        ),
        expected_total=D("31.57"),
    )
    pricing, problems = price(order)
    assert problems == []
    assert pricing.taxation == "domestic"  # US sales tax kept as charged, though the buyer is outside the EU
    assert [line.tax for line in pricing.totals.lines] == [D("1.06"), D("0.52")]
    assert pricing.shipping_costs[0].tax == LineTax(None, D("5.3"), D("5.3"))  # one rate for Xentral: the sum
    check = check_expected_total(pricing, order, SETTINGS)
    assert check is not None and check.gross == D("31.57") and check.matches is True


def test_gross_prices_take_the_stated_tax_out_of_the_amount() -> None:
    order = command(items=(ItemRequest("A", D(1), D("11.90"), tax_rate=D(19), tax_amount=D("1.90")),))
    pricing, problems = price(order)
    assert problems == []
    line = pricing.totals.lines[0]
    assert (line.net, line.tax, line.gross) == (D("10.00"), D("1.90"), D("11.90"))


def test_a_declared_rate_is_kept_not_derived_from_rounded_amounts() -> None:
    # 2 % of 0.53 is 0.01; the amounts alone say 1.89 %.
    order = command(prices="net", items=(ItemRequest("A", D(1), D("0.53"), tax_rate=D(2), tax_amount=D("0.01")),))
    pricing, problems = price(order)
    assert problems == []
    assert pricing.lines[0].tax == LineTax(None, D(2), D(2))
    assert pricing.totals.gross == D("0.54")


def test_a_rate_is_derived_only_when_none_is_declared_and_a_project_rate_explains_it() -> None:
    # 0.04 of 0.53 is 7.55 % by division, and exactly what 7 % gives: the project's reduced rate.
    order = command(prices="net", items=(ItemRequest("A", D(1), D("0.53"), tax_amount=D("0.04")),))
    assert price(order)[0].lines[0].tax == LineTax("reduced", None, D(7))
    order = command(prices="net", items=(ItemRequest("A", D(1), D("50.00"), tax_amount=D("2.50")),))
    assert price(order)[0].lines[0].tax == LineTax(None, D(5), D(5))


def test_a_zero_tax_on_a_zero_line_keeps_the_products_rate() -> None:
    # A coupon consumed the line: total 0.00, tax 0.00 — no reason to book it at 0 %.
    order = command(prices="net", items=(ItemRequest("A", D(1), D("0.00"), tax_amount=D("0.00")),))
    pricing, problems = price(order, products("reduced"))
    assert problems == []
    assert pricing.lines[0].tax == LineTax("reduced", None, D(7))
    # A zero tax on an amount is a 0 % line.
    order = command(prices="net", items=(ItemRequest("A", D(1), D("5.00"), tax_amount=D("0.00")),))
    assert price(order, products("reduced"))[0].lines[0].tax == LineTax("exempt", None, D(0))


def test_a_project_rate_is_a_category_only_for_an_order_taxed_at_home() -> None:
    us = us_command(items=(ItemRequest("A", D(1), D("10.00"), tax_rate=D(7)),))
    pricing, problems = price(us)
    assert problems == []
    assert (pricing.taxation, pricing.lines[0].tax) == ("domestic", LineTax(None, D(7), D(7)))
    assert pricing.totals.gross == D("10.70")
    austria = Address(name="Max", street="S 1", zip="1010", city="Wien", country="AT")
    for address in (None, austria):  # at home, and an EU consumer under home VAT
        at_home = command(items=(ItemRequest("A", D(1), D("10.00"), tax_rate=D(7)),))
        if address is not None:
            at_home = command(
                customer=CustomerDetails(name="Max", address=address), items=at_home.items, billing_address=address
            )
        assert price(at_home)[0].lines[0].tax == LineTax("reduced", None, D(7))


def test_an_export_without_charged_tax_stays_tax_free() -> None:
    pricing, _ = price(us_command(items=(ItemRequest("A", D(1), D("10.00")),)))
    assert pricing.taxation == "export" and pricing.totals.tax == D(0)
    pricing, _ = price(us_command(items=(ItemRequest("A", D(1), D("10.00"), tax_rate=D(0)),)))
    assert pricing.taxation == "export"


def test_a_stated_tax_under_a_sent_tax_free_taxation_is_refused() -> None:
    order = us_command(taxation="export", items=(ItemRequest("A", D(1), D("10.00"), tax_amount=D("0.70")),))
    _, problems = price(order)
    assert [(p.pointer, p.code) for p in problems] == [("/items/0/tax_amount", "tax_contradicts_taxation")]


def test_a_stated_tax_that_the_rate_cannot_explain_is_refused_with_a_pointer() -> None:
    order = command(
        prices="net",
        items=(ItemRequest("A", D(1), D("10.00"), tax_rate=D(19), tax_amount=D("1.92")),),
        discounts=(AmountLine("X", D("1.00"), taxes=(TaxComponent(D(19), D("0.50")),)),),
    )
    _, problems = price(order)
    assert [(p.pointer, p.code) for p in problems] == [
        ("/items/0/tax_amount", "tax_amount_inconsistent"),
        ("/discounts/0/taxes", "tax_amount_inconsistent"),
    ]
    # A cent per component is the shop's rounding, not an error.
    order = command(prices="net", items=(ItemRequest("A", D(1), D("10.00"), tax_rate=D(19), tax_amount=D("1.91")),))
    assert price(order)[1] == []


def test_components_go_alone() -> None:
    order = command(
        items=(ItemRequest("A", D(1), D("10.00"), tax_rate=D(19), taxes=(TaxComponent(D(19), D("1.60")),)),),
        fees=(AmountLine("COD", D(1), tax_amount=D("0.16"), taxes=(TaxComponent(D(19), D("0.16")),)),),
    )
    _, problems = price(order)
    assert sorted((p.pointer, p.code) for p in problems) == [
        ("/fees/0/taxes", "tax_ambiguous"),
        ("/items/0/tax_rate", "tax_ambiguous"),
    ]


def test_vat_per_rate_adds_the_lines_of_each_rate() -> None:
    order = command(
        prices="net",
        items=(
            ItemRequest("A", D(1), D("10.00"), tax_rate=D(19)),
            ItemRequest("B", D(1), D("10.00"), tax_rate=D(7)),
        ),
        discounts=(AmountLine("X", D("1.00"), tax_rate=D(19)),),
    )
    pricing, _ = price(order, products("standard", "standard"))
    assert vat_by_rate(pricing.totals.lines) == {D(19): D("1.71"), D(7): D("0.70")}


def test_the_request_carries_amounts_and_components_through_the_queue() -> None:
    body = {
        "reference": "R",
        "customer": {"email": "a@b.us", "name": "A", "street": "S", "zip": "1", "city": "C", "country": "US"},
        "items": [{"sku": "A", "quantity": 1, "price": "20.00", "tax_rate": "5.3", "tax_amount": "1.06"}],
        "shipping_costs": [
            {
                "name": "Ground",
                "amount": "9.99",
                "taxes": [{"name": "City", "rate": "1.15", "amount": "0.11"}, {"rate": "4.15", "amount": "0.41"}],
            }
        ],
    }
    command_ = OrderRequest.model_validate(body).to_command()
    assert command_.shipping_costs[0].taxes == (
        TaxComponent(D("1.15"), D("0.11"), "City"),
        TaxComponent(D("4.15"), D("0.41")),
    )
    restored = PlaceOrder.from_json(command_.to_json())
    assert restored == command_ and restored.fingerprint() == command_.fingerprint()
    without = dict(body, shipping_costs=[{"name": "Ground", "amount": "9.99"}])
    assert OrderRequest.model_validate(without).to_command().fingerprint() != command_.fingerprint()


def test_gift_cards_beyond_the_orders_value_or_without_it_are_refused() -> None:
    card = (Redemption("gift_card", D("30.00"), "****1111"),)
    for expected in (D("20.00"), None):
        _, problems = price(command(redeemed=card, expected_total=expected))
        assert [(p.pointer, p.code) for p in problems] == [("/redeemed", "redeemed_exceeds_total")]
    _, problems = price(command(redeemed=(Redemption("store_credit", D("20.00")),), expected_total=D("20.00")))
    assert problems == []


def test_the_comment_says_what_was_paid_how() -> None:
    order = command(
        payment="paypal",
        expected_total=D("28.00"),
        redeemed=(Redemption("gift_card", D("24.00"), "****1111"), Redemption("store_credit", D("1.00"))),
    )
    assert paid_how(order) == "Paid with: gift card ****1111 24.00; store credit 1.00; rest 3.00 by paypal"


def test_the_normalised_request_holds_a_gift_cards_code_only_masked() -> None:
    """The request is stored, shown in the console and replayed as normalised: the code is masked as read."""
    body = {
        "reference": "R-1",
        "customer": {"email": "a@b.de", "name": "A", "street": "S 1", "zip": "1", "city": "C", "country": "DE"},
        "items": [{"sku": "ART-001", "quantity": 1, "price": "28.00"}],
        "expected_total": "28.00",
        "redeemed": [{"kind": "gift_card", "code": "GC-7Q2M-AAAA-1111", "amount": "24.00"}],
    }
    request = OrderRequest.model_validate(body)
    assert request.model_dump(mode="json")["redeemed"][0]["code"] == "****1111"
    assert request.to_command().redeemed == (Redemption("gift_card", D("24.00"), "****1111"),)
    assert OrderRequest.model_validate(request.model_dump(mode="json")) == request  # a replay reads the same


def test_free_shipping_and_a_zero_coupon_need_no_product_of_their_own() -> None:
    bare = MoneySettings("DE", "gross", D("0.01"), "refuse")
    order = command(
        shipping_costs=(AmountLine("Free shipping", D("0.00")),),
        discounts=(AmountLine("FREESHIP", D("0.00")),),
        expected_total=D("20.00"),
    )
    pricing, problems = price_order(order, lines_for(order), products("standard"), None, "EUR", bare)
    assert problems == [] and pricing.shipping_costs == () and pricing.discounts == ()
    assert pricing.totals is not None and pricing.totals.gross == D("20.00")
    # Anything to book still needs its product.
    order = command(shipping_costs=(AmountLine("DHL", D("4.90")),))
    _, problems = price_order(order, lines_for(order), products("standard"), None, "EUR", bare)
    assert [p.code for p in problems] == ["shipping_cost_unsupported"]


def test_a_fully_discounted_line_keeps_its_rate() -> None:
    order = command(items=(ItemRequest("A", D(1), D("10.00"), discount_percent=D(100), tax_amount=D("0.00")),))
    pricing, problems = price(order, products("reduced"))
    assert problems == [] and pricing.lines[0].tax == LineTax("reduced", None, D(7))
    assert pricing.totals is not None and pricing.totals.gross == D("0.00")


def test_a_yen_orders_whole_yen_tax_is_not_balanced_with_fractions_of_a_yen() -> None:
    # A yen shop states whole yen (¥91 on ¥1000 at 10 %, gross), where Xentral computes to the cent (90.91).
    # Each line is a yen's rounding, not a tax the rate cannot explain (it was refused as inconsistent); and
    # balancing 9 sen per line would take some twenty fee positions of a fraction of a yen per line, and more
    # than MAX_FEES for three lines, refusing a consistent order. The yen's tolerance and setTotalAmount
    # keep its total (orders/currencies.py); Xentral's VAT in yen is its own to the cent.
    items = tuple(ItemRequest(sku, D(1), D(1000), tax_rate=D(10), tax_amount=D(91)) for sku in ("A", "B", "C"))
    order = command(items=items, expected_total=D(3000))
    pricing, problems = price_order(order, lines_for(order), products("standard"), None, "JPY", SETTINGS)
    assert problems == [] and pricing.balances == () and len(pricing.lines) == 3
    assert pricing.totals is not None and pricing.totals.tax == D(273)
    # The same in euro is balanced: 0.09 per line are cents, not fractions of the currency's unit.
    items = tuple(ItemRequest(sku, D(1), D(1000), tax_rate=D(10), tax_amount=D("90.92")) for sku in ("A", "B", "C"))
    order = command(items=items)
    pricing, problems = price_order(order, lines_for(order), products("standard"), None, "EUR", SETTINGS)
    assert problems == [] and [b.difference for b in pricing.balances] == [D("0.03")]
