"""Shop orders to the cent: fixtures built from each shop's documented order format, translated by the
connector and priced as the order flow prices them (pure: no HTTP, no Xentral)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.support.xentral_books import xentral_books
from unified_order_api.api.schemas import OrderRequest
from unified_order_api.config import ShopSettings
from unified_order_api.orders.drafting import rounding_note
from unified_order_api.orders.model import LineTax, Money, OrderLine, Product
from unified_order_api.orders.pricing import MoneySettings, Pricing, check_expected_total, price_order
from unified_order_api.orders.totals import TotalsCheck, vat_by_rate
from unified_order_api.shops import Translated, shopify, shopware, woocommerce

D = Decimal
FIXTURES = Path(__file__).parent / "fixtures"
MONEY = MoneySettings("DE", "gross", D("0.01"), "refuse", "SHIP", "DISC", "FEE")


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    return data


def priced(body: dict[str, Any]) -> tuple[Pricing, TotalsCheck]:
    """The translated request priced with catalogue products at the standard rate."""
    command = OrderRequest.model_validate(body).to_command()
    lines = [
        OrderLine(
            str(n), item.sku, item.quantity, Money(item.unit_price, "EUR") if item.unit_price is not None else None
        )
        for n, item in enumerate(command.items)
    ]
    products = {
        item.sku: Product(str(n), item.sku, item.sku, tax_class="standard") for n, item in enumerate(command.items)
    }
    pricing, problems = price_order(command, lines, products, None, "EUR", MONEY)
    assert problems == []
    check = check_expected_total(pricing, command, MONEY)
    assert check is not None
    return pricing, check


def woocommerce_settings(order: dict[str, Any]) -> dict[str, Any]:
    """A WooCommerce order's request, as the connector translates it."""
    result = woocommerce.translate(order, ShopSettings(kind="woocommerce", secret="s"))
    assert isinstance(result, Translated), result
    return result.body


def woo(name: str) -> dict[str, Any]:
    return woocommerce_settings(fixture(name))


def test_woocommerce_a_line_a_coupon_consumed_keeps_its_declared_rate() -> None:
    # Before: the line's rate was total_tax / total = 0 / 0, so it went in at 0 % and the order was 0.40 short.
    body = woo("woocommerce-coupon-consumed-line.json")
    pricing, check = priced(body)
    assert [line.tax for line in pricing.lines[:2]] == [LineTax(None, D(4), D(4))] * 2
    assert check.gross == check.expected == D("26.00") and check.matches is True
    assert pricing.totals is not None and vat_by_rate(pricing.totals.lines) == {D(4): D("1.00")}


def test_woocommerce_a_declared_two_percent_rate_is_not_derived_as_1_98() -> None:
    body = woo("woocommerce-two-percent-rate.json")
    assert body["items"][0]["tax_rate"] == "2"  # 0.11 of 5.55 would say 1.98
    pricing, check = priced(body)
    assert pricing.lines[0].tax == LineTax(None, D(2), D(2))
    assert check.gross == D("5.66") and check.matches is True


def shopify_body(name: str) -> dict[str, Any]:
    result = shopify.translate(fixture(name), ShopSettings(kind="shopify", secret="s"))
    assert isinstance(result, Translated), result
    return result.body


def test_shopify_a_code_discounted_line_keeps_its_rate_and_the_discount_carries_it() -> None:
    # Before: the line went in at 2.38 / 40.00 = 5.95 % and the discount at 0 %; net and tax added up,
    # the VAT per rate did not.
    body = shopify_body("shopify-fifteen-percent-code.json")
    assert body["items"][0]["tax_rate"] == "7"
    assert body["discounts"] == [{"name": "SAVE15", "amount": "6.00", "tax_rate": "7", "tax_amount": "0.42"}]
    pricing, check = priced(body)
    assert pricing.lines[0].tax == LineTax(None, D(7), D(7))  # a US sales tax: never the "reduced" category
    assert check.gross == check.expected == D("41.38") and check.matches is True
    assert pricing.totals is not None and vat_by_rate(pricing.totals.lines) == {D(7): D("2.38"), D(0): D("0.00")}


