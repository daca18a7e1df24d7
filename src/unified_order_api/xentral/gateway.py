"""`XentralHttpGateway`: the order service's `XentralGateway` port over `XentralClient`.

Translation — wire models in, domain dataclasses out, plus the few lookups that need more
than one call (SKU batches) — and verification: every filtered list is checked against its
filter before its items mean anything (`verification.py`, docs/xentral.md#verifying-answers);
an answer that fails the check is logged, reported to `on_untrusted` and raised as
`XentralFilterIgnored`. Failures leave as `orders.errors` (see `translation`): the order
service never sees Xentral's own exception types.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final, ParamSpec, TypeVar

from ..orders.model import (
    Customer,
    CustomerLookupField,
    Money,
    NewCustomer,
    OrderDraft,
    PaymentMethod,
    Product,
    Project,
    SalesChannel,
    SalesOrder,
    ShippingMethod,
)
from ..orders.taxation import TaxRates
from .client import XentralClient
from .customer_payload import customer_create_v1
from .errors import (
    XentralError,
    XentralNotFound,
    XentralUnexpectedResponse,
)
from .filters import MAX_PAGE_SIZE, Cursor, Filter, Page
from .import_payload import build_import_payload
from .translation import order_error
from .verification import AnswerChecks, UntrustedHook, same_leniently
from .wire import (
    CustomerItem,
    PaymentMethodItem,
    ProductItem,
    ProjectItem,
    SalesOrderItem,
    ShippingMethodItem,
    WireMoney,
)

__all__ = ["SKU_BATCH_SIZE", "UntrustedHook", "XentralHttpGateway"]

logger = logging.getLogger(__name__)


# One `number in [...]` call per this many SKUs (docs/xentral.md#products: at most 50 per call).
SKU_BATCH_SIZE = MAX_PAGE_SIZE
_CUSTOMER_PAGE_SIZE = 10
# Pages of orders whose reference equals ours leniently (case variants) we read before giving up.
_MAX_REFERENCE_PAGES: Final = 5


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


_read = _translated(write=False)
_write = _translated(write=True)


class XentralHttpGateway:
    """Implements `orders.ports.XentralGateway` against the real (or sandbox) Xentral API."""

    def __init__(self, client: XentralClient, *, on_untrusted: UntrustedHook | None = None) -> None:
        self._client = client
        self._checks = AnswerChecks(on_untrusted)

    @_read
    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        """Products keyed by the SKU as the caller wrote it; SKUs Xentral lacks are absent.

        Assumption (docs/xentral.md#matching-text): whether Xentral's `number` match ignores case or
        surrounding whitespace is undocumented. A returned `number` is matched to the
        requested SKU exactly first; failing that, to the one requested SKU that equals it
        after `strip().casefold()` — Xentral returned it for our filter, so Xentral deems it
        the same SKU. `Product.sku` keeps Xentral's spelling.
        """
        wanted = list(dict.fromkeys(skus))
        found: dict[str, Product] = {}
        for start in range(0, len(wanted), SKU_BATCH_SIZE):
            batch = wanted[start : start + SKU_BATCH_SIZE]
            for item in await self._products_with_numbers(batch):
                requested = _requested_sku(item.number, batch, found)
                if requested is not None:
                    found[requested] = _product(item)
        return found

    async def _products_with_numbers(self, numbers: list[str]) -> list[ProductItem]:
        # One page normally suffices (≤ 50 SKUs → ≤ 50 products); a lenient match could
        # return more, so follow the pages while they come back full.
        statement = Filter("number", "in", numbers)
        page = Page(1, MAX_PAGE_SIZE)
        items: list[ProductItem] = []
        while True:
            result = await self._client.list_products([statement], page)
            # A product matching none of the SKUs means the filter was ignored; the page then
            # proves neither that a SKU exists nor that it does not.
            self._checks.filter_applied(
                "list_products",
                "number",
                result.data,
                lambda item: any(same_leniently(item.number, number) for number in numbers),
            )
            items.extend(result.data)
            total = result.extra.total_count if result.extra is not None else None
            if len(result.data) < page.size or total is None or len(items) >= total:
                return items
            page = page.next()

    @_read
    async def find_customers(self, field: CustomerLookupField, value: str) -> Sequence[Customer]:
        """Customers whose `email` or `number` equals `value` (first 10; Xentral has no uniqueness).

        Every returned customer must carry `value` (leniently, see `verification.py`) in the
        field we filtered on, else the filter was ignored (docs/xentral.md#verifying-answers).
        Assumption (docs/xentral.md#customers): it is unclear whether the `number` filter matches
        `general.number` or `general.customerNumber`, so a customer matches when either carries it.
        """
        result = await self._client.list_customers([Filter(field, "equals", value)], Cursor(size=_CUSTOMER_PAGE_SIZE))
        self._checks.filter_applied(
            "list_customers", field, result.data, lambda item: _customer_carries(item, field, value)
        )
        return [_customer(item) for item in result.data]

    @_write
    async def create_customer(self, customer: NewCustomer) -> str:
        return await self._client.create_customer_v1(customer_create_v1(customer))

    @_read
    async def get_customer(self, customer_id: str) -> Customer:
        """Read through the list filtered by id: the view (`/customers/{id}`) has no e-mail.

        An empty list is reported as `XentralNotFound`, as the view would answer 404.
        """
        result = await self._client.list_customers(
            [Filter("id", "equals", customer_id)], Cursor(size=_CUSTOMER_PAGE_SIZE)
        )
        self._checks.filter_applied("list_customers", "id", result.data, lambda item: item.id == customer_id)
        for item in result.data:
            if item.id == customer_id:
                return _customer(item)
        raise XentralNotFound(404, None, "get_customer", detail=f"no customer with id {customer_id!r}")

    @_write
    async def import_order(self, draft: OrderDraft) -> str:
        return await self._client.import_sales_order(build_import_payload(draft))

    def import_payload(self, draft: OrderDraft) -> dict[str, Any]:
        # The very builder `import_order` sends; its TypedDict is the JSON body as it goes out.
        return dict(build_import_payload(draft))

    def customer_payload(self, customer: NewCustomer) -> dict[str, Any]:
        return dict(customer_create_v1(customer))

    @_read
    async def get_order(self, order_id: str) -> SalesOrder:
        """The view by id; it has no totals. The read-back checks its id and reference (orders/importing.py)."""
        return _sales_order(await self._client.get_sales_order(order_id))

    @_read
    async def find_orders_by_reference(self, reference: str) -> Sequence[SalesOrder]:
        """Orders whose `externalOrderNumber` is exactly `reference` (the duplicate check).

        References are case-sensitive: `shop-1` is not `SHOP-1`'s order, even when Xentral's
        lenient `equals` returns it (docs/xentral.md#matching-text). An item that does not match
        even leniently means the filter was ignored: `XentralFilterIgnored`, never "found" or
        "not found".
        """
        items = await self._orders_with_reference(reference)
        return [_sales_order(item) for item in items if item.external_order_number == reference]

    async def _orders_with_reference(self, reference: str) -> list[SalesOrderItem]:
        """Every order the filter `externalOrderNumber equals reference` returns, checked against it.

        One call unless more than a page of case variants exists; then the pages are followed,
        since our order may be on any of them.
        """
        statement = Filter("externalOrderNumber", "equals", reference)
        page = Page(1, MAX_PAGE_SIZE)
        items: list[SalesOrderItem] = []
        for _ in range(_MAX_REFERENCE_PAGES):
            result = await self._client.list_sales_orders([statement], page)
            self._checks.filter_applied(
                "list_sales_orders",
                "externalOrderNumber",
                result.data,
                lambda item: same_leniently(item.external_order_number, reference),
            )
            items.extend(result.data)
            total = result.extra.total_count if result.extra is not None else None
            if len(result.data) < page.size or (total is not None and len(items) >= total):
                return items
            page = page.next()
        raise XentralUnexpectedResponse(
            200,
            None,
            "list_sales_orders",
            detail=f"more than {len(items)} orders carry our reference in some spelling; cannot tell ours",
        )

    @_read
    async def shipping_methods(self) -> Sequence[ShippingMethod]:
        return [_shipping_method(item) for item in await self._client.list_shipping_methods()]

    @_read
    async def payment_methods(self) -> Sequence[PaymentMethod]:
        return [_payment_method(item) for item in await self._client.list_payment_methods()]

    @_read
    async def projects(self) -> Sequence[Project]:
        return [_project(item) for item in await self._client.list_projects()]

    # -- for the configuration check (not the order flow) -----------------------------------------

    @_read
    async def sales_channels(self) -> Sequence[SalesChannel]:
        """The external reference targets (docs/xentral.md#mapping-lists), which `sales_channel_id` names."""
        items = await self._client.list_external_reference_targets()
        return [SalesChannel(id=i.id, name=i.name or "", active=i.is_active is not False) for i in items]

    @_read
    async def product_by_id(self, product_id: str) -> Product | None:
        """The product with this Xentral id, or None when Xentral has none; a product marked inactive or
        deleted counts as locked, as no order may use it."""
        try:
            item = await self._client.get_product(product_id)
        except XentralNotFound:
            return None
        reason = item.disabled_reason or None
        if item.is_deleted:
            reason = reason or "deleted"
        elif item.mark_as_inactive:
            reason = reason or "marked as inactive"
        return Product(
            id=item.id,
            sku=item.number,
            name=item.name or "",
            is_locked=item.is_disabled or item.is_deleted or item.mark_as_inactive,
            locked_reason=reason,
        )


def _customer_carries(item: CustomerItem, field: CustomerLookupField, value: str) -> bool:
    general = item.general
    if field == "email":
        return same_leniently(general.email, value)
    return same_leniently(general.number, value) or same_leniently(general.customer_number, value)


def _requested_sku(number: str, batch: list[str], found: Mapping[str, Product]) -> str | None:
    if number in batch:
        return None if number in found else number
    key = number.strip().casefold()
    candidates = [sku for sku in batch if sku.strip().casefold() == key and sku not in found]
    if len(candidates) == 1:
        return candidates[0]
    logger.debug("xentral returned product number %r matching no single requested SKU", number)
    return None


def _money(money: WireMoney | None) -> Money | None:
    if money is None:
        return None
    try:
        return Money(amount=Decimal(money.amount), currency=money.currency)
    except InvalidOperation:
        # A price we cannot read is treated as no price rather than failing the lookup.
        return None


def _product(item: ProductItem) -> Product:
    return Product(
        id=item.id,
        sku=item.number,
        name=item.name or "",
        is_locked=item.is_disabled,
        locked_reason=item.disabled_reason or None,
        sales_price_net=_money(item.sales_price_net),
        sales_price_gross=_money(item.sales_price_gross),
        tax_class=item.sales_tax or None,
    )


def _customer(item: CustomerItem) -> Customer:
    general = item.general
    # Assumption (docs/xentral.md#customers): `customerNumber` is the customer number shown to people;
    # `general.number` is the fallback when it is empty. The spec examples differ.
    number = general.customer_number or general.number or None
    return Customer(id=item.id, number=number, email=general.email or None, name=general.name or "")


def _sales_order(item: SalesOrderItem) -> SalesOrder:
    return SalesOrder(
        id=item.id,
        # Assumption (docs/xentral.md#reading-an-order-back): documentNumber may still be empty right after the import.
        document_number=item.document_number or None,
        status=item.status,
        reference=item.external_order_number or None,
        customer_id=item.customer.id if item.customer is not None else None,
        customer_number=item.customer.number if item.customer is not None else None,
        # The list item has them, the view does not (docs/xentral.md#reading-an-order-back); compared
        # with ours after the import (orders/totals.py).
        total=_cents(item.total),
        net_sales=_cents(item.net_sales),
    )


def _cents(amount: Decimal | None) -> Decimal | None:
    """An amount at least to the cent (119 → 119.00), so it reads like the amounts we compute."""
    if amount is None:
        return None
    exponent = amount.as_tuple().exponent
    return amount.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent > -2 else amount


def _shipping_method(item: ShippingMethodItem) -> ShippingMethod:
    return ShippingMethod(
        id=item.id, type=item.type or "", module=item.module or "", designation=item.designation or ""
    )


def _payment_method(item: PaymentMethodItem) -> PaymentMethod:
    return PaymentMethod(id=item.id, type=item.type or "", designation=item.designation or "")


def _project(item: ProjectItem) -> Project:
    rates = None
    if item.normal_tax_rate is not None and item.reduced_tax_rate is not None:
        # Floats on the wire (19, 7, 13.3): read through str so 13.3 stays 13.3, not 13.30000000000000071…
        rates = TaxRates(normal=Decimal(str(item.normal_tax_rate)), reduced=Decimal(str(item.reduced_tax_rate)))
    return Project(
        id=item.id, name=item.name or "", key_name=item.key_name or "", currency=item.currency, tax_rates=rates
    )
