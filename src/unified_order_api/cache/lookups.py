"""`CachedLookups`: the Xentral port with products and customer lookups answered from a cache.

Every Xentral call saved is an order more per minute under the 100 requests/minute limit.
A stale entry can never create a wrong order: the service calls `forget_*` when Xentral
rejects an import and resolves again from Xentral before it gives up (see OrderService).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from ..orders.forwarding import ForwardingGateway
from ..orders.items import sku_key
from ..orders.model import (
    Customer,
    CustomerLookupField,
    Money,
    NewCustomer,
    Product,
)
from ..orders.ports import XentralGateway
from .backends import Cache

LookupHook = Callable[[str, bool], None]
"""Called as `hook(cache_name, hit)` for every key looked up."""

_MISSING = {"missing": True}


@dataclass(frozen=True, slots=True)
class CacheTtls:
    product_seconds: float = 300.0
    missing_product_seconds: float = 30.0  # short: a product created in Xentral becomes orderable quickly
    customer_seconds: float = 600.0


def _product_to_json(product: Product) -> dict[str, Any]:
    data: dict[str, Any] = json_safe(asdict(product))
    return data


def json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    return value


def _money(data: dict[str, Any] | None) -> Money | None:
    return Money(Decimal(data["amount"]), data["currency"]) if data else None


def _product_from_json(data: dict[str, Any]) -> Product:
    return Product(
        **{
            **data,
            "sales_price_net": _money(data.get("sales_price_net")),
            "sales_price_gross": _money(data.get("sales_price_gross")),
        }
    )


def _customer_key(field: CustomerLookupField, value: str) -> str:
    """The cache key of a customer lookup: a hash of the e-mail or number, so no personal data is in a Redis key
    name (`KEYS *`, `MONITOR`, a slow log). Entries under the former `customer:<field>:<e-mail>` keys are never read
    again and expire after `cache.customer_seconds`."""
    normalized = value.strip().casefold() if field == "email" else value.strip()
    digest = hashlib.sha256(f"{field}:{normalized}".encode()).hexdigest()[:40]
    return f"customer-h:{field}:{digest}"


class CachedLookups(ForwardingGateway):
    """Products and customer lookups from the cache; every other call goes to `inner` unchanged."""

    def __init__(
        self,
        inner: XentralGateway,
        cache: Cache,
        ttls: CacheTtls | None = None,
        on_lookup: LookupHook | None = None,
    ) -> None:
        super().__init__(inner)
        self._cache = cache
        self._ttls = ttls or CacheTtls()
        self._on_lookup = on_lookup or (lambda _name, _hit: None)

    # -- cached -----------------------------------------------------------------------------

    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        keys = {sku: f"product:{sku_key(sku)}" for sku in dict.fromkeys(skus)}
        cached = await self._cache.get_many(list(keys.values()))
        found: dict[str, Product] = {}
        missing: list[str] = []
        for sku, key in keys.items():
            entry = cached.get(key)
            self._on_lookup("product", entry is not None)
            if entry is None:
                missing.append(sku)
            elif entry != _MISSING:
                found[sku] = _product_from_json(entry)
        if missing:
            fetched = await self._inner.products_by_sku(missing)
            found.update(fetched)
            # Spellings of one SKU ("ART-1", "art-1") share a key: one found means all found.
            hits = {keys[sku]: fetched[sku] for sku in missing if sku in fetched}
            await self._cache.set_many(
                {key: _product_to_json(product) for key, product in hits.items()}, self._ttls.product_seconds
            )
            await self._cache.set_many(
                {keys[sku]: _MISSING for sku in missing if keys[sku] not in hits}, self._ttls.missing_product_seconds
            )
        return found

    async def find_customers(self, field: CustomerLookupField, value: str) -> Sequence[Customer]:
        key = _customer_key(field, value)
        cached = (await self._cache.get_many([key])).get(key)
        self._on_lookup("customer", cached is not None)
        if cached is not None:
            return [Customer(**item) for item in cached]
        customers = await self._inner.find_customers(field, value)
        if customers:  # a miss is not cached: the customer may be created any moment
            await self._cache.set_many({key: [asdict(c) for c in customers]}, self._ttls.customer_seconds)
        return customers

    async def create_customer(self, customer: NewCustomer) -> str:
        customer_id = await self._inner.create_customer(customer)
        if customer.email:
            created = Customer(id=customer_id, number=None, email=customer.email, name=customer.name)
            await self._cache.set_many(
                {_customer_key("email", customer.email): [asdict(created)]}, self._ttls.customer_seconds
            )
        return customer_id

    # -- invalidation ---------------------------------------------------------------------------

    async def forget_products(self, skus: Sequence[str]) -> None:
        await self._cache.delete_many([f"product:{sku_key(sku)}" for sku in skus])

    async def forget_customer(self, field: CustomerLookupField, value: str) -> None:
        await self._cache.delete_many([_customer_key(field, value)])
