"""The rounding rule, taxation derivation and the drafting of an order's money (pure, no HTTP)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from unified_order_api.orders.commands import AmountLine, CustomerDetails, ItemRequest, PlaceOrder
from unified_order_api.orders.currencies import smallest_unit, tolerance_in
from unified_order_api.orders.errors import OrderCancelled, TotalMismatch
from unified_order_api.orders.model import Address, LineTax, Money, OrderLine, Product
from unified_order_api.orders.pricing import MoneySettings, check_expected_total, price_order, refuse_cancelled
from unified_order_api.orders.taxation import DEFAULT_RATES, TaxRates, derive_taxation
from unified_order_api.orders.totals import Charge, TotalsCheck, compute_totals, line_total

D = Decimal
SETTINGS = MoneySettings(
    home_country="DE",
    default_prices="gross",
    tolerance=D("0.01"),
    on_mismatch="refuse",
    shipping_cost_product_id="453",
    discount_product_id="99",
    fee_product_id="454",
)


def charge(unit: str, rate: str = "19", quantity: str = "1", kind: Any = "item", discount: str = "0") -> Charge:
    return Charge(kind, "/items/0", "x", D(quantity), D(unit), D(rate), D(discount))


@pytest.mark.parametrize(
    ("unit", "rate", "quantity", "prices", "net", "tax", "gross"),
    [
        ("19.99", "19", "2", "gross", "33.60", "6.38", "39.98"),  # 39.98 / 1.19 = 33.596… → 33.60
        ("16.80", "19", "2", "net", "33.60", "6.38", "39.98"),  # 33.60 * 0.19 = 6.384 → 6.38
        ("3", "7.5", "2", "net", "6.00", "0.45", "6.45"),  # WooCommerce's state tax
        ("0.01", "19", "1", "gross", "0.01", "0.00", "0.01"),
        ("0.05", "10", "1", "net", "0.05", "0.01", "0.06"),  # 0.005 rounds half up
        ("10.00", "0", "3", "gross", "30.00", "0.00", "30.00"),
    ],
)
def test_each_line_is_rounded_to_the_cent(
    unit: str, rate: str, quantity: str, prices: Any, net: str, tax: str, gross: str
) -> None:
    line = line_total(charge(unit, rate, quantity), prices, "domestic")
    assert (line.net, line.tax, line.gross) == (D(net), D(tax), D(gross))


def test_order_totals_are_sums_of_rounded_lines_not_a_rounded_sum() -> None:
    # Three lines of 0.05 net at 10 %: each 0.005 tax rounds up to 0.01 → 0.03; one rounding would give 0.02.
    totals = compute_totals([charge("0.05", "10")] * 3, "net", "domestic")
    assert (totals.net, totals.tax, totals.gross) == (D("0.15"), D("0.03"), D("0.18"))


def test_discount_lines_subtract_and_line_discounts_reduce() -> None:
    totals = compute_totals(
        [charge("100.00", discount="10"), charge("11.90", kind="discount")],
        "gross",
        "domestic",
    )
    assert [line.gross for line in totals.lines] == [D("90.00"), D("-11.90")]
    assert [line.net for line in totals.lines] == [D("75.63"), D("-10.00")]
    assert totals.gross == D("78.10")


@pytest.mark.parametrize("taxation", ["eu", "export"])
def test_eu_and_export_carry_no_vat_whatever_the_prices(taxation: Any) -> None:
    for prices in ("gross", "net"):
        totals = compute_totals([charge("16.80", "19", "2")], prices, taxation)
        assert (totals.net, totals.tax, totals.gross) == (D("33.60"), D("0.00"), D("33.60"))


@pytest.mark.parametrize(
    ("country", "vat_id", "home", "taxation"),
    [
        ("DE", None, "DE", "domestic"),
        ("de", "DE123", "DE", "domestic"),
        ("AT", "ATU12345678", "DE", "eu"),
        ("AT", None, "DE", "domestic"),  # EU consumer: home VAT
        ("AT", "  ", "DE", "domestic"),
        ("US", None, "DE", "export"),
        ("CH", "CHE-1", "DE", "export"),
        ("GP", None, "DE", "export"),  # Guadeloupe: outside the EU VAT area
        ("", None, "DE", "domestic"),
        ("DE", "DE1", "CH", "export"),  # a Swiss merchant selling into the EU
        ("CH", None, "CH", "domestic"),
    ],
)
def test_taxation_is_derived_from_country_vat_id_and_home(
    country: str, vat_id: str | None, home: str, taxation: str
) -> None:
    assert derive_taxation(country, vat_id, home) == taxation


def test_totals_check_reports_each_difference() -> None:
    check = TotalsCheck(D("10.00"), D("1.90"), D("11.90"), D("11.90"), D("11.90"), D("0.01"))
    assert check.matches is True and check.warnings() == []
    # A cent is a difference: within the tolerance it is flagged, never called a match.
    check = TotalsCheck(D("10.00"), D("1.90"), D("11.90"), D("11.90"), D("11.91"), D("0.01"))
    assert check.matches is False and check.within_tolerance
    assert check.warnings() == [
        "xentral_total_mismatch: Xentral's total 11.91 differs from the computed total 11.90 by 0.01 "
        "(within the tolerance of 0.01)"
    ]
    check = TotalsCheck(D("10.00"), D("1.90"), D("11.90"), D("12.00"), D("11.00"), D("0.01"))
    assert check.matches is False
    assert [w.split(":")[0] for w in check.warnings()] == ["total_mismatch", "xentral_total_mismatch"]
    assert TotalsCheck(D(0), D(0), D(0), None, None, D("0.01")).matches is None


# -- drafting ---------------------------------------------------------------------------------

ADDRESS = Address(name="Max", street="S 1", zip="1", city="Berlin", country="DE")


def command(**changes: Any) -> PlaceOrder:
    values: dict[str, Any] = {
        "reference": "R-1",
        "customer": CustomerDetails(name="Max", address=ADDRESS, email="m@x.de"),
        "items": (ItemRequest("A", D(2), D("10.00")),),
    }
    values.update(changes)
    return PlaceOrder(**values)


def lines_for(order: PlaceOrder) -> list[OrderLine]:
    return [
        OrderLine(
            product_id=str(n + 1),
            sku=item.sku,
            quantity=item.quantity,
            unit_price=Money(item.unit_price, "EUR") if item.unit_price is not None else None,
        )
        for n, item in enumerate(order.items)
    ]


def products(*tax_classes: str | None, gross: str | None = "11.90", net: str | None = "10.00") -> dict[str, Product]:
    return {
        sku: Product(
            id=str(n + 1),
            sku=sku,
            name=sku,
            tax_class=tax_class,
            sales_price_gross=Money(D(gross), "EUR") if gross else None,
            sales_price_net=Money(D(net), "EUR") if net else None,
        )
        for n, (sku, tax_class) in enumerate(zip("ABC", tax_classes, strict=False))
    }


def price(order: PlaceOrder, catalog: dict[str, Product] | None = None, rates: TaxRates | None = None) -> Any:
    return price_order(order, lines_for(order), catalog or products("standard"), rates, "EUR", SETTINGS)


def test_item_tax_comes_from_category_rate_or_product_class() -> None:
    order = command(
        items=(
            ItemRequest("A", D(1), D("10.00")),
            ItemRequest("B", D(1), D("10.00"), tax_rate=D(7)),
            ItemRequest("C", D(1), D("10.00"), tax_rate=D("7.5")),
        )
    )
    pricing, problems = price(order, products("reduced", "standard", "free"))
    assert problems == []
    assert [line.tax for line in pricing.lines] == [
        LineTax("reduced", None, D(7)),  # the product's tax class
        LineTax("reduced", None, D(7)),  # 7 is the project's reduced rate: sent as the category
        LineTax(None, D("7.5"), D("7.5")),  # no category has it: an explicit rate
    ]
    order = command(items=(ItemRequest("A", D(1), D("10.00"), tax_rate=D(0)),))
    assert price(order)[0].lines[0].tax == LineTax("exempt", None, D(0))


def test_project_rates_decide_categories() -> None:
    order = command(items=(ItemRequest("A", D(1), D("10.00"), vat_category="normal"),))
    pricing, _ = price(order, rates=TaxRates(normal=D("8.1"), reduced=D("2.6")))
    assert pricing.lines[0].tax == LineTax("normal", None, D("8.1"))
    assert pricing.totals.gross == D("10.00") and pricing.totals.net == D("9.25")


def test_shipping_fees_and_discounts_become_their_own_lines() -> None:
    order = command(
        prices="net",
        shipping_costs=(AmountLine("DHL", D("4.12")),),
        fees=(AmountLine("COD", D("2.00"), tax_rate=D(19)),),
        discounts=(AmountLine("TENOFF", D("5.00"), vat_category="reduced"),),
    )
    pricing, problems = price(order)
    assert problems == []
    assert [line.product_id for line in pricing.lines] == ["1", "454"]
    assert pricing.lines[1].comment == "COD"
    assert [(c.product_id, c.amount.amount, c.tax.category) for c in pricing.shipping_costs] == [
        ("453", D("4.12"), "normal")
    ]
    assert [(d.product_id, d.amount.amount, d.tax.category) for d in pricing.discounts] == [
        ("99", D("5.00"), "reduced")
    ]
    # 20.00 + 3.80 VAT, 4.12 + 0.78, 2.00 + 0.38, -5.00 - 0.35
    assert (pricing.totals.net, pricing.totals.tax, pricing.totals.gross) == (D("21.12"), D("4.61"), D("25.73"))
    assert [line.pointer for line in pricing.totals.lines] == [
        "/items/0",
        "/shipping_costs/0",
        "/fees/0",
        "/discounts/0",
    ]


def test_shipping_cost_shorthand_is_one_line_at_the_normal_rate() -> None:
    pricing, problems = price(command(shipping_cost=D("4.90")))
    assert problems == []
    assert [(c.amount.amount, c.tax.category) for c in pricing.shipping_costs] == [(D("4.90"), "normal")]
    assert pricing.totals.gross == D("24.90")
    _, problems = price(command(shipping_cost=D("4.90"), shipping_costs=(AmountLine("DHL", D("4.90")),)))
    assert [p.code for p in problems] == ["shipping_cost_twice"]


def test_unconfigured_products_and_ambiguous_taxes_are_problems() -> None:
    bare = MoneySettings("DE", "gross", D("0.01"), "refuse")
    order = command(
        items=(ItemRequest("A", D(1), D(1), tax_rate=D(19), vat_category="normal"),),
        shipping_costs=(AmountLine("DHL", D(1)),),
        fees=(AmountLine("COD", D(1)),),
        discounts=(AmountLine("X", D(1), tax_rate=D(7), vat_category="reduced"),),
    )
    _, problems = price_order(order, lines_for(order), products("standard"), None, "EUR", bare)
    assert sorted((p.pointer, p.code) for p in problems) == [
        ("/discounts", "discount_unsupported"),
        ("/discounts/0/tax_rate", "tax_ambiguous"),
        ("/fees", "fee_unsupported"),
        ("/items/0/tax_rate", "tax_ambiguous"),
        ("/shipping_costs", "shipping_cost_unsupported"),
    ]


def test_master_price_follows_the_prices_mode() -> None:
    order = command(items=(ItemRequest("A", D(2)),))
    assert price(order)[0].totals.gross == D("23.80")  # 2 x 11.90 gross
    assert price(command(items=(ItemRequest("A", D(2)),), prices="net"))[0].totals.gross == D("23.80")
    pricing, problems = price(order, products("standard", gross=None))
    assert pricing.totals is None and problems == []  # unknown, but nothing to check it against
    _, problems = price(command(items=(ItemRequest("A", D(2)),), expected_total=D(1)), products("standard", gross=None))
    assert [(p.pointer, p.code) for p in problems] == [("/items/0/price", "price_unknown")]


def test_a_discounted_line_carries_the_price_it_lowers() -> None:
    """The discount goes to Xentral as a lowered price, so the master price is drafted onto the line."""
    discounted = command(items=(ItemRequest("A", D(2), discount_percent=D(10)),))
    pricing, problems = price(discounted)
    assert problems == [] and pricing.totals is not None and pricing.totals.gross == D("21.42")
    assert pricing.lines[0].unit_price == Money(D("11.90"), "EUR")
    pricing, problems = price(discounted, products("standard", gross=None))
    assert pricing.totals is None
    assert [(p.pointer, p.code) for p in problems] == [("/items/0/price", "price_unknown")]


def test_expected_total_mismatch_is_refused_with_a_breakdown() -> None:
    order = command(expected_total=D("22.00"), shipping_cost=D("1.00"))
    pricing, _ = price(order)
    with pytest.raises(TotalMismatch) as caught:
        check_expected_total(pricing, order, SETTINGS)
    error = caught.value
    assert error.code == "total_mismatch" and error.problems[0].pointer == "/expected_total"
    totals = error.extra["totals"]
    assert (totals["gross"], totals["expected"], totals["difference"], totals["matches"]) == (
        "21.00",
        "22.00",
        "-1.00",
        False,
    )
    assert [(line["pointer"], line["gross"]) for line in totals["lines"]] == [
        ("/items/0", "20.00"),
        ("/shipping_cost", "1.00"),
    ]


def test_expected_total_within_tolerance_passes_flagged_and_flag_mode_lets_it_through() -> None:
    order = command(expected_total=D("20.00"))
    pricing, _ = price(order)
    check = check_expected_total(pricing, order, SETTINGS)
    assert check is not None and check.matches is True and check.warnings() == []
    order = command(expected_total=D("20.01"))
    pricing, _ = price(order)
    check = check_expected_total(pricing, order, SETTINGS)  # not refused: within the tolerance
    assert check is not None and check.matches is False and check.within_tolerance
    assert [w.split(":")[0] for w in check.warnings()] == ["total_mismatch"]
    order = command(expected_total=D("25.00"))
    pricing, _ = price(order)
    with pytest.raises(TotalMismatch):
        check_expected_total(pricing, order, SETTINGS)
    flagged = MoneySettings("DE", "gross", D("0.01"), "flag")
    check = check_expected_total(pricing, order, flagged)
    assert check is not None and check.matches is False and check.warnings()


def test_reverse_charge_order_has_no_vat() -> None:
    customer = CustomerDetails(
        name="Anna",
        address=Address(name="Anna", street="Ring 9", zip="1010", city="Wien", country="AT"),
        email="a@x.at",
        company="Berger GmbH",
        vat_id="ATU12345678",
    )
    pricing, _ = price(command(customer=customer, prices="net"))
    assert (pricing.taxation, pricing.vat_id) == ("eu", "ATU12345678")
    assert (pricing.totals.tax, pricing.totals.gross) == (D("0.00"), D("20.00"))
    assert DEFAULT_RATES.normal == 19


@pytest.mark.parametrize("status", ["voided", "cancelled"])
def test_voided_and_cancelled_orders_are_refused(status: Any) -> None:
    with pytest.raises(OrderCancelled) as caught:
        refuse_cancelled(command(payment_status=status))
    assert caught.value.problems[0].pointer == "/payment_status"


@pytest.mark.parametrize(
    "status", ["paid", "pending", "authorized", "partially_paid", "partially_refunded", "refunded"]
)
def test_other_payment_states_are_imported(status: Any) -> None:
    refuse_cancelled(command(payment_status=status))


def test_money_fields_change_the_fingerprint_only_when_set() -> None:
    plain = command()
    assert plain.fingerprint() == command(discounts=(), expected_total=None).fingerprint()
    assert plain.fingerprint() != command(expected_total=D("20.00")).fingerprint()
    assert plain.fingerprint() != command(items=(ItemRequest("A", D(2), D("10.00"), tax_rate=D(7)),)).fingerprint()
    assert plain.fingerprint() != command(discounts=(AmountLine("X", D(1)),)).fingerprint()


def test_money_fields_survive_the_queue_round_trip() -> None:
    from unified_order_api.api.schemas import MONEY_EXAMPLE, OrderRequest

    queued = OrderRequest.model_validate(MONEY_EXAMPLE).to_command()
    restored = PlaceOrder.from_json(queued.to_json())
    assert restored == queued
    assert restored.fingerprint() == queued.fingerprint()
    assert restored.fees[0] == AmountLine("Cash on delivery", D("2.00"), D(19))
    assert (restored.prices, restored.expected_total, restored.items[0].discount_percent) == ("net", D("54.72"), D(10))


def test_the_tolerance_is_at_least_the_currencys_smallest_unit() -> None:
    assert [smallest_unit(c) for c in ("JPY", "KRW", "CLP", "ISK")] == [Decimal(1)] * 4
    assert smallest_unit("EUR") == smallest_unit("HUF") == Decimal("0.01")
    assert tolerance_in("JPY", Decimal("0.01")) == Decimal(1)
    assert tolerance_in("JPY", Decimal(3)) == Decimal(3)  # a wider setting stands
    assert tolerance_in("EUR", Decimal("0.01")) == Decimal("0.01")
