"""Warm caches save Xentral calls, and a stale entry never becomes a wrong order: the service over
`CachedLookups` on a fake Xentral (end to end: tests/integration/orders/test_caching.py)."""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.cache import CachedLookups, MemoryCache
from unified_order_api.orders import errors
from unified_order_api.orders.commands import ItemRequest
from unified_order_api.orders.model import Product
from unified_order_api.orders.service import OrderService

__all__ = ["make"]

SHIRT = Product("1", "ART-001", "Shirt")


class Cached:
    """A service whose lookups go through the cache, and a count of the calls that reached Xentral."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.calls: collections.Counter[str] = collections.Counter()
        for name in ("products_by_sku", "find_customers", "find_orders_by_reference", "import_order"):
            setattr(h.gateway, name, self._counted(name, getattr(h.gateway, name)))
        gateway = CachedLookups(h.gateway, MemoryCache())
        self.service = OrderService(gateway=gateway, store=h.store, policies=h.policies, cache=gateway, clock=h.clock)

    def _counted(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        async def counted(*args: Any) -> Any:
            self.calls[name] += 1
            return await call(*args)

        return counted


async def _cached(make: Any) -> Cached:
    h: Harness = await make()
    h.gateway.catalogue = {SHIRT.sku: SHIRT}
    return Cached(h)


def _order(reference: str, email: str = "kunde@example.com", sku: str = "ART-001") -> Any:
    return dataclasses.replace(command(reference, email=email), items=(ItemRequest(sku, 1),))


async def test_the_second_order_of_a_returning_customer_reads_neither_products_nor_customers(make: Any) -> None:
    c = await _cached(make)
    first = await c.service.place_order(_order("R-1"), client="shop")
    c.calls.clear()
    again = await c.service.place_order(_order("R-2"), client="shop")
    assert again.receipt.customer_created is False
    assert again.receipt.customer_id == first.receipt.customer_id
    assert c.calls == {"find_orders_by_reference": 2, "import_order": 1}  # duplicate check, read back; import
    assert [line.product_id for line in c.h.gateway.drafts[again.receipt.order_id].lines] == ["1"]


async def test_a_product_locked_after_it_was_cached_is_refused(make: Any) -> None:
    c = await _cached(make)
    await c.service.place_order(_order("R-1"), client="shop")
    c.h.gateway.catalogue = {SHIRT.sku: dataclasses.replace(SHIRT, is_locked=True, locked_reason="Recalled")}
    with pytest.raises(errors.OrderRejected) as raised:
        await c.service.place_order(_order("R-2"), client="shop")
    assert [(p.pointer, p.code) for p in raised.value.problems] == [("/items/0/sku", "item_not_sellable")]
    assert c.h.orders_with("R-2") == []


async def test_a_customer_deleted_after_it_was_cached_is_looked_up_again(make: Any) -> None:
    c = await _cached(make)
    first = await c.service.place_order(_order("R-1"), client="shop")
    del c.h.gateway.customers[first.receipt.customer_id]
    again = await c.service.place_order(_order("R-2"), client="shop")
    assert again.receipt.customer_created is True
    assert list(c.h.gateway.customers) == [again.receipt.customer_id] != [first.receipt.customer_id]
    assert c.h.gateway.drafts[again.receipt.order_id].customer_id == again.receipt.customer_id


async def test_an_unknown_sku_is_remembered_briefly(make: Any) -> None:
    c = await _cached(make)
    with pytest.raises(errors.OrderRejected):
        await c.service.place_order(_order("R-1", sku="NEW-1"), client="shop")
    c.calls.clear()
    with pytest.raises(errors.OrderRejected):
        await c.service.place_order(_order("R-2", sku="NEW-1"), client="shop")
    assert c.calls["products_by_sku"] == 0


async def test_no_customer_e_mail_or_number_is_in_a_cache_key_name(make: Any) -> None:
    """Key names show up in `KEYS *`, `MONITOR` and slow logs: a customer lookup's key is a hash."""
    h: Harness = await make()
    h.gateway.catalogue = {SHIRT.sku: SHIRT}
    cache = MemoryCache()
    gateway = CachedLookups(h.gateway, cache)
    service = OrderService(gateway=gateway, store=h.store, policies=h.policies, cache=gateway, clock=h.clock)
    first = await service.place_order(_order("R-1", email="Kunde.Eins@Example.com"), client="shop")
    number = h.gateway.customers[first.receipt.customer_id].number
    assert number
    numbered = dataclasses.replace(command("R-2", email=None, number=number), items=(ItemRequest("ART-001", 1),))
    await service.place_order(numbered, client="shop")
    keys = list(cache._entries)
    customer_keys = [key for key in keys if key.startswith("customer")]
    assert len(customer_keys) >= 2, keys
    for key in keys:
        assert "@" not in key and "kunde" not in key.casefold() and number not in key, key
    # The same customer, written differently, is the same key: the e-mail is normalised before hashing.
    again = await service.place_order(_order("R-3", email=" kunde.eins@example.COM"), client="shop")
    assert again.receipt.customer_created is False


