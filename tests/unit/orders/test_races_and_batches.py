"""Concurrent requests, queued batches and lost answers on the service with the real claim (SQL store in
memory): one order per reference, one customer per new email (end to end: tests/integration/orders,
test_idempotency, test_batching, test_lost_customer_answers)."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import Any

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.orders import errors
from unified_order_api.orders.attempts import AttemptState
from unified_order_api.orders.commands import ItemRequest
from unified_order_api.orders.model import Product
from unified_order_api.orders.service import OrderOutcome
from unified_order_api.xentral import errors as upstream

__all__ = ["make"]


async def _shop(make: Any, **settings: Any) -> Harness:
    h: Harness = await make(**settings)
    h.gateway.catalogue = {"ART-001": Product("1", "ART-001", "Shirt")}
    return h


async def _placed(h: Harness, order: Any) -> OrderOutcome | errors.OrderError:
    try:
        return await h.service.place_order(order, client="shop")
    except errors.OrderError as error:
        return error


async def test_fifty_concurrent_identical_requests_make_one_order(make: Any) -> None:
    h = await _shop(make)
    import_order = h.gateway.import_order

    async def slow_import(draft: Any) -> str:
        await asyncio.sleep(0.05)  # the others arrive while the first import is on its way
        return await import_order(draft)

    h.gateway.import_order = slow_import  # type: ignore[method-assign]
    order = command(sku="ART-001")
    answers = await asyncio.gather(*(_placed(h, order) for _ in range(50)))
    made = [a for a in answers if isinstance(a, OrderOutcome)]
    refused = [a for a in answers if not isinstance(a, OrderOutcome)]
    assert all(isinstance(a, errors.OrderInProgress) for a in refused), refused
    assert len([a for a in made if not a.replayed]) == 1
    assert len(h.orders_with("R-1")) == 1 and len(h.gateway.customers) == 1
    replay = await h.service.place_order(order, client="shop")
    assert replay.replayed and replay.receipt == next(a.receipt for a in made if not a.replayed)


async def test_one_invalid_order_in_a_batch_fails_alone(make: Any) -> None:
    h = await _shop(make)
    orders = [command(f"R-{n}", email=f"k{n}@example.com", sku="ART-001") for n in range(6)]
    orders[2] = dataclasses.replace(orders[2], items=(ItemRequest("ART-999", Decimal(1)),))
    for order in orders:
        await h.service.accept_order(order, client="shop")
    assert await h.worker.run_once() == 6  # one batch
    for n, order in enumerate(orders):
        attempt = await h.store.find("shop", order.reference)
        assert attempt is not None
        if n == 2:
            assert attempt.state == AttemptState.FAILED and attempt.error is not None
            assert attempt.error["code"] == "order_invalid" and "ART-999" in attempt.error["detail"]
            assert h.orders_with(order.reference) == []
        else:
            assert attempt.state == AttemptState.COMPLETED and attempt.receipt is not None
            assert h.orders_with(order.reference) == [attempt.receipt.order_id]


async def test_two_new_orders_of_one_new_email_in_a_batch_make_one_customer(make: Any) -> None:
    h = await _shop(make)
    emails = ["twins@example.com", "twins@example.com", "a@example.com", "b@example.com"]
    orders = [command(f"R-{n}", email=email, sku="ART-001") for n, email in enumerate(emails)]
    for order in orders:
        await h.service.accept_order(order, client="shop")
    # The twin that waits for the other's customer creation is requeued and runs again later.
    for _ in range(5):
        await h.worker.run_once()
        h.clock.advance(120)
    attempts = [await h.store.find("shop", order.reference) for order in orders]
    assert all(a is not None and a.state == AttemptState.COMPLETED for a in attempts), attempts
    twins = [a.receipt for a in attempts[:2] if a is not None and a.receipt is not None]
    assert twins[0].customer_id == twins[1].customer_id
    assert sorted(receipt.customer_created for receipt in twins) == [False, True]
    assert [c.email for c in h.gateway.customers.values()].count("twins@example.com") == 1
    assert len(h.gateway.customers) == 3
    assert all(len(h.orders_with(order.reference)) == 1 for order in orders)


async def test_a_lost_answer_to_the_customer_creation_makes_one_customer(make: Any) -> None:
    h = await _shop(make, idempotency={"unknown_outcome_retry_seconds": 4})
    lost = upstream.XentralTimeout("t", operation="create_customer", method="POST", path="/x", outcome_unknown=True)
    h.gateway.fail("create_customer", lost)  # Xentral creates it; the answer never arrives
    orders = [command(f"R-{n}", email="same@example.com", sku="ART-001") for n in range(3)]
    outcomes: dict[str, OrderOutcome] = {}
    for _ in range(10):
        for order in orders:
            if order.reference not in outcomes:
                answer = await _placed(h, order)
                if isinstance(answer, OrderOutcome):
                    outcomes[order.reference] = answer
                else:
                    assert answer.retry_after is not None, answer  # only "try again later" while it is unsure
        h.clock.advance(5)
    [customer] = h.gateway.customers
    assert sorted(outcomes) == [order.reference for order in orders]
    for order in orders:
        assert outcomes[order.reference].receipt.customer_id == customer
        assert len(h.orders_with(order.reference)) == 1


async def test_the_item_price_name_and_line_id_are_sent(make: Any) -> None:
    h = await _shop(make)
    item = ItemRequest("ART-001", Decimal(1), unit_price=Decimal("17.50"), name="Shirt, blue", line_id="L1")
    order = dataclasses.replace(command(), items=(item,), currency="EUR")
    outcome = await h.service.place_order(order, client="shop")
    [line] = h.gateway.drafts[outcome.receipt.order_id].lines
    assert (line.product_id, line.sku, line.quantity, line.line_id) == ("1", "ART-001", Decimal(1), "L1")
    assert line.unit_price is not None and (line.unit_price.amount, line.unit_price.currency) == (
        Decimal("17.50"),
        "EUR",
    )
    assert line.name == "Shirt, blue"
