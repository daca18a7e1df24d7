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