async def test_an_operators_dry_run_and_retry_see_a_product_created_after_the_failure(make: Any) -> None:
    """The order failed on a SKU Xentral did not have, and the cache remembers it missing for a while; the
    operator creates the product in Xentral and looks again at once: the dry run and the retry read Xentral as it
    is now (products, customer, methods), not what the cache remembers. The API's own dry run stays cached."""
    c = await _cached(make)
    order = _order("R-1", sku="NEW-1")
    with pytest.raises(errors.OrderRejected):
        await c.service.place_order(order, client="shop")
    failed = await c.h.store.find("shop", "R-1")
    assert failed is not None
    c.h.gateway.catalogue["NEW-1"] = Product("7", "NEW-1", "New")
    with pytest.raises(errors.OrderRejected):  # a client's dry run: answered from the cache, as ever
        await c.service.preview_order(order, client="shop")
    c.calls.clear()
    preview = await c.service.preview_order(order, client="shop", fresh=True)
    assert preview.outcome == "create" and c.calls["products_by_sku"] == 1 and c.calls["find_customers"] >= 1
    outcome = await c.service.retry_failed(failed, operator="alice", via="the console")
    assert outcome is not None and outcome.receipt.outcome == "created"
    assert [line.product_id for line in c.h.gateway.drafts[outcome.receipt.order_id].lines] == ["7"]


async def test_an_operators_corrected_request_is_checked_against_xentral_as_it_is_now(make: Any) -> None:
    c = await _cached(make)
    with pytest.raises(errors.OrderRejected):
        await c.service.place_order(_order("R-1", sku="NEW-2"), client="shop")
    failed = await c.h.store.find("shop", "R-1")
    assert failed is not None
    c.h.gateway.catalogue["NEW-2"] = Product("8", "NEW-2", "Newer")
    corrected = dataclasses.replace(_order("R-1", sku="NEW-2"), items=(ItemRequest("NEW-2", 2),))
    outcome = await c.service.retry_corrected(
        failed, corrected, operator="alice", via="the console", changed=["/items/0/quantity"]
    )
    assert outcome is not None and outcome.receipt.outcome == "created"


async def test_an_operators_retry_without_a_dry_run_first_sees_the_product_too(make: Any) -> None:
    """A bulk retry runs no dry run per order: each retry drops the cache's word on its own products."""
    c = await _cached(make)
    with pytest.raises(errors.OrderRejected):
        await c.service.place_order(_order("R-1", sku="NEW-3"), client="shop")
    failed = await c.h.store.find("shop", "R-1")
    assert failed is not None
    c.h.gateway.catalogue["NEW-3"] = Product("9", "NEW-3", "Newest")
    outcome = await c.service.retry_failed(failed, operator="alice", via="a bulk retry in the console")
    assert outcome is not None and outcome.receipt.outcome == "created"
