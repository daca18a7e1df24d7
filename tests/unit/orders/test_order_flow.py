"""The order flow on the service itself: customers, items, idempotency, the async lane and clients.

Each behaviour here also has an end-to-end test over HTTP and the sandbox (tests/integration/orders);
these run the same decisions in milliseconds on a fake Xentral and the real SQL store in memory.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.config import ApiClient, Settings, order_policies
from unified_order_api.orders import errors
from unified_order_api.orders.attempts import AttemptState
from unified_order_api.orders.commands import ItemRequest
from unified_order_api.orders.model import Customer, Product, SalesOrder
from unified_order_api.orders.service import OrderService
from unified_order_api.xentral import errors as upstream

__all__ = ["make"]

SHIRT = Product("1", "ART-001", "Shirt")
MUG = Product("2", "ART-002", "Mug")
LOCKED = Product("4", "ART-004", "Old lamp", is_locked=True, locked_reason="discontinued")
MAX = Customer("1", "10000", "max@example.com", "Max Mustermann")
TWO_SHOPS = [
    ApiClient(name="shop", api_key="k" * 16, reference_prefix="S-"),
    ApiClient(name="other", api_key="o" * 16, reference_prefix="O-"),
]


def _with_items(order: Any, *skus: str) -> Any:
    """`order` asking for one of each SKU."""
    return order.__class__(**{**_fields(order), "items": tuple(ItemRequest(sku, Decimal(1)) for sku in skus)})


def _fields(order: Any) -> dict[str, Any]:
    return {name: getattr(order, name) for name in order.__dataclass_fields__}


async def _shop(make: Any, **settings: Any) -> Harness:
    h: Harness = await make(**settings)
    h.gateway.catalogue = {product.sku: product for product in (SHIRT, MUG, LOCKED)}
    return h


# Customers


async def test_a_new_customer_is_created_and_the_order_imported_for_it(make: Any) -> None:
    h = await _shop(make)
    outcome = await h.service.place_order(_with_items(command(email="neu@example.com"), "ART-001"), client="shop")
    receipt = outcome.receipt
    assert (receipt.outcome, receipt.customer_created, outcome.replayed) == ("created", True, False)
    [customer] = h.gateway.customers.values()
    assert (customer.id, customer.email) == (receipt.customer_id, "neu@example.com")
    assert h.orders_with("R-1") == [receipt.order_id]
    draft = h.gateway.drafts[receipt.order_id]
    assert draft.customer_id == customer.id and [line.sku for line in draft.lines] == ["ART-001"]
    [row] = await h.rows("order_attempts")
    assert (row["state"], row["order_id"]) == ("completed", receipt.order_id)


async def test_an_existing_customer_is_found_by_email(make: Any) -> None:
    h = await _shop(make)
    h.gateway.customers[MAX.id] = MAX
    outcome = await h.service.place_order(_with_items(command(email="max@example.com"), "ART-001"), client="shop")
    assert (outcome.receipt.customer_id, outcome.receipt.customer_number) == ("1", "10000")
    assert outcome.receipt.customer_created is False and list(h.gateway.customers) == ["1"]
    assert h.gateway.drafts[outcome.receipt.order_id].customer_id == "1"


async def test_an_existing_customer_is_found_by_number_without_an_email(make: Any) -> None:
    h = await _shop(make)
    h.gateway.customers[MAX.id] = MAX
    outcome = await h.service.place_order(_with_items(command(email=None, number="10000"), "ART-001"), client="shop")
    assert (outcome.receipt.customer_id, outcome.receipt.customer_created) == ("1", False)
    assert list(h.gateway.customers) == ["1"]


async def test_with_creation_disabled_an_unknown_customer_is_refused_and_nothing_created(make: Any) -> None:
    h = await _shop(make, customers={"create_missing": False})
    with pytest.raises(errors.CustomerNotFound) as raised:
        await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert [(p.pointer, p.code) for p in raised.value.problems] == [("/customer/email", "customer_not_found")]
    assert h.gateway.customers == {} and h.gateway.orders == {}


async def test_several_customers_with_one_email_take_the_oldest(make: Any) -> None:
    h = await _shop(make)
    h.gateway.customers["7"] = Customer("7", "10007", MAX.email, MAX.name)  # a later twin
    h.gateway.customers[MAX.id] = MAX
    outcome = await h.service.place_order(_with_items(command(email=MAX.email), "ART-001"), client="shop")
    assert outcome.receipt.customer_id == "1" and len(h.gateway.customers) == 2


async def test_several_customers_with_one_email_can_be_refused(make: Any) -> None:
    h = await _shop(make, customers={"on_several_matches": "reject"})
    h.gateway.customers[MAX.id] = MAX
    h.gateway.customers["7"] = Customer("7", "10007", MAX.email, MAX.name)
    with pytest.raises(errors.AmbiguousCustomer) as raised:
        await h.service.place_order(_with_items(command(email=MAX.email), "ART-001"), client="shop")
    assert "ids 1, 7" in raised.value.detail
    assert h.gateway.orders == {}


# Items


async def test_an_unknown_sku_is_refused_and_nothing_created(make: Any) -> None:
    h = await _shop(make)
    with pytest.raises(errors.OrderRejected) as raised:
        await h.service.place_order(_with_items(command(), "ART-999"), client="shop")
    assert raised.value.detail == "Item ART-999 not found"
    assert [(p.pointer, p.code) for p in raised.value.problems] == [("/items/0/sku", "item_not_found")]
    assert h.gateway.customers == {} and h.gateway.orders == {}


async def test_a_locked_sku_is_refused(make: Any) -> None:
    h = await _shop(make)
    with pytest.raises(errors.OrderRejected) as raised:
        await h.service.place_order(_with_items(command(), "ART-004"), client="shop")
    [problem] = raised.value.problems
    assert (problem.pointer, problem.code) == ("/items/0/sku", "item_not_sellable") and "ART-004" in problem.detail
    assert h.gateway.customers == {} and h.gateway.orders == {}


async def test_every_problem_is_reported_at_once(make: Any) -> None:
    h = await _shop(make)
    order = _with_items(command(), "ART-001", "ART-999", "ART-004")
    order = order.__class__(**{**_fields(order), "shipping": "carrier_pigeon", "payment": "bitcoin"})
    with pytest.raises(errors.OrderRejected) as raised:
        await h.service.place_order(order, client="shop")
    assert [(p.pointer, p.code) for p in raised.value.problems] == [
        ("/items/1/sku", "item_not_found"),
        ("/items/2/sku", "item_not_sellable"),
        ("/shipping", "unknown_shipping_method"),
        ("/payment", "unknown_payment_method"),
    ]
    assert h.gateway.customers == {}


# Idempotency


async def test_the_same_request_twice_replays_the_first_answer(make: Any) -> None:
    h = await _shop(make)
    first = await h.service.place_order(_with_items(command(), "ART-001"), client="shop", key="key-abc")
    again = await h.service.place_order(_with_items(command(), "ART-001"), client="shop", key="key-abc")
    assert (first.replayed, again.replayed) == (False, True)
    assert again.receipt == first.receipt
    assert len(h.orders_with("R-1")) == 1


async def test_the_same_key_with_another_body_is_refused(make: Any) -> None:
    h = await _shop(make)
    await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    with pytest.raises(errors.IdempotencyKeyReused):
        await h.service.place_order(_with_items(command(), "ART-002"), client="shop")
    assert len(h.orders_with("R-1")) == 1


async def test_the_same_reference_under_a_new_key_is_still_one_order(make: Any) -> None:
    h = await _shop(make)
    first = await h.service.place_order(_with_items(command(), "ART-001"), client="shop", key="k1")
    again = await h.service.place_order(_with_items(command(), "ART-001"), client="shop", key="k2")
    assert again.replayed and again.receipt.order_id == first.receipt.order_id
    assert len(h.orders_with("R-1")) == 1


async def test_a_failed_validation_does_not_lock_the_key(make: Any) -> None:
    h = await _shop(make)
    with pytest.raises(errors.OrderRejected):
        await h.service.place_order(_with_items(command(), "ART-999"), client="shop")
    outcome = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert outcome.receipt.outcome == "created" and len(h.orders_with("R-1")) == 1


async def test_an_unreachable_xentral_before_any_write_does_not_lock_the_key(make: Any) -> None:
    h = await _shop(make)
    h.gateway.fail("products", upstream.XentralServerError(503, None, "list_products"))
    with pytest.raises(errors.XentralUnavailable):
        await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert h.gateway.orders == {}
    assert (await h.service.place_order(_with_items(command(), "ART-001"), client="shop")).receipt.outcome == "created"
    assert len(h.orders_with("R-1")) == 1


async def test_an_order_xentral_already_has_is_returned_not_duplicated(make: Any) -> None:
    h = await _shop(make)
    h.gateway.orders["1"] = SalesOrder("1", "20001", "released", "R-1", "5")
    outcome = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert (outcome.receipt.outcome, outcome.receipt.order_id) == ("existing", "1")
    assert h.orders_with("R-1") == ["1"] and h.gateway.customers == {}


async def test_an_import_whose_answer_was_lost_yields_one_order_and_its_number(make: Any) -> None:
    h = await _shop(make)
    h.gateway.fail(
        "import",
        upstream.XentralTimeout("t", operation="import_sales_order", method="POST", path="/x", outcome_unknown=True),
    )
    outcome = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    [order_id] = h.orders_with("R-1")
    assert (outcome.receipt.order_id, outcome.receipt.order_number) == (
        order_id,
        h.gateway.orders[order_id].document_number,
    )
    again = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert again.receipt.order_id == order_id and len(h.orders_with("R-1")) == 1


async def test_the_customer_is_kept_when_the_import_is_rejected_and_reused_on_the_retry(make: Any) -> None:
    h = await _shop(make)
    rejected = upstream.XentralValidationError(400, None, "import_sales_order", detail="bad")
    h.gateway.fail("import", rejected, written=False)  # (no lookup cache here, so no second try with fresh ones)
    with pytest.raises(errors.XentralRejectedOrder) as raised:
        await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert h.gateway.orders == {}
    [created] = h.gateway.customers
    assert raised.value.extra["customer"]["id"] == created and raised.value.extra["customer"]["created"] is True

    retried = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert (retried.receipt.customer_id, retried.receipt.customer_created) == (created, True)
    assert list(h.gateway.customers) == [created] and len(h.orders_with("R-1")) == 1


async def test_a_server_error_on_the_import_is_reconciled_on_the_retry(make: Any) -> None:
    h = await _shop(make, idempotency={"unknown_outcome_retry_seconds": 0.3})
    h.gateway.fail("import", upstream.XentralServerError(502, None, "import_sales_order"), written=False)
    with pytest.raises(errors.XentralOutcomeUnknown) as raised:
        await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert raised.value.retry_after and raised.value.extra["customer"]["created"] is True
    assert h.gateway.orders == {}
    h.clock.advance(0.4)
    retried = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert retried.receipt.outcome == "created"
    assert len(h.gateway.customers) == 1 and len(h.orders_with("R-1")) == 1


# The async lane


async def test_an_accepted_order_is_created_by_the_queue_worker_and_then_replayed(make: Any) -> None:
    h = await _shop(make)
    accepted = await h.service.accept_order(_with_items(command(), "ART-001"), client="shop")
    assert accepted.outcome is None and accepted.attempt.state == AttemptState.RECEIVED
    assert h.gateway.orders == {}
    assert await h.worker.run_once() == 1
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.COMPLETED and attempt.receipt is not None
    assert h.orders_with("R-1") == [attempt.receipt.order_id] and attempt.receipt.customer_created
    again = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    assert again.replayed and again.receipt == attempt.receipt


async def test_an_accepted_order_that_is_invalid_ends_failed(make: Any) -> None:
    h = await _shop(make)
    await h.service.accept_order(_with_items(command(), "ART-999"), client="shop")
    await h.worker.run_once()
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.FAILED
    assert (
        attempt.error is not None and attempt.error["code"] == "order_invalid" and "ART-999" in attempt.error["detail"]
    )
    assert h.gateway.customers == {} and h.gateway.orders == {}


async def test_an_accepted_order_waits_out_an_unavailable_xentral(make: Any) -> None:
    h = await _shop(make)
    unavailable = upstream.XentralServerError(503, None, "list_products")
    h.gateway.fail("products", unavailable, unavailable, unavailable)
    await h.service.accept_order(_with_items(command(), "ART-001"), client="shop")
    for _ in range(10):
        await h.worker.run_once()
        attempt = await h.store.find("shop", "R-1")
        assert attempt is not None and attempt.state != AttemptState.FAILED, attempt.error
        if attempt.state == AttemptState.COMPLETED:
            break
        h.clock.advance(600)
    assert attempt.state == AttemptState.COMPLETED
    assert "requeued" in [step.name for step in attempt.steps]
    assert len(h.orders_with("R-1")) == 1


# Clients


async def test_the_same_reference_from_two_clients_makes_two_orders(make: Any) -> None:
    h = await _shop(make, clients=TWO_SHOPS)
    first = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    second = await h.service.place_order(_with_items(command(), "ART-001"), client="other")
    assert first.receipt.outcome == second.receipt.outcome == "created"
    assert h.orders_with("S-R-1") == [first.receipt.order_id]
    assert h.orders_with("O-R-1") == [second.receipt.order_id]


async def test_an_answer_never_carries_another_clients_order(make: Any) -> None:
    """`amazon` made the order; `woo` replaces it on the same store (no prefix) and sends the same
    reference: refused as taken, and told nothing of amazon's order."""
    h = await _shop(make, clients=[ApiClient(name="amazon", api_key="a" * 16)])
    made = await h.service.place_order(_with_items(command(), "ART-001"), client="amazon")
    settings = Settings(
        xentral_url="https://x.xentral.biz", xentral_token="t", clients=[ApiClient(name="woo", api_key="w" * 16)]
    )
    woo = OrderService(gateway=h.gateway, store=h.store, policies=order_policies(settings), clock=h.clock)
    with pytest.raises(errors.ReferenceTaken) as raised:
        await woo.place_order(_with_items(command(), "ART-001"), client="woo")
    told = json.dumps({"detail": raised.value.detail, **raised.value.extra})
    for secret in (made.receipt.order_id, made.receipt.order_number, made.receipt.customer_id):
        assert f'"{secret}"' not in told
    assert len(h.orders_with("R-1")) == 1


async def test_an_order_status_is_the_clients_own(make: Any) -> None:
    h = await _shop(make, clients=TWO_SHOPS)
    made = await h.service.place_order(_with_items(command(), "ART-001"), client="shop")
    mine = await h.service.order_status(client="shop", reference="R-1")
    assert mine is not None and mine.state == AttemptState.COMPLETED and mine.receipt == made.receipt
    assert (mine.steps[0].name, mine.steps[-1].name) == ("received", "completed")
    assert await h.service.order_status(client="other", reference="R-1") is None
    assert await h.service.order_status(client="shop", reference="NOPE-1") is None