def test_shopify_each_tax_line_is_taken_as_rounded() -> None:
    body = shopify_body("shopify-shipping-city-and-state-tax.json")
    assert body["shipping_costs"] == [
        {
            "name": "Ground",
            "amount": "6.90",
            "taxes": [
                {"rate": "6", "amount": "0.41", "name": "Illinois State Tax"},
                {"rate": "1.65", "amount": "0.11", "name": "Chicago City Tax"},
            ],
            "line_id": "22",  # the shipping line's id: Xentral's webId
        }
    ]
    pricing, check = priced(body)
    assert pricing.totals is not None and [line.tax for line in pricing.totals.lines] == [D("1.91"), D("0.52")]
    # The summed rate at once would make the shipping's tax 0.53 and the order 34.34.
    assert check.gross == check.expected == D("34.33") and check.matches is True


def shopware_body(name: str) -> dict[str, Any]:
    result = shopware.translate(fixture(name), ShopSettings(kind="shopware", secret="s"))
    assert isinstance(result, Translated), result
    return result.body


def test_shopware_a_promotion_and_shipping_over_two_rates_keep_the_vat_per_rate() -> None:
    body = shopware_body("shopware-several-rates-promotion-gross.json")
    assert [(d["name"], d["tax_rate"], d["tax_amount"]) for d in body["discounts"]] == [
        ("SUMMER (19 %)", "19", "1.17"),
        ("SUMMER (7 %)", "7", "0.17"),
    ]
    pricing, check = priced(body)
    assert check.gross == check.expected == D("75.80") and check.matches is True
    # The order's own calculatedTaxes: 8.90 at 19 %, 1.32 at 7 %.
    assert pricing.totals is not None and vat_by_rate(pricing.totals.lines) == {D(19): D("8.90"), D(7): D("1.32")}


def test_shopware_net_and_tax_free_orders() -> None:
    pricing, check = priced(shopware_body("shopware-net-b2b.json"))
    assert pricing.prices == "net" and check.gross == check.expected == D("124.95") and check.matches is True
    assert pricing.totals is not None and vat_by_rate(pricing.totals.lines) == {D(19): D("19.95")}
    pricing, check = priced(shopware_body("shopware-tax-free-export.json"))
    assert pricing.taxation == "export" and check.gross == check.expected == D("55.00") and check.matches is True
    assert pricing.totals is not None and pricing.totals.tax == 0


def test_woocommerce_gift_cards_are_payments_and_the_order_keeps_its_full_value() -> None:
    # Before: the 4.00 still due was taken as the order's total, and a valid paid order was refused.
    body = woo("woocommerce-two-gift-cards.json")
    assert body["expected_total"] == "28.00"
    assert body["redeemed"] == [
        {"kind": "gift_card", "amount": "12.00", "code": "GC-7Q2M-AAAA-1111"},
        {"kind": "gift_card", "amount": "12.00", "code": "GC-9R4N-BBBB-2222"},
    ]
    command = OrderRequest.model_validate(body).to_command()
    assert [(r.kind, r.amount, r.code) for r in command.redeemed] == [
        ("gift_card", D("12.00"), "****1111"),
        ("gift_card", D("12.00"), "****2222"),
    ]  # only the last four characters are kept
    pricing, check = priced(body)
    assert check.gross == check.expected == D("28.00") and check.matches is True
    assert pricing.totals is not None and vat_by_rate(pricing.totals.lines) == {D(19): D("4.47")}


