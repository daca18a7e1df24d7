"""Reading shop money, and pointing at the shop's own JSON."""

from __future__ import annotations

from decimal import Decimal

from unified_order_api.shops.native import amount, charged_rate, first_sku, native_pointer


def test_amounts_from_strings_numbers_and_floats() -> None:
    assert amount("29.35") == Decimal("29.35")
    assert amount(3) == Decimal(3)
    assert amount(395.01) == Decimal("395.01")  # shortest repr, not the binary expansion
    assert amount(0.1 + 0.2) == Decimal("0.30000000000000004")  # a float that is not a cent amount stays visible
    not_amounts: list[object] = [None, "", True, "abc", []]
    assert [amount(value) for value in not_amounts] == [None] * 5


def test_the_rate_charged() -> None:
    assert charged_rate(Decimal("0.45"), Decimal("6.00")) == Decimal("7.5")
    assert charged_rate(Decimal("19.00"), Decimal("119.00"), gross=True) == Decimal(19)
    assert charged_rate(Decimal(0), Decimal(10)) == 0 and charged_rate(Decimal(1), Decimal(0)) == 0


def test_the_first_non_empty_sku_field() -> None:
    assert first_sku({"sku": "", "product_id": 93}, ["sku", "product_id"]) == "93"
    assert first_sku({"sku": " ", "variation_id": 0}, ["sku", "variation_id"]) is None


def test_pointers_by_the_longest_known_prefix() -> None:
    origins = {"/items/0": "/line_items/2", "/customer": "/billing", "/customer/zip": "/billing/postcode"}
    assert native_pointer("/items/0/quantity", origins) == "/line_items/2/quantity"
    assert native_pointer("/customer/zip", origins) == "/billing/postcode"
    assert native_pointer("/customer/city", origins) == "/billing/city"
    assert native_pointer("/items/01", origins) == "/items/01"
    assert native_pointer("/currency", origins) == "/currency"


def test_amounts_that_are_not_numbers() -> None:
    assert [amount(value) for value in ("NaN", "Infinity", "-inf", float("nan"))] == [None] * 4
