"""The money parts of the import body: order tax, line taxes, discounts, shipping costs and fees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from unified_order_api.orders.model import (
    ExternalTotal,
    LineTax,
    Money,
    OrderDiscount,
    OrderDraft,
    OrderLine,
    ShippingCost,
)
from unified_order_api.xentral import build_import_payload
from unified_order_api.xentral.import_payload import discounted_price, tax_body

NORMAL = LineTax("normal", None, Decimal(19))


def _draft(**overrides: object) -> OrderDraft:
    fields: dict[str, object] = {
        "order_date": dt.date(2025, 1, 15),
        "reference": "SHOP-1",
        "customer_id": "394",
        "project_id": "4",
        "payment_method_id": "1",
        "shipping_method_id": "2",
        "currency": "EUR",
        "lines": (OrderLine(product_id="241", sku="SKU-1", quantity=Decimal(1)),),
        "prices": "net",
        "taxation": "domestic",
    }
    fields.update(overrides)
    return OrderDraft(**fields)  # type: ignore[arg-type]


def test_order_tax_states_display_and_taxation() -> None:
    payload = build_import_payload(_draft())
    assert payload["financials"]["tax"] == {"taxDisplay": "net", "taxation": "domestic"}
    payload = build_import_payload(_draft(prices="gross", taxation="eu", vat_id="ATU12345678"))
    assert payload["financials"]["tax"] == {"taxDisplay": "gross", "taxation": "eu", "vatId": "ATU12345678"}


def test_no_tax_block_without_drafted_money() -> None:
    assert "tax" not in build_import_payload(_draft(prices=None, taxation=None))["financials"]


def test_line_tax_is_a_category_or_a_percent_rate_never_both() -> None:
    assert tax_body(NORMAL) == {"vatCategory": "normal", "taxText": "19% VAT"}
    assert tax_body(LineTax("exempt", None, Decimal(0))) == {"vatCategory": "exempt", "taxText": "0% VAT"}
    assert tax_body(LineTax(None, Decimal("7.5"), Decimal("7.5"))) == {"rate": 7.5, "taxText": "7.5% VAT"}
    assert tax_body(LineTax(None, Decimal("6"), Decimal("6"))) == {"rate": 6, "taxText": "6% VAT"}


def _discounted(price: str, percent: str) -> OrderLine:
    unit = Money(Decimal(price), "EUR")
    return OrderLine(
        product_id="241", sku="S", quantity=Decimal(2), unit_price=unit, tax=NORMAL, discount_percent=Decimal(percent)
    )


def test_a_discount_is_sent_as_the_discounted_unit_price_never_as_discount() -> None:
    [position] = build_import_payload(_draft(lines=(_discounted("16.80", "10"),)))["positions"]
    assert position == {
        "product": {"id": "241"},
        "quantity": 2,
        "price": {"amount": "15.12", "currency": "EUR"},
        "tax": {"vatCategory": "normal", "taxText": "19% VAT"},
    }


def test_the_discounted_price_is_exact_so_quantity_times_price_is_the_discounted_line() -> None:
    assert discounted_price(_discounted("19.99", "15")) == Money(Decimal("16.9915"), "EUR")
    assert discounted_price(_discounted("20.00", "50")) == Money(Decimal("10.00"), "EUR")
    assert discounted_price(_discounted("9.99", "100")) == Money(Decimal("0.00"), "EUR")
    assert discounted_price(_discounted("10.00", "7.5")) == Money(Decimal("9.25"), "EUR")


def test_a_discount_without_a_price_is_a_programming_error_not_a_silent_full_price() -> None:
    line = OrderLine(product_id="241", sku="S", quantity=Decimal(2), tax=NORMAL, discount_percent=Decimal(10))
    with pytest.raises(ValueError, match="unit price"):
        build_import_payload(_draft(lines=(line,)))


def test_fee_is_a_position_named_by_its_comment() -> None:
    fee = OrderLine(
        product_id="454",
        sku="",
        quantity=Decimal(1),
        unit_price=Money(Decimal("2.00"), "EUR"),
        tax=NORMAL,
        comment="Cash on delivery",
    )
    positions = build_import_payload(_draft(lines=(fee,)))["positions"]
    assert positions == [
        {
            "product": {"id": "454"},
            "quantity": 1,
            "price": {"amount": "2.00", "currency": "EUR"},
            "tax": {"vatCategory": "normal", "taxText": "19% VAT"},
            "comment": "Cash on delivery",
        }
    ]


def test_discounts_become_discount_positions_with_positive_values() -> None:
    discount = OrderDiscount("99", Money(Decimal("20.00"), "EUR"), LineTax(None, Decimal(6), Decimal(6)), "TENOFF")
    payload = build_import_payload(_draft(discounts=(discount,)))
    assert payload["discountPositions"] == [
        {
            "discountProduct": {"id": "99"},
            "quantity": 1,
            "value": {"amount": "20.00", "currency": "EUR"},
            "tax": {"rate": 6, "taxText": "6% VAT"},
        }
    ]
    assert "discountPositions" not in build_import_payload(_draft())


def test_shipping_costs_carry_their_tax() -> None:
    costs = (
        ShippingCost("453", Money(Decimal("4.90"), "EUR"), NORMAL, "DHL"),
        ShippingCost("453", Money(Decimal("1.00"), "EUR"), LineTax("reduced", None, Decimal(7))),
    )
    assert build_import_payload(_draft(shipping_costs=costs))["delivery"]["shippingCosts"] == [
        {
            "shippingCostProduct": {"id": "453"},
            "quantity": 1,
            "price": {"amount": "4.90", "currency": "EUR"},
            "tax": {"vatCategory": "normal", "taxText": "19% VAT"},
            "comment": "DHL",
        },
        {
            "shippingCostProduct": {"id": "453"},
            "quantity": 1,
            "price": {"amount": "1.00", "currency": "EUR"},
            "tax": {"vatCategory": "reduced", "taxText": "7% VAT"},
        },
    ]


def test_a_known_total_is_sent_as_set_total_amount_with_the_tolerance() -> None:
    payload = build_import_payload(_draft(external_total=ExternalTotal(Decimal("31.57"), Decimal("0.01"))))
    assert payload["setTotalAmount"] == {
        "isActive": True,
        "totalGrossAmountFromExternal": 31.57,
        "maximumDifferenceToCalculatedSum": 0.01,
    }
    assert "setTotalAmount" not in build_import_payload(_draft())
