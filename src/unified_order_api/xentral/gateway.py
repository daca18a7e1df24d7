"""`XentralHttpGateway`: the order service's `XentralGateway` port over `XentralClient`.

The lookups the port asks for — wire items in, domain values out (`converters.py`), lists read to
their end by the pager (`paging.py`), SKUs in batches — and verification: every filtered list is checked against its
filter before its items mean anything (`verification.py`, docs/xentral.md#verifying-answers);
an answer that fails the check is logged, reported to `on_untrusted` and raised as
`XentralFilterIgnored`. Failures leave as `orders.errors` (see `to_order_errors`): the order
service never sees Xentral's own exception types.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from ..orders import model
from .client import XentralClient
from .converters import (
    to_customer,
    to_customer_address,
    to_payment_method,
    to_product,
    to_project,
    to_sales_channel,
    to_sales_order,
    to_shipping_method,
)
from .customer_payload import customer_address_body, customer_create
from .deprecations import DeprecationNotice
from .errors import XentralConflict, XentralError, XentralNotFound
from .filters import MAX_PAGE_SIZE, Cursor, Filter, Page
from .import_payload import build_import_payload
from .paging import read_pages
from .to_order_errors import order_error
from .verification import AnswerChecks, UntrustedHook, same_leniently
from .wire import CustomerItem, ProductItem, SalesOrderItem

__all__ = ["SKU_BATCH_SIZE", "UntrustedHook", "XentralHttpGateway", "order_read", "order_write", "requested_sku"]

logger = logging.getLogger(__name__)


# One `number in [...]` call per this many SKUs (docs/xentral.md#products: at most 50 per call).
SKU_BATCH_SIZE = MAX_PAGE_SIZE
_CUSTOMER_PAGE_SIZE = 10


P = ParamSpec("P")
R = TypeVar("R")


def _translated(*, write: bool) -> Callable[[Callable[P, Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Raise Xentral's failures of this call as order errors (`write`: it may have landed)."""

    def wrap(method: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(method)
        async def translated(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await method(*args, **kwargs)
            except XentralError as error:
                raise order_error(error, write=write) from error

        return translated

    return wrap


order_read = _translated(write=False)
"""Marks a gateway read: its Xentral failures leave as order errors."""
order_write = _translated(write=True)
"""Marks a gateway write: its Xentral failures leave as order errors, an unknown outcome as such."""


class XentralHttpGateway:
    """Implements `orders.ports.XentralGateway` against the real (or sandbox) Xentral API."""

    def __init__(self, client: XentralClient, *, on_untrusted: UntrustedHook | None = None) -> None:
        self._client = client
        self._checks = AnswerChecks(on_untrusted)

    @order_read
    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, model.Product]:
        """Products keyed by the SKU as the caller wrote it; SKUs Xentral lacks are absent.

        Assumption (docs/xentral.md#matching-text): whether Xentral's `number` match ignores case or
        surrounding whitespace is undocumented. A returned `number` is matched to the
        requested SKU exactly first; failing that, to the one requested SKU that equals it
        after `strip().casefold()` — Xentral returned it for our filter, so Xentral deems it
        the same SKU. `Product.sku` keeps Xentral's spelling.
        """
        wanted = list(dict.fromkeys(skus))
        found: dict[str, model.Product] = {}
        for start in range(0, len(wanted), SKU_BATCH_SIZE):
            batch = wanted[start : start + SKU_BATCH_SIZE]
            for item in await self._products_with_numbers(batch):
                requested = requested_sku(item.number, batch, found)
                if requested is not None:
                    found[requested] = to_product(item)
        return found

    async def _products_with_numbers(self, numbers: list[str]) -> list[ProductItem]:
        # One page normally suffices (≤ 50 SKUs → ≤ 50 products); a lenient match could
        # return more, so the list is read to its end.
        statement = Filter("number", "in", numbers)

        def check(items: Sequence[ProductItem]) -> None:
            # A product matching none of the SKUs means the filter was ignored; the page then
            # proves neither that a SKU exists nor that it does not.
            self._checks.filter_applied(
                "list_products",
                "number",
                items,
                lambda item: any(same_leniently(item.number, number) for number in numbers),
            )

        return await read_pages(
            lambda page: self._client.list_products([statement], page),
            Page(1, MAX_PAGE_SIZE),
            "list_products",
            check=check,
        )

    @order_read
    async def find_customers(self, field: model.CustomerLookupField, value: str) -> Sequence[model.Customer]:
        """Customers whose `email` or `number` equals `value` (first 10; Xentral has no uniqueness).

        Every returned customer must carry `value` (leniently, see `verification.py`) in the
        field we filtered on, else the filter was ignored (docs/xentral.md#verifying-answers).
        """
        result = await self._client.list_customers([Filter(field, "equals", value)], Cursor(size=_CUSTOMER_PAGE_SIZE))
        self._checks.filter_applied(
            "list_customers", field, result.data, lambda item: _customer_carries(item, field, value)
        )
        return [to_customer(item) for item in result.data]

    @order_read
    async def find_customers_at(self, name: str, address: model.Address) -> Sequence[model.Customer]:
        """Customers named `name` with an address at this street, zip and city (all `equals`, ANDed).

        The list item carries the name but no address, so the name is what the answer is checked
        against; that Xentral applies the address statements to one and the same address of the
        customer is an assumption (docs/xentral.md#customers).
        """
        keys = (("name", name), ("street", address.street), ("zip", address.zip), ("city", address.city))
        statements = [Filter(key, "equals", value) for key, value in keys]
        result = await self._client.list_customers(statements, Cursor(size=_CUSTOMER_PAGE_SIZE))
        self._checks.filter_applied("list_customers", "name", result.data, lambda item: same_leniently(item.name, name))
        return [to_customer(item) for item in result.data]

    @order_write
    async def create_customer(self, customer: model.NewCustomer) -> str:
        return await self._client.create_customer(customer_create(customer))

    @order_read
    async def customer_addresses(self, customer_id: str) -> Sequence[model.CustomerAddress]:
        """The customer's master data and delivery addresses (a separate billing address is not ours)."""
        items = await self._client.list_customer_addresses(customer_id)
        return [address for item in items if (address := to_customer_address(item)) is not None]

    @order_write
    async def create_customer_address(self, customer_id: str, address: model.CustomerAddress) -> None:
        """Assumption (docs/xentral.md#customers): a customer has one master data address, and a second
        one is refused with 409; that refusal means the address is there, which is what we wanted."""
        try:
            await self._client.create_customer_address(customer_id, customer_address_body(address))
        except XentralConflict:
            if address.kind != "masterdata":
                raise
            logger.info("xentral customer %s already has its master data address (409)", customer_id)

    @order_write
    async def import_order(self, draft: model.OrderDraft) -> str:
        return await self._client.import_sales_order(build_import_payload(draft))

    def import_payload(self, draft: model.OrderDraft) -> dict[str, Any]:
        # The very builder `import_order` sends; its TypedDict is the JSON body as it goes out.
        return dict(build_import_payload(draft))

    def customer_payload(self, customer: model.NewCustomer) -> dict[str, Any]:
        return dict(customer_create(customer))

    @order_read
    async def get_order(self, order_id: str) -> model.SalesOrder:
        """The view by id; it has no totals. The read-back checks its id and reference (orders/importing.py)."""
        return to_sales_order(await self._client.get_sales_order(order_id))

    @order_read
    async def find_orders_by_reference(self, reference: str) -> Sequence[model.SalesOrder]:
        """Orders whose `externalOrderNumber` is exactly `reference` (the duplicate check).

        References are case-sensitive: `shop-1` is not `SHOP-1`'s order, even when Xentral's
        lenient `equals` returns it (docs/xentral.md#matching-text). An item that does not match
        even leniently means the filter was ignored: `XentralFilterIgnored`, never "found" or
        "not found".
        """
        items = await self._orders_with_reference(reference)
        return [to_sales_order(item) for item in items if item.external_order_number == reference]

    async def _orders_with_reference(self, reference: str) -> list[SalesOrderItem]:
        """Every order the filter `externalOrderNumber equals reference` returns, checked against it.

        One call unless more than a page of case variants exists; then the pages are followed,
        since our order may be on any of them.
        """
        statement = Filter("externalOrderNumber", "equals", reference)
        return await read_pages(
            lambda page: self._client.list_sales_orders([statement], page),
            Page(1, MAX_PAGE_SIZE),
            "list_sales_orders",
            check=lambda items: self._checks.filter_applied(
                "list_sales_orders",
                "externalOrderNumber",
                items,
                lambda item: same_leniently(item.external_order_number, reference),
            ),
        )

    @order_read
    async def shipping_methods(self) -> Sequence[model.ShippingMethod]:
        return [to_shipping_method(item) for item in await self._client.list_shipping_methods()]

    @order_read
    async def payment_methods(self) -> Sequence[model.PaymentMethod]:
        return [to_payment_method(item) for item in await self._client.list_payment_methods()]

    @order_read
    async def projects(self) -> Sequence[model.Project]:
        return [to_project(item) for item in await self._client.list_projects()]

    # -- for the configuration check (not the order flow) -----------------------------------------

    @order_read
    async def sales_channels(self) -> Sequence[model.SalesChannel]:
        """The sales channels (`GET /api/v2/salesChannels`, docs/xentral.md#mapping-lists), which
        `sales_channel_id` names."""
        return [to_sales_channel(item) for item in await self._client.list_sales_channels()]

    @order_read
    async def probe_scope(self, scope: str) -> None:
        """One harmless read that needs `scope` (xentral/scopes.py): a one-page list; raises when refused."""
        probes = {
            "customer:read": lambda: self._client.list_customers([], Cursor(size=10)),
            "product:read": lambda: self._client.list_products([], Page(1, 10)),
            "salesOrder:read": lambda: self._client.list_sales_orders([], Page(1, 10)),
            "project:read": self._client.list_projects,
            "shippingMethod:read": self._client.list_shipping_methods,
            "paymentMethod:read": self._client.list_payment_methods,
            "salesChannel:read": self._client.list_sales_channels,
        }
        await probes[scope]()

    def deprecation_notices(self) -> Sequence[DeprecationNotice]:
        """What Xentral said is deprecated (`Sunset` / `Deprecation` headers) on the calls this client made."""
        return self._client.deprecations.notices()

    @order_read
    async def product_by_id(self, product_id: str) -> model.Product | None:
        """The product with this Xentral id, or None when Xentral has none; a product marked inactive or
        deleted counts as locked, as no order may use it."""
        try:
            item = await self._client.get_product(product_id)
        except XentralNotFound:
            return None
        return to_product(item)


def _customer_carries(item: CustomerItem, field: model.CustomerLookupField, value: str) -> bool:
    return same_leniently(item.email if field == "email" else item.number, value)


def requested_sku(number: str, batch: list[str], found: Mapping[str, model.Product]) -> str | None:
    """Which SKU of `batch` a returned product `number` answers, or None (see `products_by_sku`):
    the SKU spelled exactly like it, else the one SKU equal to it leniently; never one in `found`."""
    if number in batch:
        return None if number in found else number
    key = number.strip().casefold()
    candidates = [sku for sku in batch if sku.strip().casefold() == key and sku not in found]
    if len(candidates) == 1:
        return candidates[0]
    logger.debug("xentral returned product number %r matching no single requested SKU", number)
    return None
