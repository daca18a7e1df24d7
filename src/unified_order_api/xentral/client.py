"""`XentralClient`: typed async access to the Xentral REST operations we use.

One pooled `httpx.AsyncClient` per client; every request passes through `_send`, the single
place where timing, logging, the metrics hooks, error mapping, rate limiting
(`limiter.RateLimiter`) and retries (`retry.RetryPolicy`) happen. Without a policy the
client tries once; without a limiter it does not pace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from .deprecations import DeprecationLog
from .error_mapping import retry_after_seconds, status_error, transport_error
from .errors import XentralError, XentralStatusError
from .filters import MAX_PAGE_SIZE, Cursor, Filter, Page, QueryParams, filter_params
from .limiter import RateBudgetExhausted, RateLimiter, Slot
from .negotiation import accept_for
from .paging import paging_params, read_pages
from .responses import RawAnswer, id_from_location, parse_json, raw_answer
from .retry import NO_RETRY, RetryPolicy
from .webhook_wire import EventTypeItem, WebhookCreate, WebhookItem, WebhookUpdate
from .wire import (
    CustomerAddressBody,
    CustomerAddressItem,
    CustomerCreate,
    CustomerItem,
    DeliveryItem,
    DeliveryNoteItem,
    DeliveryNoteView,
    ItemResponse,
    ListResponse,
    PaymentMethodItem,
    ProductItem,
    ProjectItem,
    SalesChannelItem,
    SalesOrderImport,
    SalesOrderItem,
    SalesOrderView,
    ShippingMethodItem,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "PROBES",
    "LimiterWaitHook",
    "ProbeOperation",
    "ResponseHook",
    "RetryHook",
    "TransportErrorHook",
    "XentralClient",
]

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT: Final = "unified-order-api/0.1 (+xentral-client)"

ResponseHook = Callable[[str, int, float], None]
"""Called as `hook(operation, status_code, seconds)` for every HTTP answer (not for transport errors)."""
TransportErrorHook = Callable[[str, str], None]
"""Called as `hook(operation, error_kind)` when an attempt got no HTTP answer, e.g. `XentralTimeout`."""
RetryHook = Callable[[str, str], None]
"""Called as `hook(operation, reason)` before another attempt; reason is a status or an error kind."""
LimiterWaitHook = Callable[[float], None]
"""Called with the seconds an attempt waited for a rate-limit slot (0 when none was needed)."""

Method = Literal["GET", "POST", "PATCH", "DELETE"]
ProbeOperation = Literal["import_sales_order", "list_products", "list_customers"]
PROBES: Final[dict[str, tuple[Method, str, bool]]] = {
    "import_sales_order": ("POST", "/api/v1/salesOrders/actions/import", True),
    "list_products": ("GET", "/api/v2/products", False),
    "list_customers": ("GET", "/api/v2/customers", False),
}
"""What `probe` may send: (method, path, is a write) per operation; nothing else."""
T = TypeVar("T", bound=BaseModel)


class XentralClient:
    """Async client for one Xentral instance, authenticated with a Personal Access Token.

    Use as `async with XentralClient(...) as client:` or call `aclose()`. `transport` lets
    tests plug in `httpx.MockTransport`; `clock` and `sleep` let them run retries in virtual
    time — `clock` must be the limiter's clock too, since the wait deadline is passed to it.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: httpx.Timeout,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits | None = None,
        on_response: ResponseHook | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy = NO_RETRY,
        on_transport_error: TransportErrorHook | None = None,
        on_retry: RetryHook | None = None,
        on_limiter_wait: LimiterWaitHook | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        deprecations: DeprecationLog | None = None,
    ) -> None:
        if not token:
            raise ValueError("a Xentral token is required")
        self._token = token
        self._on_response = on_response
        self._on_transport_error = on_transport_error
        self._on_retry = on_retry
        self._on_limiter_wait = on_limiter_wait
        self._limiter = limiter
        self._retry = retry
        self.deprecations = deprecations if deprecations is not None else DeprecationLog()
        self._clock = clock
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": user_agent,
            },
            timeout=timeout,
            transport=transport,
            limits=limits if limits is not None else httpx.Limits(max_connections=10),
            # A 201's Location must be read, not followed; Xentral does not redirect API calls.
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"XentralClient(base_url={str(self._http.base_url)!r})"

    async def __aenter__(self) -> XentralClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- products ----------------------------------------------------------------------

    async def list_products(
        self, filters: Sequence[Filter] = (), page: Page | None = None
    ) -> ListResponse[ProductItem]:
        """v2: the v1 product list and view are deprecated (`Sunset`) in today's Xentral; same filters."""
        return await self._list("list_products", "/api/v2/products", ProductItem, filters, page=page or Page())

    async def get_product(self, product_id: str) -> ProductItem:
        response = await self._send("get_product", "GET", f"/api/v2/products/{_segment(product_id)}")
        return parse_json(response, ItemResponse[ProductItem], "get_product").data

    # --- customers (v2: the 2024 v1 customer operations are gone) -------------------------

    async def list_customers(
        self, filters: Sequence[Filter] = (), paging: Cursor | Page | None = None
    ) -> ListResponse[CustomerItem]:
        """One page, by cursor (the next one is `result.extra.cursor.next_cursor`) or by page number;
        Xentral refuses `page` and `cursor` together, so exactly one of them is sent."""
        chosen = paging or Cursor()
        if isinstance(chosen, Page):
            return await self._list("list_customers", "/api/v2/customers", CustomerItem, filters, page=chosen)
        return await self._list("list_customers", "/api/v2/customers", CustomerItem, filters, cursor=chosen)

    async def get_customer(self, customer_id: str) -> CustomerItem:
        response = await self._send("get_customer", "GET", f"/api/v2/customers/{_segment(customer_id)}")
        return parse_json(response, ItemResponse[CustomerItem], "get_customer").data

    async def create_customer(self, body: CustomerCreate) -> str:
        """Create a customer without addresses (they are `create_customer_address`); returns the new id."""
        response = await self._send("create_customer", "POST", "/api/v2/customers", json=body, is_write=True)
        return id_from_location(response, "create_customer")

    async def list_customer_addresses(self, customer_id: str) -> list[CustomerAddressItem]:
        """Every address of the customer (a handful: one page of 50 as a rule), read to the list's end."""
        path = f"/api/v2/customers/{_segment(customer_id)}/addresses"
        return await self._all_pages("list_customer_addresses", path, CustomerAddressItem)

    async def create_customer_address(self, customer_id: str, body: CustomerAddressBody) -> None:
        """Add one address to the customer; its `Location` is not needed (we never read an address by id)."""
        path = f"/api/v2/customers/{_segment(customer_id)}/addresses"
        await self._send("create_customer_address", "POST", path, json=body, is_write=True)

    # --- sales orders ------------------------------------------------------------------

    async def list_sales_orders(
        self, filters: Sequence[Filter] = (), page: Page | None = None
    ) -> ListResponse[SalesOrderItem]:
        return await self._list(
            "list_sales_orders", "/api/v1/salesOrders", SalesOrderItem, filters, page=page or Page()
        )

    async def get_sales_order(self, order_id: str) -> SalesOrderView:
        response = await self._send("get_sales_order", "GET", f"/api/v1/salesOrders/{_segment(order_id)}")
        return parse_json(response, ItemResponse[SalesOrderView], "get_sales_order").data

    async def import_sales_order(self, body: SalesOrderImport) -> str:
        """Create and release a sales order; returns its id (the body is empty, docs/xentral.md#sales-order-import)."""
        response = await self._send(
            "import_sales_order", "POST", "/api/v1/salesOrders/actions/import", json=body, is_write=True
        )
        return id_from_location(response, "import_sales_order")

    async def cancel_sales_order(self, order_id: str) -> None:
        """Cancel the order (204, no body); 409 (`XentralConflict`) when its state forbids it. Sent with
        `notifyCustomer: false`: the buyer hears of a cancellation from the shop, not from Xentral too
        (docs/xentral.md#cancelling-an-order). A write: a lost answer is `outcome_unknown`, read the order back."""
        path = f"/api/v1/salesOrders/{_segment(order_id)}/actions/cancel"
        await self._send("cancel_sales_order", "POST", path, json={"notifyCustomer": False}, is_write=True)

    # --- after the import (tracking, docs/xentral.md#after-the-import) ---------------------

    async def list_deliveries(self, filters: Sequence[Filter], page: Page | None = None) -> ListResponse[DeliveryItem]:
        return await self._list("list_deliveries", "/api/v1/deliveries", DeliveryItem, filters, page=page or Page())

    async def list_delivery_notes(
        self, filters: Sequence[Filter], page: Page | None = None
    ) -> ListResponse[DeliveryNoteItem]:
        return await self._list(
            "list_delivery_notes", "/api/v1/deliveryNotes", DeliveryNoteItem, filters, page=page or Page()
        )

    async def get_delivery_note(self, note_id: str) -> DeliveryNoteView:
        response = await self._send("get_delivery_note", "GET", f"/api/v1/deliveryNotes/{_segment(note_id)}")
        return parse_json(response, ItemResponse[DeliveryNoteView], "get_delivery_note").data

    # --- webhook subscriptions and what events need (docs/xentral.md#events-webhooks) ------

    async def list_webhooks(self) -> list[WebhookItem]:
        """Every subscription of the instance (one unpaged list)."""
        response = await self._send("list_webhooks", "GET", "/api/v1/webhooks")
        return parse_json(response, ListResponse[WebhookItem], "list_webhooks").data

    async def create_webhook(self, body: WebhookCreate) -> str:
        """Subscribe; returns the new subscription's id (from `Location`, the body is empty)."""
        response = await self._send("create_webhook", "POST", "/api/v1/webhooks", json=body, is_write=True)
        return id_from_location(response, "create_webhook")

    async def update_webhook(self, webhook_id: str, body: WebhookUpdate) -> None:
        path = f"/api/v1/webhooks/{_segment(webhook_id)}"
        await self._send("update_webhook", "PATCH", path, json=body, is_write=True)

    async def delete_webhook(self, webhook_id: str) -> None:
        path = f"/api/v1/webhooks/{_segment(webhook_id)}"
        await self._send("delete_webhook", "DELETE", path, is_write=True)

    async def list_webhook_event_types(self) -> list[EventTypeItem]:
        response = await self._send("list_webhook_event_types", "GET", "/api/v1/webhookEventTypes")
        return parse_json(response, ListResponse[EventTypeItem], "list_webhook_event_types").data

    # --- mapping lists (small: fetched whole) -------------------------------------------

    async def list_shipping_methods(self) -> list[ShippingMethodItem]:
        return await self._all_pages("list_shipping_methods", "/api/v1/shippingMethods", ShippingMethodItem)

    async def list_payment_methods(self) -> list[PaymentMethodItem]:
        return await self._all_pages("list_payment_methods", "/api/v1/paymentMethods", PaymentMethodItem)

    async def list_projects(self) -> list[ProjectItem]:
        return await self._all_pages("list_projects", "/api/v1/projects", ProjectItem)

    async def list_sales_channels(self) -> list[SalesChannelItem]:
        """All sales channels (v2, paged), which the import's `salesChannel.id` names."""
        return await self._all_pages("list_sales_channels", "/api/v2/salesChannels", SalesChannelItem)

    async def _all_pages(self, operation: str, path: str, item: type[T]) -> list[T]:
        """Every item, in pages of 50, to the end of the list (`paging.read_pages`)."""

        async def page_of(page: Page) -> ListResponse[T]:
            return await self._list(operation, path, item, (), page=page)

        return await read_pages(page_of, Page(1, MAX_PAGE_SIZE), operation)

    async def _list(
        self,
        operation: str,
        path: str,
        item: type[T],
        filters: Sequence[Filter],
        *,
        page: Page | None = None,
        cursor: Cursor | None = None,
    ) -> ListResponse[T]:
        """One page of a filtered list, asked by page number or by cursor (`paging.paging_params`)."""
        params = filter_params(filters) + paging_params(page=page, cursor=cursor)
        response = await self._send(operation, "GET", path, params=params)
        return parse_json(response, ListResponse[item], operation)  # type: ignore[valid-type]

    # --- probes (verify-xentral) ----------------------------------------------------------

    async def probe(
        self, operation: ProbeOperation, *, params: QueryParams | None = None, json: Any = None
    ) -> RawAnswer:
        """One of the few operations `verify-xentral` probes (`PROBES`) sent past the typed methods' guards (a
        `discount`, a page size above 50, a repeated reference), answered with its status, headers and body:
        how an instance answers a point no document settles. The method and path come from the operation's
        name, never from the caller, so a probe cannot reach another operation (a delete, a cancel). The same
        `_send` as every other call (limiter, retries, error mapping: a non-2xx answer is raised as usual)."""
        if operation not in PROBES:
            raise ValueError(f"{operation!r} is not a probe (one of {', '.join(PROBES)})")
        method, path, is_write = PROBES[operation]
        response = await self._send(operation, method, path, params=params, json=json, is_write=is_write)
        return raw_answer(response)

    # --- the one way out ---------------------------------------------------------------

    async def _send(
        self,
        operation: str,
        method: Method,
        path: str,
        params: QueryParams | None = None,
        json: Any = None,
        is_write: bool = False,
    ) -> httpx.Response:
        """Send a request and return a 2xx response, or raise a `XentralError`.

        Every attempt first takes a slot from the rate limiter, and tells it when the answer came
        (Xentral counts by arrival, somewhere in between); failed attempts are retried
        as the retry policy allows (writes only when they surely did not land) until the wait
        budget is spent. The last error is raised as it is, or `RateBudgetExhausted` when no
        slot came free in time. `is_write` marks requests that change Xentral (creates,
        import): their transport failures carry `outcome_unknown`. Logs and messages name
        the path without the query, which may hold e-mail addresses.
        """
        deadline = self._clock() + self._retry.wait_budget
        attempt = 0
        while True:
            attempt += 1
            slot = await self._take_slot(operation, deadline)
            try:
                try:
                    return await self._send_once(operation, method, path, params, json, is_write)
                finally:
                    await self._answered(slot)
            except XentralError as error:
                delay = self._retry.next_delay(error, attempt=attempt, is_write=is_write)
                if delay is None or self._clock() + delay > deadline:
                    raise
                reason = _reason(error)
                logger.info("xentral %s %s: %s, attempt %d, retrying in %.2fs", method, path, reason, attempt, delay)
                self._hook(self._on_retry, operation, reason)
                await self._sleep(delay)

    async def _take_slot(self, operation: str, deadline: float) -> Slot | None:
        if self._limiter is None:
            return None
        started = self._clock()
        try:
            slot = await self._limiter.acquire(deadline)
        except RateBudgetExhausted as exhausted:
            self._hook(self._on_limiter_wait, self._clock() - started)
            raise RateBudgetExhausted(exhausted.retry_after, operation=operation) from None
        self._hook(self._on_limiter_wait, self._clock() - started)
        return slot

    async def _answered(self, slot: Slot | None) -> None:
        """Count the send again now that its answer came (or it failed): docs/xentral.md#rate-limit."""
        if self._limiter is None or slot is None:
            return
        try:
            await self._limiter.answered(slot)
        except Exception:
            # Pacing is a courtesy; it must not turn a completed write into a failure.
            logger.exception("xentral rate limiter could not count the answer")

    async def _send_once(
        self,
        operation: str,
        method: Method,
        path: str,
        params: QueryParams | None,
        json: Any,
        is_write: bool,
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            query = httpx.QueryParams(tuple(params)) if params else None
            # Each operation its own Accept, from the types the spec declares for it (negotiation.py).
            headers = {"Accept": accept_for(operation)}
            response = await self._http.request(method, path, params=query, json=json, headers=headers)
        except httpx.TransportError as exc:
            seconds = time.perf_counter() - started
            logger.debug("xentral %s %s failed after %.3fs: %s", method, path, seconds, type(exc).__name__)
            failure = transport_error(
                exc, operation=operation, method=method, path=path, is_write=is_write, redact=self._redact
            )
            self._hook(self._on_transport_error, operation, type(failure).__name__)
            raise failure from exc
        seconds = time.perf_counter() - started
        logger.debug("xentral %s %s -> %d in %.3fs", method, path, response.status_code, seconds)
        self._report(operation, response.status_code, seconds)
        self.deprecations.observe(operation, path, response.headers)
        await self._observe(response)
        error = status_error(response, operation, redact=self._redact)
        if error is not None:
            raise error
        return response

    async def _observe(self, response: httpx.Response) -> None:
        """Tell the limiter what Xentral said about our budget (docs/xentral.md#rate-limit)."""
        if self._limiter is None:
            return
        retry_after = retry_after_seconds(response.headers) if response.status_code == 429 else None
        try:
            await self._limiter.observe(
                _int_header(response, "x-ratelimit-remaining"),
                _int_header(response, "x-ratelimit-limit"),
                retry_after,
            )
        except Exception:
            # Pacing is a courtesy; it must not turn a completed write into a failure.
            logger.exception("xentral rate limiter could not observe the answer")

    def _hook(self, hook: Callable[..., None] | None, *args: Any) -> None:
        if hook is None:
            return
        try:
            hook(*args)
        except Exception:
            logger.exception("xentral metrics hook failed")

    def _report(self, operation: str, status: int, seconds: float) -> None:
        if self._on_response is None:
            return
        try:
            self._on_response(operation, status, seconds)
        except Exception:
            # A broken metrics hook must not turn a completed write into a failure.
            logger.exception("xentral on_response hook failed for %s", operation)

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***")


def _reason(error: XentralError) -> str:
    """A short label for metrics and logs: the status code, or the kind of transport error."""
    return str(error.status_code) if isinstance(error, XentralStatusError) else type(error).__name__


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _segment(resource_id: str) -> str:
    """Quote an id into one path segment, so an odd value cannot reach another path."""
    return quote(resource_id, safe="")
