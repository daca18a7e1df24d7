"""The order service at its edges: lost answers, failed reconciliations, takeovers and the queue."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from tests.support.fakes import FakeGateway, command
from tests.support.order_harness import make
from unified_order_api.cache import CachedLookups, MemoryCache
from unified_order_api.orders import customers, errors
from unified_order_api.orders.attempts import AttemptState, StepName
from unified_order_api.orders.customers import creation_identity
from unified_order_api.orders.model import Product, SalesOrder
from unified_order_api.orders.service import OrderService, RequeueLimits
from unified_order_api.xentral import errors as upstream
from unified_order_api.xentral.to_order_errors import order_error

__all__ = ["make"]


def _timeout(operation: str) -> upstream.XentralTimeout:
    return upstream.XentralTimeout("t", operation=operation, method="POST", path="/x", outcome_unknown=True)


async def test_failed_reconciliation_keeps_the_outcome_unknown_and_the_retry_finds_the_order(make: Any) -> None:
    h = await make(idempotency={"upstream_check": "when_unsure"})
    h.gateway.fail("import", _timeout("import_sales_order"))
    h.gateway.fail("find_orders", upstream.RateBudgetExhausted(3.0, operation="list_sales_orders"))
    with pytest.raises(errors.XentralOutcomeUnknown):
        await h.service.place_order(command(), client="shop")
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.IMPORTING
    h.clock.advance(61)
    outcome = await h.service.place_order(command(), client="shop")
    assert h.orders_with("R-1") == [outcome.receipt.order_id]


async def test_unknown_outcome_locks_the_key_long_enough_for_a_slow_import(make: Any) -> None:
    h = await make()

    async def import_still_running_in_xentral(draft: Any) -> str:
        raise order_error(_timeout("import_sales_order"), write=True)

    h.gateway.import_order = import_still_running_in_xentral  # type: ignore[method-assign]
    with pytest.raises(errors.XentralOutcomeUnknown) as raised:
        await h.service.place_order(command(), client="shop")
    assert raised.value.retry_after == 60
    h.clock.advance(5)
    with pytest.raises(errors.OrderInProgress):
        await h.service.place_order(command(), client="shop")


async def test_customer_search_errors_are_service_errors_and_do_not_lock_the_key(make: Any) -> None:
    h = await make()
    h.gateway.fail(
        "find_customers",
        upstream.XentralTimeout("t", operation="list_customers", method="GET", path="/x", outcome_unknown=False),
    )
    with pytest.raises(errors.XentralTimedOut):
        await h.service.place_order(command(), client="shop")
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.FAILED
    assert (await h.service.place_order(command(), client="shop")).receipt.outcome == "created"


async def test_taking_over_a_failed_attempt_under_a_used_key_is_key_reuse(make: Any) -> None:
    h = await make()
    h.gateway.fail("products", upstream.XentralServerError(500, None, "list_products"))
    with pytest.raises(errors.XentralFailed):
        await h.service.place_order(command("R2"), client="shop", key="R2")
    await h.service.place_order(command("R1"), client="shop", key="K")
    with pytest.raises(errors.IdempotencyKeyReused):
        await h.service.place_order(command("R2"), client="shop", key="K")


async def test_a_dead_sync_attempt_resent_async_is_worked_off(make: Any) -> None:
    h = await make()
    order = command("R-9")
    past = h.clock.now - dt.timedelta(seconds=120)
    await h.store.claim(
        client="shop",
        key="R-9",
        reference="R-9",
        fingerprint=order.fingerprint(),
        owner="dead",
        now=past,
        lease_until=past + dt.timedelta(seconds=60),
        request=order.to_json(),
    )
    accepted = await h.service.accept_order(order, client="shop")
    assert accepted.outcome is None
    assert await h.worker.run_once() == 1
    attempt = await h.store.find("shop", "R-9")
    assert attempt is not None and attempt.state == AttemptState.COMPLETED
    assert len(h.orders_with("R-9")) == 1


async def test_an_unknown_customer_number_without_email_is_not_created(make: Any) -> None:
    h = await make()
    with pytest.raises(errors.CustomerNotFound) as raised:
        await h.service.place_order(command(email=None, number="C-999"), client="shop")
    assert raised.value.problems[0].pointer == "/customer/email"
    assert h.gateway.customers == {}


async def test_two_orders_of_one_new_customer_at_once_create_it_once(make: Any) -> None:
    import asyncio

    h = await make()
    gateway = CachedLookups(h.gateway, MemoryCache())
    service = OrderService(gateway=gateway, store=h.store, policies=h.policies, cache=gateway, clock=h.clock)
    outcomes = await asyncio.gather(*(service.place_order(command(f"R-{n}"), client="shop") for n in range(5)))
    assert len(h.gateway.customers) == 1
    assert {outcome.receipt.customer_id for outcome in outcomes} == set(h.gateway.customers)


async def test_a_queue_item_that_keeps_crashing_ends_failed(make: Any) -> None:
    h = await make()
    await h.service.accept_order(command("R-7"), client="shop")
    for _ in range(20):
        h.clock.advance(3600)
        claimed = await h.store.claim_queued(owner="w", now=h.clock.now, lease_until=h.clock.now, limit=1)
        if not claimed:
            break
        claimed[0].request = {"not": "a command"}  # a stored request we cannot read
        await h.service.run_queued(claimed[0])
    final = await h.store.find("shop", "R-7")
    assert final is not None and final.state == AttemptState.FAILED


async def test_one_sku_in_two_spellings_does_not_poison_the_cache() -> None:
    class CaseInsensitive(FakeGateway):
        async def products_by_sku(self, skus: Any) -> Any:
            return {skus[0]: Product("1", "ART-1", "Shirt")}  # Xentral returns one product for both spellings

    gateway = CachedLookups(CaseInsensitive(), MemoryCache())
    await gateway.products_by_sku(["ART-1", "art-1"])
    assert list(await gateway.products_by_sku(["ART-1"])) == ["ART-1"]


def _filter_ignored(operation: str, key: str) -> upstream.XentralUnfilteredAnswer:
    return upstream.XentralUnfilteredAnswer(operation=operation, key=key, returned=3, unmatched=2)


async def test_a_read_back_that_does_not_prove_the_order_reports_nothing_and_stays_reconcilable(make: Any) -> None:
    """The list does not show the imported order and the view shows another one: not reported as created."""
    h = await make(idempotency={"upstream_check": "when_unsure"})
    shown = h.gateway.find_orders_by_reference

    async def hidden(reference: str) -> list[SalesOrder]:
        return []

    async def another(order_id: str) -> SalesOrder:
        return SalesOrder("9", "20009", "released", "SOMEONE-ELSE")

    h.gateway.find_orders_by_reference = hidden  # type: ignore[method-assign]
    h.gateway.get_order = another  # type: ignore[method-assign]
    with pytest.raises(errors.XentralOrderUnconfirmed) as raised:
        await h.service.place_order(command(), client="shop")
    assert raised.value.retry_after == 60  # the unknown-outcome lock
    assert "order 1" in raised.value.detail and "not reported as created" in raised.value.detail
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.IMPORTING and attempt.receipt is None
    with pytest.raises(errors.OrderInProgress):
        await h.service.place_order(command(), client="shop")
    h.gateway.find_orders_by_reference = shown  # type: ignore[method-assign]
    h.clock.advance(61)
    outcome = await h.service.place_order(command(), client="shop")
    assert (outcome.receipt.outcome, outcome.receipt.order_id) == ("created", "1")
    assert h.orders_with("R-1") == ["1"]


async def test_a_read_back_from_an_ignored_filter_is_unconfirmed_without_asking_the_view(make: Any) -> None:
    h = await make(idempotency={"upstream_check": "when_unsure"})
    h.gateway.fail("find_orders", _filter_ignored("list_sales_orders", "externalOrderNumber"))
    viewed: list[str] = []

    async def view(order_id: str) -> SalesOrder:
        viewed.append(order_id)
        return h.gateway.orders[order_id]

    h.gateway.get_order = view  # type: ignore[method-assign]
    with pytest.raises(errors.XentralOrderUnconfirmed) as raised:
        await h.service.place_order(command(), client="shop")
    assert "ignored the filter on `externalOrderNumber`" in raised.value.detail
    assert viewed == []  # a Xentral that ignored the filter proves nothing, not even through the view
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.IMPORTING


async def test_an_ignored_filter_in_the_duplicate_check_decides_nothing(make: Any) -> None:
    h = await make()
    h.gateway.fail("find_orders", _filter_ignored("list_sales_orders", "externalOrderNumber"))
    with pytest.raises(errors.XentralFilterIgnored) as raised:
        await h.service.place_order(command(), client="shop")
    assert "list_sales_orders ignored the filter" in raised.value.detail
    assert h.gateway.orders == {} and h.gateway.customers == {}


async def test_an_ignored_filter_in_the_customer_search_creates_no_customer(make: Any) -> None:
    h = await make()
    h.gateway.fail("find_customers", _filter_ignored("list_customers", "email"))
    with pytest.raises(errors.XentralFilterIgnored):
        await h.service.place_order(command(), client="shop")
    assert h.gateway.orders == {} and h.gateway.customers == {}


async def test_a_406_on_the_import_is_a_refusal_not_an_unknown_outcome(make: Any) -> None:
    h = await make()

    async def refused(draft: Any) -> str:
        raise order_error(upstream.XentralNotAcceptable(406, None, "import_sales_order"), write=True)

    h.gateway.import_order = refused  # type: ignore[method-assign]
    with pytest.raises(errors.XentralMisbehaved) as raised:
        await h.service.place_order(command(), client="shop")
    assert not isinstance(raised.value, errors.XentralOutcomeUnknown)
    assert "406" in raised.value.detail and "nothing was written" in raised.value.detail
    attempt = await h.store.find("shop", "R-1")
    assert attempt is not None and attempt.state == AttemptState.FAILED


async def test_a_transient_failure_of_a_queued_order_puts_it_back_with_a_delay(make: Any) -> None:
    h = await make()
    await h.service.accept_order(command("R-8"), client="shop")
    h.gateway.fail("products", upstream.XentralServerError(500, None, "list_products"))
    claimed = await h.store.claim_queued(owner="w", now=h.clock.now, lease_until=h.clock.now, limit=1)
    await h.service.run_queued(claimed[0])
    requeued = await h.store.find("shop", "R-8")
    assert requeued is not None and requeued.state != AttemptState.FAILED
    assert requeued.count(StepName.REQUEUED) == 1 and requeued.lease_until >= h.clock.now + dt.timedelta(seconds=2)
    h.clock.advance(3600)
    assert await h.worker.run_once() == 1
    done = await h.store.find("shop", "R-8")
    assert done is not None and done.state == AttemptState.COMPLETED and len(h.orders_with("R-8")) == 1


async def test_a_queued_order_that_keeps_failing_transiently_fails_after_the_last_requeue(make: Any) -> None:
    h = await make()
    await h.service.accept_order(command("R-6"), client="shop")
    h.gateway.fail("products", *(upstream.XentralServerError(500, None, "list_products") for _ in range(30)))
    limits = RequeueLimits()  # the settings' defaults, which the harness builds the service with
    for _ in range(limits.max_requeues + 1):
        claimed = await h.store.claim_queued(owner="w", now=h.clock.now, lease_until=h.clock.now, limit=1)
        await h.service.run_queued(claimed[0])
        h.clock.advance(limits.backoff_cap_seconds + 1)
    final = await h.store.find("shop", "R-6")
    assert final is not None and final.state == AttemptState.FAILED
    assert final.count(StepName.REQUEUED) == limits.max_requeues and h.gateway.orders == {}


async def test_an_operators_retry_is_noted_before_the_order_is_placed_again(make: Any) -> None:
    h = await make()
    rejected = upstream.XentralValidationError(422, None, "import_sales_order", detail="bad")
    h.gateway.fail("import", rejected, written=False)  # a rejected import creates nothing
    with pytest.raises(errors.XentralRejectedOrder):
        await h.service.place_order(command(), client="shop")
    failed = await h.store.find("shop", "R-1")
    assert failed is not None and failed.state == AttemptState.FAILED
    outcome = await h.service.retry_failed(failed, operator="alice", via="the console")
    assert outcome is not None and outcome.receipt.outcome == "created" and h.orders_with("R-1") == ["1"]
    done = await h.store.find("shop", "R-1")
    assert done is not None
    names = [step.name for step in done.steps]
    assert names.index(StepName.FAILED) < names.index(StepName.OPERATOR_RETRY) < names.index(StepName.RETRIED)
    noted = next(step for step in done.steps if step.name == StepName.OPERATOR_RETRY)
    assert noted.detail == "retry requested by alice in the console"


async def test_an_operators_retry_of_an_order_that_is_not_failed_changes_nothing(make: Any) -> None:
    h = await make()
    await h.service.place_order(command(), client="shop")
    completed = await h.store.find("shop", "R-1")
    assert completed is not None
    assert await h.service.retry_failed(completed, operator="alice", via="the console") is None
    after = await h.store.find("shop", "R-1")
    assert after is not None and after.steps == completed.steps and h.orders_with("R-1") == ["1"]
    completed.request = None
    with pytest.raises(ValueError, match="no stored request"):
        await h.service.retry_failed(completed, operator="alice", via="the console")


async def test_a_queued_order_waiting_for_a_dead_processs_customer_creation_is_put_back(
    make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process killed while it created this e-mail's customer holds the creation claim until its lease ends;
    # a queued order of the same new customer waits its while, then must go back on the queue: failing it as
    # `order_in_progress` (a synchronous caller's cue to retry) lost it, as 5 of 300 in the scale-out kill run.
    h = await make()
    monkeypatch.setattr(customers, "CUSTOMER_CREATION_POLL_SECONDS", 0.0)
    held = await h.store.claim_customer_creation(
        creation_identity("default", "a@example.com"),
        owner="killed",
        now=h.clock.now,
        lease_until=h.clock.now + dt.timedelta(hours=1),
    )
    assert held.kind == "mine"
    await h.service.accept_order(command("R-9"), client="shop")
    (queued,) = await h.store.claim_queued(owner="w", now=h.clock.now, lease_until=h.clock.now, limit=1)
    running = asyncio.create_task(h.service.run_queued(queued))
    while not running.done():  # its wait for the claim, on the fake clock
        h.clock.advance(1)
        await asyncio.sleep(0)
    await running
    waiting = await h.store.find("shop", "R-9")
    assert waiting is not None and waiting.state.in_progress and waiting.queued, waiting.error
    assert waiting.count(StepName.REQUEUED) == 1 and h.gateway.customers == {}
    h.clock.advance(3600)  # the dead holder's claim has run out
    assert await h.worker.run_once() == 1
    done = await h.store.find("shop", "R-9")
    assert done is not None and done.state == AttemptState.COMPLETED and len(h.orders_with("R-9")) == 1
    assert len(h.gateway.customers) == 1
