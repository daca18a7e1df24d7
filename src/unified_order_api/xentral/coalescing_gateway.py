"""`CoalescingGateway`: the Xentral port with the reads of concurrent orders sent together.

Wraps one Xentral instance's `XentralHttpGateway` (one coalescer per instance: keys of two
instances never share a call). Concurrent `products_by_sku`, `find_customers(field, …)` and
`find_orders_by_reference` calls that arrive within `window` seconds, or while a call of their
kind is open, become one `number in […]`, `email in […]` / `number in […]` or
`externalOrderNumber in […]` call of at most 50 keys (`ReadCoalescer`, `XentralBatchReads`).

Each caller gets what its own un-coalesced call would have returned, and nothing of the other
callers': a lone key still goes out as the same single `equals` call as without coalescing,
and a batch's items are attributed per key (`batch_reads`). SKUs are matched to the caller's
spelling by the same rule as `XentralHttpGateway.products_by_sku`, over the caller's own list.
Writes and the reference-data lists pass straight through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, TypeVar

from ..orders.errors import XentralAccessDenied, XentralFilterIgnored, XentralUnavailable
from ..orders.forwarding import ForwardingGateway
from ..orders.model import (
    Customer,
    CustomerLookupField,
    Product,
    SalesOrder,
)
from ..orders.reads import RunningOrders, reads_unhurried
from .batch_reads import XentralBatchReads
from .filters import MAX_PAGE_SIZE
from .gateway import XentralHttpGateway, requested_sku
from .read_coalescer import Fetch, ReadCoalescer

__all__ = ["MAX_BATCH_CHARS", "CoalescingGateway"]

# Characters of filter values per call, besides the 50 keys: 50 long emails would make a URL
# longer than web servers commonly accept (8 KB). Assumption (docs/xentral.md#lists-and-filters).
MAX_BATCH_CHARS: Final = 4000

T = TypeVar("T")


def _splits(error: BaseException) -> bool:
    """A failure one key can cause (Xentral refused or misread the list): halve the batch.
    An outage fails every key alike, and so does a filter Xentral ignored: splitting would only
    spend more requests."""
    return not isinstance(error, XentralUnavailable | XentralAccessDenied | XentralFilterIgnored)


class CoalescingGateway(ForwardingGateway):
    """Implements `orders.ports.XentralGateway` over one instance's `XentralHttpGateway`; writes and the
    reference-data lists go to it unchanged."""

    def __init__(
        self,
        inner: XentralHttpGateway,
        batch: XentralBatchReads,
        *,
        window_seconds: float,
        unhurried_window_seconds: float | None = None,
        running: RunningOrders | None = None,
    ) -> None:
        """`unhurried_window_seconds`: how long reads of orders in no hurry (the queue worker's, see
        `orders.reads.unhurried`) wait for each other; default `window_seconds`. `running`: the orders
        the order service counts as running; a read waits for others' only while more than one runs
        (without it, never: every lone key goes out at once)."""
        super().__init__(inner)
        self._running = running if running is not None else RunningOrders()
        self._batch = batch
        self._window = window_seconds
        self._unhurried_window = window_seconds if unhurried_window_seconds is None else unhurried_window_seconds
        # Products and customers may join a call already open (an answer a moment old is as good as the
        # cache's); the duplicate check must not: it has to see orders made before the caller asked.
        self._products = self._coalescer(self._fetch_products, share_in_flight=True)
        self._customers = {
            field: self._coalescer(self._customer_fetch(field), share_in_flight=True) for field in ("email", "number")
        }
        self._orders = self._coalescer(self._fetch_orders, share_in_flight=False)

    def _coalescer(self, fetch: Fetch[str, list[T]], *, share_in_flight: bool) -> ReadCoalescer[str, list[T]]:
        return ReadCoalescer(
            fetch,
            window=self._window,
            max_keys=MAX_PAGE_SIZE,
            max_chars=MAX_BATCH_CHARS,
            splits=_splits,
            share_in_flight=share_in_flight,
            patience=self._patience,
            others_reading=lambda: self._running.count > 1,
        )

    def _patience(self) -> float | None:
        return self._unhurried_window if reads_unhurried() else None

    # -- coalesced --------------------------------------------------------------------------

    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        wanted = list(dict.fromkeys(skus))
        if not self._products.enabled:
            return await self._inner.products_by_sku(wanted)
        candidates: dict[str, Product] = {}
        for products in (await self._products.get_many(wanted)).values():
            for product in products:
                candidates.setdefault(product.id, product)
        found: dict[str, Product] = {}
        for product in candidates.values():
            requested = requested_sku(product.sku, wanted, found)
            if requested is not None:
                found[requested] = product
        return found

    async def find_customers(self, field: CustomerLookupField, value: str) -> Sequence[Customer]:
        return await self._customers[field].get(value)

    async def find_orders_by_reference(self, reference: str) -> Sequence[SalesOrder]:
        return await self._orders.get(reference)

    async def _fetch_products(self, skus: list[str]) -> Mapping[str, list[Product]]:
        return await self._batch.products(skus)

    def _customer_fetch(self, field: CustomerLookupField) -> Fetch[str, list[Customer]]:
        async def fetch(values: list[str]) -> Mapping[str, list[Customer]]:
            if len(values) == 1:
                return {values[0]: list(await self._inner.find_customers(field, values[0]))}
            return await self._batch.customers(field, values)

        return fetch

    async def _fetch_orders(self, references: list[str]) -> Mapping[str, list[SalesOrder]]:
        if len(references) == 1:
            return {references[0]: list(await self._inner.find_orders_by_reference(references[0]))}
        return await self._batch.orders(references)

    async def aclose(self) -> None:
        await self._products.aclose()
        await self._orders.aclose()
        for coalescer in self._customers.values():
            await coalescer.aclose()
