"""The order service's view of Xentral: one small interface, implemented by `xentral.gateway`.

Every method may raise `unified_order_api.xentral.errors.XentralError` subclasses; the
service catches them at the level it means (rejected, unavailable, outcome unknown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from .model import (
    Customer,
    CustomerLookupField,
    NewCustomer,
    OrderDraft,
    PaymentMethod,
    Product,
    Project,
    SalesOrder,
    ShippingMethod,
)


class XentralGateway(Protocol):
    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        """Products whose SKU (Xentral `number`) is in `skus`, keyed by SKU; missing ones are absent."""
        ...

    async def find_customers(self, field: CustomerLookupField, value: str) -> Sequence[Customer]: ...

    async def create_customer(self, customer: NewCustomer) -> str:
        """Create the customer and return its new Xentral id."""
        ...

    async def get_customer(self, customer_id: str) -> Customer: ...

    async def import_order(self, draft: OrderDraft) -> str:
        """Import (create and release) the sales order; return its Xentral id."""
        ...

    async def get_order(self, order_id: str) -> SalesOrder: ...

    async def find_orders_by_reference(self, reference: str) -> Sequence[SalesOrder]:
        """Orders whose externalOrderNumber equals `reference`."""
        ...

    async def shipping_methods(self) -> Sequence[ShippingMethod]: ...

    async def payment_methods(self) -> Sequence[PaymentMethod]: ...

    async def projects(self) -> Sequence[Project]: ...


class LookupCache(Protocol):
    """Cached lookups the service drops when Xentral rejects an id they produced."""

    async def forget_products(self, skus: Sequence[str]) -> None: ...

    async def forget_customer(self, field: CustomerLookupField, value: str) -> None: ...
