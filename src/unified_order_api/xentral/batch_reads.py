"""`XentralBatchReads`: one list call (`in`) answers many keys; every item goes to the keys it matches.

The coalescing gateway (`coalescing_gateway.py`) sends the keys of several orders together; here the answer is
split back per key. An item is attributed to a key when it carries that key in the field we
filtered on, compared as Xentral's own `equals`/`in` compares (docs/xentral.md#matching-text:
case-insensitive; we also ignore surrounding whitespace): so each key receives exactly the items
a single `equals` call for it would have returned, and never an item that another key matched
and it did not. An item that matches none of the keys means Xentral ignored the filter: the whole
answer is refused (`XentralFilterIgnored`, docs/xentral.md#verifying-answers), never split up as
"found" for some keys and "not found" for the others. Sales orders count for a reference only when
spelled exactly like it, as in `XentralHttpGateway.find_orders_by_reference`.
Lists longer than a page are read to their end by the pager (`paging.py`; several customers may
share an email); a list longer than its cap answers nothing, never part of the keys.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from ..orders.model import Customer, CustomerLookupField, Product, SalesOrder
from .client import XentralClient
from .converters import to_customer, to_product, to_sales_order
from .filters import MAX_PAGE_SIZE, Cursor, Filter, Page
from .gateway import order_read
from .paging import Paging, read_pages
from .verification import AnswerChecks, UntrustedHook
from .wire import CustomerItem, ListResponse, ProductItem, SalesOrderItem

__all__ = ["XentralBatchReads", "lenient_key"]

T = TypeVar("T")
W = TypeVar("W", bound=BaseModel)  # a wire item


def lenient_key(value: str | None) -> str:
    """A value as Xentral's filters compare it (docs/xentral.md#matching-text)."""
    return (value or "").strip().casefold()


def _attribute(
    keys: Sequence[str], items: Iterable[T], carried: Callable[[T], Iterable[str | None]]
) -> dict[str, list[T]]:
    """Each key with the items that carry it (leniently); the caller has checked every item carries one."""
    by_lenient: dict[str, list[str]] = {}
    for key in keys:
        by_lenient.setdefault(lenient_key(key), []).append(key)
    result: dict[str, list[T]] = {key: [] for key in keys}
    for item in items:
        for key in {key for value in carried(item) for key in by_lenient.get(lenient_key(value), [])}:
            result[key].append(item)
    return result


def _carries_one_of(keys: Sequence[str], carried: Callable[[T], Iterable[str | None]]) -> Callable[[T], bool]:
    """Whether an item matches the `in` filter over `keys` (leniently)."""
    wanted = {lenient_key(key) for key in keys}
    return lambda item: any(lenient_key(value) in wanted for value in carried(item) if value is not None)


class XentralBatchReads:
    """The batched halves of `XentralHttpGateway`'s lookups; failures leave as `orders.errors`.

    `on_untrusted` hears of every answer refused because Xentral ignored the filter.
    """

    def __init__(self, client: XentralClient, *, on_untrusted: UntrustedHook | None = None) -> None:
        self._client = client
        self._checks = AnswerChecks(on_untrusted)

    @order_read
    async def products(self, numbers: Sequence[str]) -> dict[str, list[Product]]:
        """Products per requested SKU (Xentral `number`), one `number in [...]` call per page."""
        items = await self._in_list(
            self._client.list_products, Page(1, MAX_PAGE_SIZE), "list_products", "number", numbers, _product_values
        )
        return _attribute(numbers, [to_product(item) for item in items], lambda product: [product.sku])

    @order_read
    async def customers(self, field: CustomerLookupField, values: Sequence[str]) -> dict[str, list[Customer]]:
        """Customers per requested email or number (`field in [...]`), following the cursor."""

        def carried(item: CustomerItem) -> list[str | None]:
            return _customer_values(item, field)

        items = await self._in_list(
            self._client.list_customers, Cursor(size=MAX_PAGE_SIZE), "list_customers", field, values, carried
        )
        attributed = _attribute(values, items, carried)
        return {value: [to_customer(item) for item in matched] for value, matched in attributed.items()}

    @order_read
    async def orders(self, references: Sequence[str]) -> dict[str, list[SalesOrder]]:
        """Sales orders per requested reference (`externalOrderNumber in [...]`), spelled exactly like it."""
        items = await self._in_list(
            self._client.list_sales_orders,
            Page(1, MAX_PAGE_SIZE),
            "list_sales_orders",
            "externalOrderNumber",
            references,
            _order_values,
        )
        orders = [to_sales_order(item) for item in items]
        # References are case-sensitive (docs/xentral.md#matching-text): `shop-1` is not `SHOP-1`'s order.
        return {reference: [order for order in orders if order.reference == reference] for reference in references}

    async def _in_list(
        self,
        call: Callable[[list[Filter], Paging], Awaitable[ListResponse[W]]],
        first: Paging,
        operation: str,
        field: str,
        keys: Sequence[str],
        carried: Callable[[W], Iterable[str | None]],
    ) -> list[W]:
        """Every item of the list call `field in [keys]`, each page checked against the filter: an
        answer that ignored it, or longer than the pager reads, answers nothing."""
        statement = Filter(field, "in", list(dict.fromkeys(keys)))
        carries = _carries_one_of(keys, carried)
        return await read_pages(
            lambda paging: call([statement], paging),
            first,
            operation,
            check=lambda items: self._checks.filter_applied(operation, field, items, carries),
        )


def _product_values(item: ProductItem) -> list[str | None]:
    return [item.number]


def _order_values(item: SalesOrderItem) -> list[str | None]:
    return [item.external_order_number]


def _customer_values(item: CustomerItem, field: CustomerLookupField) -> list[str | None]:
    return [item.email if field == "email" else item.number]
