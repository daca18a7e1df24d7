"""A new customer's addresses (the second write), and the name-and-address match, on the service.

The guarantees: neither a lost answer nor a crash between the customer and its addresses leaves the
customer without its address, gives it a second one, or creates a second customer. The same
behaviours run over HTTP against the sandbox in tests/integration/orders/test_customer_addresses_sandbox.py.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.orders import errors
from unified_order_api.orders.attempts import AttemptState, StepName
from unified_order_api.orders.commands import PlaceOrder
from unified_order_api.orders.model import Address, Customer
from unified_order_api.xentral import errors as upstream

__all__ = ["make"]

SHORT_XENTRAL_CALLS = {"xentral_timeout_seconds": 5.0, "xentral_wait_budget_seconds": 2.0}
"""Xentral calls short enough for a 30 s lease (one write may take 2 + 4 x 5 + 5 = 27 s)."""

ELSEWHERE = Address(name="Erika Muster", street="Other Way 9", zip="54321", city="D", country="DE")


def _lost(operation: str) -> upstream.XentralTimeout:
    return upstream.XentralTimeout("t", operation=operation, method="POST", path="/x", outcome_unknown=True)


def _kinds(h: Harness, customer_id: str) -> list[str]:
    return [address.kind for address in h.gateway.addresses.get(customer_id, [])]


async def _steps(h: Harness, order: PlaceOrder) -> list[str]:
    attempt = await h.store.find("shop", order.reference)
    assert attempt is not None
    return [step.name for step in attempt.steps]


async def test_a_new_customer_gets_its_address_as_master_data(make: Any) -> None:
    h: Harness = await make()
    order = command(email="new@example.com")
    receipt = (await h.service.place_order(order, client="shop")).receipt
    assert _kinds(h, receipt.customer_id) == ["masterdata"]
    [master] = h.gateway.addresses[receipt.customer_id]
    assert (master.address.street, master.address.zip, master.address.city) == ("S 1", "12345", "C")
    steps = await _steps(h, order)
    assert steps.index("customer_created") < steps.index("writing_customer_addresses")
    assert steps.index("customer_addresses_written") < steps.index("importing")


async def test_a_shipping_address_elsewhere_becomes_a_delivery_address(make: Any) -> None:
    h: Harness = await make()
    order = dataclasses.replace(command(email="new@example.com"), shipping_address=ELSEWHERE)
    receipt = (await h.service.place_order(order, client="shop")).receipt
    assert _kinds(h, receipt.customer_id) == ["masterdata", "deliveryaddress"]
    assert h.gateway.addresses[receipt.customer_id][1].address == ELSEWHERE


async def test_a_shipping_address_equal_to_the_customers_is_not_written_twice(make: Any) -> None:
    h: Harness = await make()
    base = command(email="new@example.com")
    order = dataclasses.replace(base, shipping_address=dataclasses.replace(base.customer.address, zip=" 12345 "))
    receipt = (await h.service.place_order(order, client="shop")).receipt
    assert _kinds(h, receipt.customer_id) == ["masterdata"]


async def test_a_found_customer_gets_no_address_write(make: Any) -> None:
    h: Harness = await make()
    h.gateway.customers["1"] = Customer("1", "10000", "max@example.com", "Max")
    await h.service.place_order(command(email="max@example.com"), client="shop")
    assert h.gateway.addresses == {}


async def test_a_lost_answer_to_the_address_is_looked_up_and_not_written_again(make: Any) -> None:
    h: Harness = await make()
    h.gateway.fail("create_customer_address", _lost("create_customer_address"))  # written, answer lost
    order = command(email="new@example.com")
    receipt = (await h.service.place_order(order, client="shop")).receipt
    assert len(h.gateway.customers) == 1
    assert _kinds(h, receipt.customer_id) == ["masterdata"]
    assert receipt.customer_created is True and h.orders_with("R-1") == [receipt.order_id]


async def test_an_address_write_that_did_not_land_is_written_after_looking(make: Any) -> None:
    h: Harness = await make()
    h.gateway.fail("create_customer_address", _lost("create_customer_address"), written=False)
    receipt = (await h.service.place_order(command(email="new@example.com"), client="shop")).receipt
    assert len(h.gateway.customers) == 1 and _kinds(h, receipt.customer_id) == ["masterdata"]


async def test_when_even_the_look_fails_the_retry_completes_the_address_without_a_second_customer(make: Any) -> None:
    h: Harness = await make(idempotency={"unknown_outcome_retry_seconds": 4})
    h.gateway.fail("create_customer_address", _lost("create_customer_address"), written=False)
    unavailable = upstream.XentralServerError(503, None, "list_customer_addresses")
    h.gateway.fail("customer_addresses", unavailable)
    order = command(email="new@example.com")
    with pytest.raises(errors.OrderError):
        await h.service.place_order(order, client="shop")
    [customer_id] = h.gateway.customers
    assert _kinds(h, customer_id) == []  # nothing landed yet
    h.clock.advance(120)
    receipt = (await h.service.place_order(order, client="shop")).receipt
    assert list(h.gateway.customers) == [customer_id] == [receipt.customer_id]
    assert _kinds(h, customer_id) == ["masterdata"]
    assert h.orders_with("R-1") == [receipt.order_id]


async def test_a_crash_between_the_customer_and_its_address_is_finished_by_the_takeover(make: Any) -> None:
    h: Harness = await make(idempotency={"lease_seconds": 30}, **SHORT_XENTRAL_CALLS)
    h.gateway.fail("create_customer_address", SystemExit("the worker died"), written=False)
    order = command(email="new@example.com")
    with pytest.raises(SystemExit):
        await h.service.place_order(order, client="shop")
    attempt = await h.store.find("shop", order.reference)
    assert attempt is not None and attempt.state == AttemptState.RECEIVED
    assert attempt.addresses_pending and attempt.customer_id in h.gateway.customers
    h.clock.advance(60)  # the dead worker's lease runs out; a retry takes the attempt over
    receipt = (await h.service.place_order(order, client="shop")).receipt
    assert list(h.gateway.customers) == [receipt.customer_id]
    assert _kinds(h, receipt.customer_id) == ["masterdata"]
    assert (await _steps(h, order)).count(StepName.WRITING_CUSTOMER_ADDRESSES) == 2


async def test_a_crash_after_the_address_landed_does_not_write_it_again(make: Any) -> None:
    h: Harness = await make(idempotency={"lease_seconds": 30}, **SHORT_XENTRAL_CALLS)
    h.gateway.fail("create_customer_address", SystemExit("the worker died"))  # after the write
    order = command(email="new@example.com")
    with pytest.raises(SystemExit):
        await h.service.place_order(order, client="shop")
    h.clock.advance(60)
    receipt = (await h.service.place_order(order, client="shop")).receipt
    assert len(h.gateway.customers) == 1 and _kinds(h, receipt.customer_id) == ["masterdata"]


# Name and address


def _at_home(h: Harness, *ids: str) -> None:
    for customer_id in ids:
        h.gateway.customers[customer_id] = Customer(customer_id, f"K{customer_id}", None, "Max")
        h.gateway.located[customer_id] = command().customer.address


async def test_a_unique_name_and_address_match_is_the_customer(make: Any) -> None:
    h: Harness = await make(customers={"lookup_fields": ["number", "email", "address"]})
    _at_home(h, "7")
    receipt = (await h.service.place_order(command(email="other@example.com"), client="shop")).receipt
    assert (receipt.customer_id, receipt.customer_created) == ("7", False)


async def test_the_address_is_not_searched_unless_configured(make: Any) -> None:
    h: Harness = await make()
    _at_home(h, "7")
    receipt = (await h.service.place_order(command(email="other@example.com"), client="shop")).receipt
    assert receipt.customer_created is True and receipt.customer_id != "7"


async def test_several_name_and_address_matches_are_never_guessed_a_new_customer_is_made(make: Any) -> None:
    h: Harness = await make(customers={"lookup_fields": ["address", "email"]})
    _at_home(h, "7", "8")
    order = command(email="other@example.com")
    receipt = (await h.service.place_order(order, client="shop")).receipt
    assert receipt.customer_created is True and receipt.customer_id not in ("7", "8")
    attempt = await h.store.find("shop", order.reference)
    assert attempt is not None
    [ambiguous] = [step for step in attempt.steps if step.name == StepName.CUSTOMER_AMBIGUOUS]
    assert ambiguous.detail is not None and "ids 7, 8" in ambiguous.detail and "not guessing" in ambiguous.detail


async def test_several_name_and_address_matches_refuse_the_order_when_so_configured(make: Any) -> None:
    h: Harness = await make(customers={"lookup_fields": ["address"], "on_ambiguous_address": "reject"})
    _at_home(h, "7", "8")
    with pytest.raises(errors.AmbiguousCustomer, match="ids 7, 8"):
        await h.service.place_order(command(email="other@example.com"), client="shop")
    assert len(h.gateway.customers) == 2 and h.gateway.orders == {}
