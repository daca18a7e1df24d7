"""Translate httpx outcomes (error statuses, transport failures) into `xentral.errors`.

Kept apart from the client so each rule — which status means what, which transport
failure may have delivered a write — is stated once and unit-tested on its own.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import httpx

from .errors import (
    XentralAuthError,
    XentralConflict,
    XentralConnectError,
    XentralConnectionLost,
    XentralNotAcceptable,
    XentralNotFound,
    XentralServerError,
    XentralStatusError,
    XentralTimeout,
    XentralTooManyRequests,
    XentralTransportError,
    XentralUnexpectedResponse,
    XentralValidationError,
)
from .problems import is_token_scopes

__all__ = ["retry_after_seconds", "status_error", "transport_error"]

_SNIPPET_LENGTH = 200

# httpx failures after which the request surely never reached Xentral: no connection was
# made (refused, DNS, TLS handshake, connect timeout) or none could be taken from the pool.
_NOT_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
)


def transport_error(
    exc: httpx.TransportError,
    *,
    operation: str,
    method: str,
    path: str,
    is_write: bool,
    redact: Callable[[str], str] = lambda text: text,
) -> XentralTransportError:
    """The `XentralTransportError` for an httpx failure with no response.

    After a read/write timeout or a dropped connection, Xentral may have received and
    applied the request, so for writes `outcome_unknown` is set. A server closing an idle
    pooled keep-alive connection shows up as `RemoteProtocolError` and is treated the same:
    we cannot tell it apart from a crash mid-request.
    """
    reason = redact(str(exc)) or type(exc).__name__
    where = f"Xentral {operation} ({method} {path})"
    if isinstance(exc, _NOT_SENT):
        return XentralConnectError(
            f"{where}: could not connect: {reason}", operation=operation, method=method, path=path
        )
    if isinstance(exc, httpx.TimeoutException):
        return XentralTimeout(
            f"{where}: timed out: {reason}",
            operation=operation,
            method=method,
            path=path,
            outcome_unknown=is_write,
        )
    return XentralConnectionLost(
        f"{where}: connection lost: {reason}",
        operation=operation,
        method=method,
        path=path,
        outcome_unknown=is_write,
    )


def status_error(
    response: httpx.Response,
    operation: str,
    *,
    redact: Callable[[str], str] = lambda text: text,
    now: Callable[[], float] = time.time,
) -> XentralStatusError | None:
    """The error for a non-2xx response, or None for success.

    Bodies are only trusted when they are problem+json (400/409); 401 is text/html and
    403/404/406/415/429 may be empty (docs/xentral.md#errors), so nothing here depends on them.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    problem = _problem(response)
    detail = None if problem is not None else _snippet(response, redact)
    if status == 400 and is_token_scopes(problem):
        # Today's Xentral answers a token without the operation's scope with this 400: a configuration
        # error, never "the request (or the order) is invalid" (docs/xentral.md#errors).
        return XentralAuthError(status, problem, operation, detail=detail)
    if status == 400:
        return XentralValidationError(status, problem, operation, detail=detail)
    if status in (401, 403):
        return XentralAuthError(status, problem, operation, detail=detail)
    if status == 404:
        return XentralNotFound(status, problem, operation, detail=detail)
    if status == 406:
        # Negotiation refuses before the operation runs: a write answered 406 was not applied.
        return XentralNotAcceptable(status, problem, operation, detail=detail or "no representation our Accept admits")
    if status == 409:
        return XentralConflict(status, problem, operation, detail=detail)
    if status == 429:
        return XentralTooManyRequests(
            status, problem, operation, detail=detail, retry_after=retry_after_seconds(response.headers, now)
        )
    if status >= 500:
        return XentralServerError(status, problem, operation, detail=detail)
    # 415 (Content-Type), other 4xx and redirects (we never follow them):
    # all mean this client and Xentral disagree, not that the input was wrong.
    return XentralUnexpectedResponse(status, problem, operation, detail=detail)


def retry_after_seconds(headers: httpx.Headers, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait per `Retry-After` (seconds or HTTP date), else `X-RateLimit-Reset` (epoch)."""
    retry_after = headers.get("retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - now())
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset) - now())
        except ValueError:
            return None
    return None


def _problem(response: httpx.Response) -> dict[str, Any] | None:
    content_type = response.headers.get("content-type", "").lower()
    if "json" not in content_type or not response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _snippet(response: httpx.Response, redact: Callable[[str], str]) -> str | None:
    """A short, single-line excerpt of a non-problem body (e.g. 401's `Unauthorized`)."""
    try:
        text = response.text
    except (UnicodeDecodeError, LookupError):
        return None
    text = " ".join(text.split())
    if not text:
        return None
    text = redact(text)
    return text if len(text) <= _SNIPPET_LENGTH else f"{text[:_SNIPPET_LENGTH]}…"