def test_shopify_gift_cards_are_payments_read_from_its_transactions() -> None:
    # total_price is the full value whatever paid it; the gift card's sale is a payment, not a discount.
    body = shopify_body("shopify-gift-card-and-card.json")
    assert body["expected_total"] == "64.80" and body.get("discounts", []) == []
    assert body["redeemed"] == [{"kind": "gift_card", "amount": "25.00", "code": "****x7k2"}]
    assert body["payment"] == "shopify_payments"  # the gateway that paid the rest, not "gift_card"
    command = OrderRequest.model_validate(body).to_command()
    assert [(r.kind, r.amount, r.code) for r in command.redeemed] == [("gift_card", D("25.00"), "****x7k2")]
    pricing, check = priced(body)
    assert check.gross == check.expected == D("64.80") and check.matches is True
    assert check.redeemed == D("25.00")
    assert pricing.totals is not None and vat_by_rate(pricing.totals.lines) == {D(19): D("10.34")}


def test_shopify_gift_cards_without_transactions() -> None:
    order = fixture("shopify-gift-card-and-card.json")
    del order["transactions"]
    # Paid by a card and something else: the order does not say how much the card paid; nothing is invented.
    body = shopify.translate(order, ShopSettings(kind="shopify", secret="s"))
    assert isinstance(body, Translated)
    assert "redeemed" not in body.body and body.body["expected_total"] == "64.80"
    assert body.body["internal_note"] == "Paid partly with a gift card (Shopify's order does not say how much)"
    # Paid by gift cards alone: the whole total.
    order["payment_gateway_names"] = ["gift_card"]
    only = shopify.translate(order, ShopSettings(kind="shopify", secret="s"))
    assert isinstance(only, Translated)
    assert only.body["redeemed"] == [{"kind": "gift_card", "amount": "64.80"}] and only.body["payment"] == "gift_card"
    assert "internal_note" not in only.body
    _, check = priced(only.body)
    assert check.matches is True and check.redeemed == D("64.80")


def test_shopware_a_gift_card_plugins_tax_neutral_line_is_a_payment() -> None:
    # Before: the -30.00 line went in as a discount at 0 %: the total passed, revenue was 30.00 short.
    body = shopware_body("shopware-gift-card-plugin.json")
    assert body["redeemed"] == [{"kind": "gift_card", "amount": "30.0", "code": "GC-SW-7Q2M-9F3A"}]
    assert body["expected_total"] == "54.80" and body.get("discounts", []) == []  # amountTotal 24.80 + the card
    pricing, check = priced(body)
    assert check.gross == check.expected == D("54.80") and check.matches is True and check.redeemed == D("30.0")
    assert pricing.totals is not None and vat_by_rate(pricing.totals.lines) == {D(19): D("8.75")}


def test_shopware_promotions_and_credits_stay_discounts() -> None:
    """Shopware's own reductions (a promotion, an administrator's credit) lower the order's value, taxed."""
    envelope = fixture("shopware-gift-card-plugin.json")
    order = envelope["data"]["payload"]["order"]
    for kind in ("promotion", "credit"):
        order["lineItems"][1]["type"] = kind
        body = shopware_body_of(envelope)
        assert "redeemed" not in body and body["expected_total"] == "24.80"
        assert [d["amount"] for d in body["discounts"]] == ["30.0"]
    # A plugin's line that carries tax is a taxed reduction too, not a payment.
    order["lineItems"][1]["type"] = "gift-card"
    order["lineItems"][1]["price"]["taxRules"] = [{"taxRate": 19, "percentage": 100}]
    assert "redeemed" not in shopware_body_of(envelope)


def shopware_body_of(envelope: dict[str, Any]) -> dict[str, Any]:
    result = shopware.translate(envelope, ShopSettings(kind="shopware", secret="s"))
    assert isinstance(result, Translated), result
    return result.body


