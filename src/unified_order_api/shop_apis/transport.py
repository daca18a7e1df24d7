"""Every call to a shop's API goes through `send`: one place that maps no answer, 429 and 5xx to
`ShopApiRetryable` (with the `Retry-After` the shop sent), other 4xx to `ShopApiRefused`.

An error's message carries the shop, method, path (never the query, where WooCommerce's OAuth
signature travels over http) and a short excerpt of the answer's body; never a header.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Any

import httpx

from .errors import ShopApiRefused, ShopApiRetryable

__all__ = ["excerpt", "retry_after", "send"]

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def retry_after(response: httpx.Response, now: dt.datetime | None = None) -> float | None:
    """The `Retry-After` header in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def excerpt(response: httpx.Response, limit: int = 300) -> str:
    """The start of the answer's body, on one line."""
    return " ".join(response.text[:limit].split())


async def send(
    http: httpx.AsyncClient, shop: str, method: str, url: str, *, ok: frozenset[int] = frozenset(), **kwargs: Any
) -> httpx.Response:
    """The shop's answer when it is 2xx (or in `ok`); otherwise the `ShopApiError` it means."""
    path = httpx.URL(url).path
    where = f"{shop} {method} {path}"
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.ConnectError as error:
        raise ShopApiRetryable(f"{where}: no connection ({type(error).__name__})", outcome_unknown=False) from None
    except httpx.TransportError as error:
        raise ShopApiRetryable(
            f"{where}: no answer ({type(error).__name__})", outcome_unknown=method in _WRITES
        ) from None
    status = response.status_code
    if response.is_success or status in ok:
        return response
    message = f"{where} answered {status}: {excerpt(response)}"
    if status == 429 or status >= 500:
        raise ShopApiRetryable(
            message,
            status=status,
            retry_after=retry_after(response),
            outcome_unknown=status >= 500 and method in _WRITES,
        )
    raise ShopApiRefused(message, status=status)
