"""`ForwardingGateway`: a Xentral port that hands every call to another one.

The wrappers around the Xentral gateway (`cache.lookups`, `xentral.coalescing_gateway`) change a few
reads each; they inherit this so the calls they leave alone are forwarded in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .model import (
    Address,
    Customer,
    CustomerAddress,
    CustomerLookupField,
    NewCustomer,
    OrderDraft,
    PaymentMethod,
    Product,
    Project,
    SalesOrder,
    ShippingMethod,
)
from .ports import XentralGateway

__all__ = ["ForwardingGateway"]


class ForwardingGateway:
    """Implements `orders.ports.XentralGateway` by calling `inner`; subclasses override what they change."""

    def __init__(self, inner: XentralGateway) -> None:
        self._inner = inner

    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        return await self._inner.products_by_sku(skus)

    async def find_customers(self, field: CustomerLookupField, value: str) -> Sequence[Customer]:
        return await self._inner.find_customers(field, value)

    async def find_customers_at(self, name: str, address: Address) -> Sequence[Customer]:
        return await self._inner.find_customers_at(name, address)

    async def create_customer(self, customer: NewCustomer) -> str:
        return await self._inner.create_customer(customer)

    async def customer_addresses(self, customer_id: str) -> Sequence[CustomerAddress]:
        return await self._inner.customer_addresses(customer_id)

    async def create_customer_address(self, customer_id: str, address: CustomerAddress) -> None:
        await self._inner.create_customer_address(customer_id, address)

    async def import_order(self, draft: OrderDraft) -> str:
        return await self._inner.import_order(draft)

    def import_payload(self, draft: OrderDraft) -> dict[str, Any]:
        return self._inner.import_payload(draft)

    def customer_payload(self, customer: NewCustomer) -> dict[str, Any]:
        return self._inner.customer_payload(customer)

    async def get_order(self, order_id: str) -> SalesOrder:
        return await self._inner.get_order(order_id)

    async def find_orders_by_reference(self, reference: str) -> Sequence[SalesOrder]:
        return await self._inner.find_orders_by_reference(reference)

    async def shipping_methods(self) -> Sequence[ShippingMethod]:
        return await self._inner.shipping_methods()

    async def payment_methods(self) -> Sequence[PaymentMethod]:
        return await self._inner.payment_methods()

    async def projects(self) -> Sequence[Project]:
        return await self._inner.projects()
