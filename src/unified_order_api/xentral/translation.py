"""Xentral's failures in the order service's words: the adapter raises `orders.errors`, never `xentral.errors`.

The one rule that needs care is writes: after a timeout, a broken connection, a 5xx or an
unreadable 201, Xentral may have applied the write, so the order service must reconcile before
sending it again (`XentralOutcomeUnknown`); the same failure on a read is simply "unavailable".
"""

from __future__ import annotations

from ..orders.errors import (
    FieldProblem,
    OrderError,
    XentralAccessDenied,
    XentralFailed,
    XentralFailedOutcomeUnknown,
    XentralFilterIgnored,
    XentralMisbehaved,
    XentralOutcomeUnknown,
    XentralRateLimited,
    XentralRejectedOrder,
    XentralTimedOut,
    XentralUnavailable,
)
from . import errors as upstream

__all__ = ["order_error"]


def order_error(error: upstream.XentralError, *, write: bool) -> OrderError:
    """The order-level error for a Xentral failure of a read or (`write`) a write."""
    if isinstance(error, upstream.XentralValidationError):
        violations = [FieldProblem(pointer, "xentral_violation", message) for pointer, message in error.violations]
        violations += [FieldProblem("/", "xentral_violation", message) for message in error.messages]
        title = (error.problem or {}).get("title") or f"HTTP {error.status_code} on {error.operation}"
        return XentralRejectedOrder(str(title), violations=violations)
    if isinstance(error, upstream.XentralAuthError):
        return XentralAccessDenied(
            f"Xentral answered {error.status_code} to {error.operation}: check the configured API token and its scopes"
        )
    if isinstance(error, upstream.XentralRateLimited):
        return XentralRateLimited("Xentral's request limit is reached; retry later", retry_after=error.retry_after)
    if isinstance(error, upstream.RateBudgetExhausted):
        # Our own pacing found no slot in time; nothing was sent, so writes are safe to retry too.
        return XentralRateLimited(
            "Xentral's request limit is reached; retry later", retry_after=max(1.0, error.retry_after)
        )
    if isinstance(error, upstream.XentralTimeout | upstream.XentralConnectionLost):
        read_failure: type[XentralUnavailable]
        if isinstance(error, upstream.XentralTimeout):
            said, read_failure = f"Xentral did not answer {error.operation} in time", XentralTimedOut
        else:
            said, read_failure = f"The connection to Xentral broke during {error.operation}", XentralUnavailable
        if write:
            return XentralOutcomeUnknown(f"{said}; the write may have landed", retry_after=5)
        return read_failure(said, retry_after=5)
    if isinstance(error, upstream.XentralConnectError):
        return XentralUnavailable(f"Xentral is unreachable ({error.operation})", retry_after=10)
    if isinstance(error, upstream.XentralServerError):
        if write:
            return XentralFailedOutcomeUnknown(
                f"Xentral answered {error.status_code} to {error.operation}; the write may have landed", retry_after=5
            )
        return XentralFailed(f"Xentral answered {error.status_code} to {error.operation}", retry_after=5)
    if isinstance(error, upstream.XentralUnexpectedResponse):
        if write:
            # e.g. a 201 whose Location we could not read: the write most likely landed.
            return XentralOutcomeUnknown(
                f"Xentral's answer to {error.operation} could not be read; the write may have landed", retry_after=5
            )
        return XentralMisbehaved(f"Xentral answered {error.operation} unexpectedly: {error}")
    if isinstance(error, upstream.XentralNotAcceptable):
        # Negotiation refuses before anything runs: not an unknown outcome, even for a write.
        return XentralMisbehaved(
            f"Xentral answered 406 Not Acceptable to {error.operation}: it has no representation our Accept "
            "header admits, so nothing was written"
        )
    if isinstance(error, upstream.XentralStatusError):
        return XentralMisbehaved(f"Xentral answered {error.status_code} to {error.operation}")
    if isinstance(error, upstream.XentralFilterIgnored):
        return XentralFilterIgnored(f"{error}; its answer was not used")
    return XentralMisbehaved(f"Unexpected answer from Xentral: {error}")