def test_shopware_net_order_taxed_on_each_rates_total() -> None:
    # Vertical tax calculation: the lines' own taxes add up to 78.97 and 6.89, the order's are 78.98 and
    # 6.90; the buyer pays 600.07. Before, this was a two-cent difference and refused.
    envelope = fixture("shopware-net-vertical-tax.json")
    body = shopware_body_of(envelope)
    assert [(d["name"], d["tax_rate"], d["tax_amount"]) for d in body["discounts"]] == [
        ("B2B10 (10 %) (19 %)", "19", "8.61"),
        ("B2B10 (10 %) (7 %)", "7", "0.75"),
    ]
    pricing, check = priced(body)
    assert pricing.prices == "net" and check.gross == check.expected == D("600.07") and check.matches is True
    assert pricing.totals is not None and vat_by_rate(pricing.totals.lines) == {D(19): D("78.98"), D(7): D("6.90")}
    # Each line stays within a cent of its own rate: the settled cent went to the largest line of each rate.
    assert [item["tax_amount"] for item in body["items"]] == ["71.83", "14.24", "4.90", "2.62"]


def test_shopware_vertical_tax_is_booked_by_xentral_under_either_rounding() -> None:
    # Xentral computes each line's tax: 78.97 and 6.89, 600.05. A balancing line per rate (fees and a
    # discount adding up to 0.00) makes its tax the shop's, per line and per rate sum alike.
    pricing, _ = priced(shopware_body_of(fixture("shopware-net-vertical-tax.json")))
    assert [(b.rate, b.stated, b.difference) for b in pricing.balances] == [
        (D(7), D("6.90"), D("0.01")),
        (D(19), D("78.98"), D("0.01")),
    ]
    balancing = [line for line in pricing.lines if line.comment and line.comment.startswith("Rounding balance")]
    discounts = [d for d in pricing.discounts if d.name and d.name.startswith("Rounding balance")]
    assert sum((line.unit_price.amount for line in balancing if line.unit_price), D(0)) == sum(
        (d.amount.amount for d in discounts), D(0)
    )
    for rounding in ("per-line", "per-rate-sum"):
        booked = xentral_books(pricing, rounding)
        assert (booked.gross, booked.vat) == (D("600.07"), {D(19): D("78.98"), D(7): D("6.90")}), rounding
    assert "7 % +0.01 to 6.90; 19 % +0.01 to 78.98" in rounding_note(pricing.balances)


def test_a_rounding_difference_without_fee_and_discount_products_is_refused_before_anything_is_written() -> None:
    command = OrderRequest.model_validate(shopware_body_of(fixture("shopware-net-vertical-tax.json"))).to_command()
    lines = [
        OrderLine(str(n), item.sku, item.quantity, Money(item.unit_price, "EUR"))
        for n, item in enumerate(command.items)
    ]
    products = {
        str(n): Product(str(n), item.sku, item.sku, tax_class="standard") for n, item in enumerate(command.items)
    }
    _, problems = price_order(command, lines, products, None, "EUR", replace(MONEY, fee_product_id=None))
    assert [(p.pointer, p.code) for p in problems] == [
        ("/items/2", "tax_rounding_unsupported"),  # the first line at 7 %
        ("/items/0", "tax_rounding_unsupported"),
    ]
    assert "The shop charged 78.98 tax at 19 %, but Xentral computes each line's tax and would book 78.97" in (
        problems[1].detail
    )
    assert "UOA_DEFAULTS__FEE_PRODUCT_ID" in problems[1].detail


def test_shopware_cash_rounded_total_is_booked_as_paid() -> None:
    # CHF to 0.05: the lines add up to 79.01, the buyer pays 79.00; the 0.01 goes as a 0 % rounding line.
    body = shopware_body_of(fixture("shopware-chf-cash-rounding.json"))
    assert body["discounts"] == [{"name": "Cash rounding", "amount": "0.01", "tax_rate": "0", "tax_amount": "0.00"}]
    pricing, check = priced(body)
    assert pricing.taxation == "domestic"  # Swiss VAT as charged, though the buyer is outside the EU
    assert check.gross == check.expected == D("79.00") and check.matches is True
    assert pricing.totals is not None
    assert vat_by_rate(pricing.totals.lines) == {D("2.6"): D("0.56"), D("8.1"): D("4.26"), D(0): D("0.00")}
    assert [line.tax for line in pricing.lines] == [
        LineTax(None, D("2.6"), D("2.6")),
        LineTax(None, D("8.1"), D("8.1")),
    ]
