"""The list item's traffic lights become the reasons an order is held (orders/holds.py)."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from unified_order_api.api.schemas import OrderOut
from unified_order_api.orders.attempts import OrderReceipt
from unified_order_api.orders.holds import HELD_REASONS, HeldReason
from unified_order_api.xentral.converters import to_sales_order
from unified_order_api.xentral.wire import SalesOrderItem, SalesOrderView

GREEN = {
    "stockOk": True,
    "prepaidOk": True,
    "vatOk": True,
    "shippingLockOk": True,
    "creditLimitOk": True,
    "shippingDateOk": True,
    "postageOk": True,
    "customerCheckOk": True,
    "isBeingEdited": False,
    "subsequentDelivery": False,
}


def _item(**lights: Any) -> SalesOrderItem:
    return SalesOrderItem.model_validate({"id": "7", "externalOrderNumber": "R-1", "status": "released", **lights})


def test_all_green_holds_nothing() -> None:
    assert to_sales_order(_item(**GREEN)).held_reasons == ()


@pytest.mark.parametrize(
    ("light", "reason"),
    [
        ("stockOk", "out_of_stock"),
        ("prepaidOk", "awaiting_prepayment"),
        ("vatOk", "vat_id_check_failed"),
        ("shippingLockOk", "delivery_blocked"),
        ("creditLimitOk", "credit_limit_exceeded"),
        ("shippingDateOk", "delivery_date_not_reached"),
        ("postageOk", "shipping_costs_unclear"),
        ("customerCheckOk", "customer_check_failed"),
    ],
)
def test_each_red_light_names_its_reason(light: str, reason: str) -> None:
    assert to_sales_order(_item(**(GREEN | {light: False}))).held_reasons == (reason,)


def test_several_red_lights_and_states_that_hold_nothing() -> None:
    lights = GREEN | {"stockOk": False, "prepaidOk": False, "isBeingEdited": True, "subsequentDelivery": True}
    assert to_sales_order(_item(**lights)).held_reasons == ("out_of_stock", "awaiting_prepayment")


def test_a_missing_light_is_not_red_and_no_lights_is_unknown() -> None:
    assert to_sales_order(_item(stockOk=False)).held_reasons == ("out_of_stock",)
    assert to_sales_order(_item()).held_reasons is None
    view = SalesOrderView.model_validate({"id": "7", "status": "released", "stockOk": False})
    assert to_sales_order(view).held_reasons is None


def test_every_reason_is_described() -> None:
    assert set(HELD_REASONS) == set(get_args(HeldReason))


def _receipt(**changes: Any) -> OrderReceipt:
    return OrderReceipt("R-1", "7", "200001", "released", "1", None, False, "created", **changes)


def test_the_answer_and_the_stored_receipt_carry_the_reasons() -> None:
    receipt = _receipt(held_reasons=["awaiting_prepayment", "out_of_stock"])
    stored = OrderReceipt.from_json(receipt.to_json())
    assert stored.held_reasons == ["awaiting_prepayment", "out_of_stock"]
    assert OrderOut.from_receipt(stored).held_reasons == ["out_of_stock", "awaiting_prepayment"]
    assert OrderOut.from_receipt(_receipt(held_reasons=[])).held_reasons == []


def test_a_receipt_without_reasons_or_with_unknown_ones() -> None:
    older = _receipt().to_json()
    del older["held_reasons"]
    assert OrderOut.from_receipt(OrderReceipt.from_json(older)).held_reasons is None
    newer = _receipt(held_reasons=["out_of_stock", "a_reason_of_a_newer_version"])
    assert OrderOut.from_receipt(newer).held_reasons == ["out_of_stock"]


def test_the_schema_documents_every_reason() -> None:
    field = OrderOut.model_json_schema()["properties"]["held_reasons"]
    for reason in HELD_REASONS:
        assert f"`{reason}`" in field["description"]
