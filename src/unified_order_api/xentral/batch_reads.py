"""`XentralBatchReads`: one list call (`in`) answers many keys; every item goes to the keys it matches.

The coalescer (`coalescing.py`) sends the keys of several orders together; here the answer is
split back per key. An item is attributed to a key when it carries that key in the field we
filtered on, compared as Xentral's own `equals`/`in` compares (docs/xentral.md#matching-text:
case-insensitive; we also ignore surrounding whitespace): so each key receives exactly the items
a single `equals` call for it would have returned, and never an item that another key matched
and it did not. An item that matches none of the keys means Xentral ignored the filter: the whole
answer is refused (`XentralFilterIgnored`, docs/xentral.md#verifying-answers), never split up as
"found" for some keys and "not found" for the others. Sales orders count for a reference only when
spelled exactly like it, as in `XentralHttpGateway.find_orders_by_reference`.
Lists longer than a page are followed page by page (several customers may share an email).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from ..orders.model import Customer, CustomerLookupField, Product, SalesOrder
from .client import XentralClient
from .errors import XentralUnexpectedResponse
from .filters import MAX_PAGE_SIZE, Cursor, Filter, Page
from .gateway import _customer, _product, _read, _sales_order
from .verification import AnswerChecks, UntrustedHook
from .wire import CustomerItem, ListResponse

__all__ = ["BATCH_MAX_PAGES", "XentralBatchReads", "lenient_key"]

# Pages followed for one batch before giving up (50 keys rarely need more than one or two).
BATCH_MAX_PAGES = 10

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

    @_read
    async def products(self, numbers: Sequence[str]) -> dict[str, list[Product]]:
        """Products per requested SKU (Xentral `number`), one `number in [...]` call per page."""
        products = await _pages_of(
            self._checks,
            self._client.list_products,
            "list_products",
            "number",
            numbers,
            lambda item: [item.number],
            _product,
        )
        return _attribute(numbers, products, lambda product: [product.sku])

    @_read
    async def customers(self, field: CustomerLookupField, values: Sequence[str]) -> dict[str, list[Customer]]:
        """Customers per requested email or number (`field in [...]`), following the cursor.

        Assumption (docs/xentral.md#customers): whether the `number` filter matches `general.number`
        or `general.customerNumber` is unclear, so a customer answers a number carried by either.
        """
        statement = Filter(field, "in", list(dict.fromkeys(values)))
        cursor = Cursor(size=MAX_PAGE_SIZE)
        items: list[CustomerItem] = []
        for _ in range(BATCH_MAX_PAGES):
            result = await self._client.list_customers([statement], cursor)
            carries = _carries_one_of(values, functools.partial(_customer_values, field=field))
            self._checks.filter_applied("list_customers", field, result.data, carries)
            items.extend(result.data)
            next_cursor = result.extra.cursor.next_cursor if result.extra and result.extra.cursor else None
            if not result.data or not next_cursor:
                break
            cursor = Cursor(size=MAX_PAGE_SIZE, next_cursor=next_cursor)
        else:
            raise _too_long("list_customers")
        attributed = _attribute(values, items, lambda item: _customer_values(item, field))
        return {value: [_customer(item) for item in matched] for value, matched in attributed.items()}

    @_read
    async def orders(self, references: Sequence[str]) -> dict[str, list[SalesOrder]]:
        """Sales orders per requested reference (`externalOrderNumber in [...]`), spelled exactly like it."""
        orders = await _pages_of(
            self._checks,
            self._client.list_sales_orders,
            "list_sales_orders",
            "externalOrderNumber",
            references,
            lambda item: [item.external_order_number],
            _sales_order,
        )
        # References are case-sensitive (docs/xentral.md#matching-text): `shop-1` is not `SHOP-1`'s order.
        return {reference: [order for order in orders if order.reference == reference] for reference in references}


async def _pages_of(
    checks: AnswerChecks,
    call: Callable[[list[Filter], Page], Awaitable[ListResponse[W]]],
    operation: str,
    field: str,
    keys: Sequence[str],
    carried: Callable[[W], Iterable[str | None]],
    convert: Callable[[W], T],
) -> list[T]:
    """Every item of a paged `field in [keys]` list call, converted page by page; an answer that ignored
    the filter, or longer than `BATCH_MAX_PAGES` pages, answers nothing."""
    statement = Filter(field, "in", list(dict.fromkeys(keys)))
    page = Page(1, MAX_PAGE_SIZE)
    found: list[T] = []
    for _ in range(BATCH_MAX_PAGES):
        result = await call([statement], page)
        checks.filter_applied(operation, field, result.data, _carries_one_of(keys, carried))
        found.extend(convert(item) for item in result.data)
        if _last_page(len(result.data), page, result.extra.total_count if result.extra else None, len(found)):
            return found
        page = page.next()
    raise _too_long(operation)


def _customer_values(item: CustomerItem, field: CustomerLookupField) -> list[str | None]:
    general = item.general
    if field == "email":
        return [general.email]
    return [general.number, general.customer_number]


def _too_long(operation: str) -> XentralUnexpectedResponse:
    """A batch answer longer than we read: some key's items may be missing, so it answers nothing."""
    return XentralUnexpectedResponse(
        200, None, operation, detail=f"more than {BATCH_MAX_PAGES} pages for one batch; not trusting a partial answer"
    )


def _last_page(returned: int, page: Page, total: int | None, seen: int) -> bool:
    return returned < page.size or (total is not None and seen >= total)
