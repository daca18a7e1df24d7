"""The dry run on the service: what it shows is what the real run sends, and it refuses and finds what the
real run refuses and finds (end to end: tests/integration/orders/test_dry_run.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.orders import errors
from unified_order_api.orders.commands import ItemRequest
from unified_order_api.orders.model import Customer, Product

__all__ = ["make"]

MAX = Customer("1", "10000", "max@example.com", "Max Mustermann")


async def _shop(make: Any) -> Harness:
    h: Harness = await make()
    h.gateway.catalogue = {"ART-001": Product("1", "ART-001", "Shirt")}
    h.gateway.customers[MAX.id] = MAX
    return h


async def test_for_a_known_customer_the_payload_shown_is_the_one_sent(make: Any) -> None:
    h = await _shop(make)
    order = command(email=MAX.email, sku="ART-001")
    preview = await h.service.preview_order(order, client="shop")
    assert preview.customer is not None and (preview.customer.id, preview.customer.would_create) == ("1", False)
    assert h.gateway.orders == {} and await h.rows("order_attempts") == []

    outcome = await h.service.place_order(order, client="shop")
    assert h.gateway.import_payload(h.gateway.drafts[outcome.receipt.order_id]) == preview.import_payload
    assert preview.draft == h.gateway.drafts[outcome.receipt.order_id]


async def test_a_dry_run_refuses_with_the_problems_of_the_real_run(make: Any) -> None:
    h = await _shop(make)
    order = dataclasses.replace(command(), items=(ItemRequest("ART-999", 1),), shipping="carrier_pigeon")
    with pytest.raises(errors.OrderRejected) as dry:
        await h.service.preview_order(order, client="shop")
    with pytest.raises(errors.OrderRejected) as real:
        await h.service.place_order(order, client="shop")
    assert dry.value.problems == real.value.problems
    assert [problem.code for problem in dry.value.problems] == ["item_not_found", "unknown_shipping_method"]
    assert h.gateway.orders == {} and list(h.gateway.customers) == [MAX.id]


async def test_a_dry_run_finds_an_order_xentral_already_has(make: Any) -> None:
    """Same reference under another key: the store has no record for that key, but Xentral has the order."""
    h = await _shop(make)
    made = await h.service.place_order(command(sku="ART-001"), client="shop", key="first-key")
    preview = await h.service.preview_order(command(sku="ART-001"), client="shop", key="fresh-key-1")
    assert preview.outcome == "existing"
    assert preview.existing is not None and preview.existing.id == made.receipt.order_id
    assert preview.import_payload is None
    assert h.orders_with("R-1") == [made.receipt.order_id]
