"""A Xentral gateway in memory, with failures to inject, and an order command: unit tests of the service.

(The attempts live in the real SQL store on in-memory SQLite: `tests.support.memory_store`.)

The gateway raises what the real adapter raises: Xentral's failures translated by the adapter's
own `order_error`, so a test injects a realistic `xentral.errors` failure and the service sees
exactly what it would see in production.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from unified_order_api.orders.commands import CustomerDetails, ItemRequest, PlaceOrder
from unified_order_api.orders.model import (
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
from unified_order_api.xentral.errors import XentralError, XentralValidationError
from unified_order_api.xentral.to_order_errors import order_error

_WRITES = {"import", "create_customer", "create_customer_address"}


class FakeGateway:
    """Xentral in memory. Without `products` every SKU exists; with them, only those (a catalogue)."""

    def __init__(self, products: Sequence[Product] | None = None) -> None:
        self.orders: dict[str, SalesOrder] = {}
        self.drafts: dict[str, OrderDraft] = {}  # what each import sent, by order id
        self.customers: dict[str, Customer] = {}
        self.addresses: dict[str, list[CustomerAddress]] = {}  # each customer's addresses, as written
        self.located: dict[str, Address] = {}  # the master data address a name-and-address search matches
        self.failures: dict[str, list[Exception]] = {}
        self._customer_ids = itertools.count(100)  # never reused, as Xentral's ids are not
        self.unwritten: set[int] = set()  # ids of the queued write failures that come before the write
        self.catalogue = None if products is None else {product.sku: product for product in products}
        self.shipping = [ShippingMethod("1", "dhl", "dhl", "DHL")]
        self.payments = [PaymentMethod("2", "paypal", "PayPal")]
        self.project_list = [Project("1", "Main", "MAIN")]

    def fail(self, operation: str, *errors: Exception, written: bool = True) -> None:
        """The next calls of `operation` raise `errors`. A write (import, create_customer) fails after
        writing (an answer lost on the way back) unless `written=False` (Xentral wrote nothing)."""
        self.failures.setdefault(operation, []).extend(errors)
        if not written:
            self.unwritten.update(id(error) for error in errors)

    def _maybe_fail(self, operation: str, *, before_write: bool = False) -> None:
        queue = self.failures.get(operation)
        if queue and (id(queue[0]) in self.unwritten) == before_write:
            error = queue.pop(0)
            self.unwritten.discard(id(error))
            if isinstance(error, XentralError):
                raise order_error(error, write=operation in _WRITES) from error
            raise error

    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        self._maybe_fail("products")
        if self.catalogue is not None:
            return {sku: self.catalogue[sku] for sku in skus if sku in self.catalogue}
        return {sku: Product(id=str(n + 1), sku=sku, name=sku) for n, sku in enumerate(skus)}

    async def find_customers(self, field: CustomerLookupField, value: str) -> Sequence[Customer]:
        self._maybe_fail("find_customers")
        return [c for c in self.customers.values() if getattr(c, field) == value]

    async def create_customer(self, customer: NewCustomer) -> str:
        self._maybe_fail("create_customer", before_write=True)
        customer_id = str(next(self._customer_ids))
        self.customers[customer_id] = Customer(customer_id, f"K{customer_id}", customer.email or None, customer.name)
        self._maybe_fail("create_customer")  # after the write: a lost answer
        return customer_id

    async def find_customers_at(self, name: str, address: Address) -> Sequence[Customer]:
        self._maybe_fail("find_customers")
        return [
            customer
            for customer_id, customer in self.customers.items()
            if customer.name == name
            and (place := self.located.get(customer_id)) is not None
            and (place.street, place.zip, place.city) == (address.street, address.zip, address.city)
        ]

    async def customer_addresses(self, customer_id: str) -> Sequence[CustomerAddress]:
        self._maybe_fail("customer_addresses")
        return list(self.addresses.get(customer_id, []))

    async def create_customer_address(self, customer_id: str, address: CustomerAddress) -> None:
        self._maybe_fail("create_customer_address", before_write=True)
        self.addresses.setdefault(customer_id, []).append(address)
        if address.kind == "masterdata":
            self.located[customer_id] = address.address
        self._maybe_fail("create_customer_address")  # after the write: a lost answer

    async def import_order(self, draft: OrderDraft) -> str:
        self._maybe_fail("import", before_write=True)
        self._refuse_unknown_references(draft)
        order_id = str(len(self.orders) + 1)
        self.orders[order_id] = SalesOrder(order_id, f"2000{order_id}", "released", draft.reference, draft.customer_id)
        self.drafts[order_id] = draft
        self._maybe_fail("import")  # after the write: a lost answer
        return order_id

    def _refuse_unknown_references(self, draft: OrderDraft) -> None:
        """As Xentral's import does (and the sandbox, `xentral_sandbox/orders.py`): a customer that does
        not exist or a locked product is a 400 and nothing is written."""
        locked = [
            line.sku
            for line in draft.lines
            if self.catalogue and getattr(self.catalogue.get(line.sku), "is_locked", False)
        ]
        if draft.customer_id not in self.customers or locked:
            detail = (
                f"customer {draft.customer_id} unknown"
                if draft.customer_id not in self.customers
                else f"locked: {locked}"
            )
            error = XentralValidationError(400, None, "import_sales_order", detail=detail)
            raise order_error(error, write=True) from error

    def import_payload(self, draft: OrderDraft) -> dict[str, Any]:
        return {"reference": draft.reference, "customer": draft.customer_id, "skus": [line.sku for line in draft.lines]}

    def customer_payload(self, customer: NewCustomer) -> dict[str, Any]:
        return {"email": customer.email, "name": customer.name}

    async def get_order(self, order_id: str) -> SalesOrder:
        return self.orders[order_id]

    async def find_orders_by_reference(self, reference: str) -> Sequence[SalesOrder]:
        self._maybe_fail("find_orders")
        return [order for order in self.orders.values() if order.reference == reference]

    async def shipping_methods(self) -> Sequence[ShippingMethod]:
        return self.shipping

    async def payment_methods(self) -> Sequence[PaymentMethod]:
        return self.payments

    async def projects(self) -> Sequence[Project]:
        return self.project_list


def command(
    reference: str = "R-1", email: str | None = "a@example.com", number: str | None = None, sku: str = "ART-1"
) -> PlaceOrder:
    address = Address(name="Max", street="S 1", zip="12345", city="C", country="DE")
    return PlaceOrder(
        reference=reference,
        customer=CustomerDetails(name="Max", address=address, email=email, number=number),
        items=(ItemRequest(sku, Decimal(1)),),
        shipping="dhl",
        payment="paypal",
    )
