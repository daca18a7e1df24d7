"""The money check on the service: a total that differs from the shop's is refused before anything is
written, or imported and flagged for a client that says so (end to end: tests/integration/orders/test_money.py)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.config import ApiClient
from unified_order_api.orders import errors
from unified_order_api.orders.commands import AmountLine, ItemRequest
from unified_order_api.orders.model import Money, Product

__all__ = ["make"]

PRODUCTS = {"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"}
SHIRT = Product("1", "ART-001", "Shirt", sales_price_gross=Money(Decimal("19.99"), "EUR"))
BOOK = Product("3", "BOOK-001", "Book", sales_price_gross=Money(Decimal("24.99"), "EUR"))


async def _shop(make: Any, **client: Any) -> Harness:
    h: Harness = await make(defaults=PRODUCTS, clients=[ApiClient(name="shop", api_key="k" * 16, **client)])
    h.gateway.catalogue = {product.sku: product for product in (SHIRT, BOOK)}
    return h


async def test_a_total_mismatch_is_refused_with_a_breakdown_and_nothing_is_created(make: Any) -> None:
    h = await _shop(make)
    order = dataclasses.replace(
        command(),
        items=(ItemRequest("ART-001", Decimal(2), unit_price=Decimal("19.99")), ItemRequest("BOOK-001", Decimal(1))),
        shipping_costs=(AmountLine(name="DHL", amount=Decimal("4.90")),),
        discounts=(AmountLine(name="TENOFF", amount=Decimal("10.00")),),
        expected_total=Decimal("90.00"),
    )
    with pytest.raises(errors.TotalMismatch) as raised:
        await h.service.place_order(order, client="shop")
    assert [(p.pointer, p.code) for p in raised.value.problems] == [("/expected_total", "total_mismatch")]
    totals = raised.value.extra["totals"]
    # 39.98 + 24.99 (master price) + 4.90 - 10.00 = 59.87 gross
    assert (totals["gross"], totals["expected"], totals["difference"]) == ("59.87", "90.00", "-30.13")
    assert [(line["pointer"], line["gross"]) for line in totals["lines"]] == [
        ("/items/0", "39.98"),
        ("/items/1", "24.99"),
        ("/shipping_costs/0", "4.90"),
        ("/discounts/0", "-10.00"),
    ]
    assert h.gateway.customers == {} and h.gateway.orders == {}


async def test_a_flagging_client_imports_and_reports_the_mismatch(make: Any) -> None:
    h = await _shop(make, on_total_mismatch="flag")
    order = dataclasses.replace(
        command(),
        items=(ItemRequest("ART-001", Decimal(1), unit_price=Decimal("19.99")),),
        expected_total=Decimal("20.99"),
    )
    outcome = await h.service.place_order(order, client="shop")
    assert outcome.receipt.totals is not None
    assert outcome.receipt.totals["matches"] is False and outcome.receipt.totals["gross"] == "19.99"
    assert [warning.split(":")[0] for warning in outcome.receipt.warnings] == ["total_mismatch"]
    assert h.orders_with("R-1") == [outcome.receipt.order_id]
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.receipt == outcome.receipt  # what the status lookup answers
