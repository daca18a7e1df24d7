"""`XentralClient`: typed async access to the Xentral REST operations we use.

One pooled `httpx.AsyncClient` per client; every request passes through `_send`, the single
place where timing, logging, the metrics hook and error mapping happen — and where a
later rate limiter and retry policy will plug in. This module does not retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from .error_mapping import status_error, transport_error
from .filters import (
    MAX_PAGE_SIZE,
    Cursor,
    Filter,
    Page,
    QueryParams,
    cursor_params,
    filter_params,
    page_params,
)
from .responses import id_from_location, parse_json
from .wire import (
    CustomerCreateV1,
    CustomerCreateV2,
    CustomerItem,
    CustomerView,
    ExternalReferenceTarget,
    ItemResponse,
    ListResponse,
    PaymentMethodItem,
    ProductItem,
    ProductView,
    ProjectItem,
    SalesOrderImport,
    SalesOrderItem,
    SalesOrderView,
    ShippingMethodItem,
)

__all__ = ["DEFAULT_USER_AGENT", "ResponseHook", "XentralClient"]

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT: Final = "unified-order-api/0.1 (+xentral-client)"

ResponseHook = Callable[[str, int, float], None]
"""Called as `hook(operation, status_code, seconds)` for every HTTP answer (not for transport errors)."""

Method = Literal["GET", "POST"]
T = TypeVar("T", bound=BaseModel)

# Guard against a server that keeps returning full pages: the mapping lists are small
# (dozens of entries), so 20 pages of 50 is far beyond any real instance.
_MAX_PAGES: Final = 20


class XentralClient:
    """Async client for one Xentral instance, authenticated with a Personal Access Token.

    Use as `async with XentralClient(...) as client:` or call `aclose()`. `transport` lets
    tests plug in `httpx.MockTransport`.
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
    ) -> None:
        if not token:
            raise ValueError("a Xentral token is required")
        self._token = token
        self._on_response = on_response
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
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
        params = filter_params(filters) + page_params(page or Page())
        response = await self._send("list_products", "GET", "/api/v1/products", params=params)
        return parse_json(response, ListResponse[ProductItem], "list_products")

    async def get_product(self, product_id: str) -> ProductView:
        response = await self._send("get_product", "GET", f"/api/v1/products/{_segment(product_id)}")
        return parse_json(response, ItemResponse[ProductView], "get_product").data

    # --- customers ---------------------------------------------------------------------

    async def list_customers(
        self, filters: Sequence[Filter] = (), cursor: Cursor | None = None
    ) -> ListResponse[CustomerItem]:
        """One page; the next page's cursor is `result.extra.cursor.next_cursor`."""
        params = filter_params(filters) + cursor_params(cursor or Cursor())
        response = await self._send("list_customers", "GET", "/api/v1/customers", params=params)
        return parse_json(response, ListResponse[CustomerItem], "list_customers")

    async def get_customer(self, customer_id: str) -> CustomerView:
        """The customer view; note it has no email (FACTS §3) — use `list_customers` for that."""
        response = await self._send("get_customer", "GET", f"/api/v1/customers/{_segment(customer_id)}")
        return parse_json(response, ItemResponse[CustomerView], "get_customer").data

    async def create_customer_v1(self, body: CustomerCreateV1) -> str:
        """Create a customer with address and email in one call; returns the new id."""
        response = await self._send(
            "create_customer_v1", "POST", "/api/v1/customers", json=body, is_write=True
        )
        return id_from_location(response, "create_customer_v1")

    async def create_customer_v2(self, body: CustomerCreateV2) -> str:
        """Create a customer without address (v2 has none); returns the new id."""
        response = await self._send(
            "create_customer_v2", "POST", "/api/v2/customers", json=body, is_write=True
        )
        return id_from_location(response, "create_customer_v2")

    # --- sales orders ------------------------------------------------------------------

    async def list_sales_orders(
        self, filters: Sequence[Filter] = (), page: Page | None = None
    ) -> ListResponse[SalesOrderItem]:
        params = filter_params(filters) + page_params(page or Page())
        response = await self._send("list_sales_orders", "GET", "/api/v1/salesOrders", params=params)
        return parse_json(response, ListResponse[SalesOrderItem], "list_sales_orders")

    async def get_sales_order(self, order_id: str) -> SalesOrderView:
        response = await self._send("get_sales_order", "GET", f"/api/v1/salesOrders/{_segment(order_id)}")
        return parse_json(response, ItemResponse[SalesOrderView], "get_sales_order").data

    async def import_sales_order(self, body: SalesOrderImport) -> str:
        """Create and release a sales order; returns its id (the body is empty, FACTS §5)."""
        response = await self._send(
            "import_sales_order", "POST", "/api/v1/salesOrders/actions/import", json=body, is_write=True
        )
        return id_from_location(response, "import_sales_order")

    # --- mapping lists (small: fetched whole) -------------------------------------------

    async def list_shipping_methods(self) -> list[ShippingMethodItem]:
        return await self._all_pages("list_shipping_methods", "/api/v1/shippingMethods", ShippingMethodItem)

    async def list_payment_methods(self) -> list[PaymentMethodItem]:
        return await self._all_pages("list_payment_methods", "/api/v1/paymentMethods", PaymentMethodItem)

    async def list_projects(self) -> list[ProjectItem]:
        return await self._all_pages("list_projects", "/api/v1/projects", ProjectItem)

    async def list_external_reference_targets(self) -> list[ExternalReferenceTarget]:
        """All shops/marketplaces (our stand-in for sales channels); this list has no paging."""
        operation = "list_external_reference_targets"
        response = await self._send(operation, "GET", "/api/v1/externalReferenceTargets")
        return parse_json(response, ListResponse[ExternalReferenceTarget], operation).data

    async def _all_pages(self, operation: str, path: str, item: type[T]) -> list[T]:
        """Fetch pages of 50 until one comes back short or `totalCount` is reached."""
        page = Page(1, MAX_PAGE_SIZE)
        items: list[T] = []
        for _ in range(_MAX_PAGES):
            response = await self._send(operation, "GET", path, params=page_params(page))
            result = parse_json(response, ListResponse[item], operation)  # type: ignore[valid-type]
            items.extend(result.data)
            total = result.extra.total_count if result.extra is not None else None
            if len(result.data) < page.size or (total is not None and len(items) >= total):
                return items
            page = page.next()
        logger.warning("xentral %s: stopped after %d pages, list may be incomplete", operation, _MAX_PAGES)
        return items

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
        """Send one request and return a 2xx response, or raise a `XentralError`.

        `is_write` marks requests that change Xentral (creates, import): their transport
        failures carry `outcome_unknown`. Logs and messages name the path without the query,
        which may hold e-mail addresses.
        """
        started = time.perf_counter()
        try:
            query = httpx.QueryParams(tuple(params)) if params else None
            response = await self._http.request(method, path, params=query, json=json)
        except httpx.TransportError as exc:
            seconds = time.perf_counter() - started
            logger.debug("xentral %s %s failed after %.3fs: %s", method, path, seconds, type(exc).__name__)
            raise transport_error(
                exc, operation=operation, method=method, path=path, is_write=is_write, redact=self._redact
            ) from exc
        seconds = time.perf_counter() - started
        logger.debug("xentral %s %s -> %d in %.3fs", method, path, response.status_code, seconds)
        self._report(operation, response.status_code, seconds)
        error = status_error(response, operation, redact=self._redact)
        if error is not None:
            raise error
        return response

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


def _segment(resource_id: str) -> str:
    """Quote an id into one path segment, so an odd value cannot reach another path."""
    return quote(resource_id, safe="")
