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
    XentralMisconfigured,
    XentralOutcomeUnknown,
    XentralRateLimited,
    XentralRejectedOrder,
    XentralRejectedRequest,
    XentralTimedOut,
    XentralUnavailable,
)
from . import errors as upstream

__all__ = ["order_error"]


def order_error(error: upstream.XentralError, *, write: bool) -> OrderError:
    """The order-level error for a Xentral failure of a read or (`write`) a write."""
    if isinstance(error, upstream.XentralValidationError) and not write:
        # A read carries nothing of the caller's order that Xentral could judge: a 400 here means our
        # request or Xentral is broken. Telling the caller "your order is invalid" would be wrong.
        title = (error.problem or {}).get("title") or "Bad Request"
        return XentralRejectedRequest(
            f"Xentral answered {error.status_code} ({title}) to {error.operation}, a read of this service: a fault "
            "of this service or of Xentral, not of the order. Retrying will not help until it is fixed."
        )
    if isinstance(error, upstream.XentralValidationError):
        violations = [FieldProblem(pointer, "xentral_violation", message) for pointer, message in error.violations]
        violations += [FieldProblem("/", "xentral_violation", message) for message in error.messages]
        title = (error.problem or {}).get("title") or f"HTTP {error.status_code} on {error.operation}"
        return XentralRejectedOrder(str(title), violations=violations)
    if isinstance(error, upstream.XentralAuthError):
        return XentralAccessDenied(
            f"Xentral answered {error.status_code} to {error.operation}: check the configured API token and its "
            "scopes. A configuration error of this service; retrying will not help until it is fixed."
        )
    if isinstance(error, upstream.XentralNotFound) and not error.operation.startswith("get_"):
        # A list, a create or the import cannot be "not found" unless the base URL (or an id we
        # were configured with) is wrong; a view of one id (get_*) may simply not exist.
        return XentralMisconfigured(
            f"Xentral answered 404 to {error.operation}: the configured Xentral URL or a configured id is wrong. "
            "A configuration error of this service; retrying will not help until it is fixed."
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
        misbehaved = XentralMisbehaved(f"Xentral answered {error.operation} unexpectedly: {error}")
        if 200 <= error.status_code < 300:
            misbehaved.retry_after = 30  # e.g. a maintenance page instead of JSON: often gone a little later
        else:
            misbehaved.retryable = False  # 415, a redirect: we and Xentral disagree about the request
        return misbehaved
    if isinstance(error, upstream.XentralNotAcceptable):
        # Negotiation refuses before anything runs: not an unknown outcome, even for a write.
        refused = XentralMisbehaved(
            f"Xentral answered 406 Not Acceptable to {error.operation}: it has no representation our Accept "
            "header admits, so nothing was written. Retrying will not help until it is fixed."
        )
        refused.retryable = False
        return refused
    if isinstance(error, upstream.XentralStatusError):
        failure = XentralMisbehaved(
            f"Xentral answered {error.status_code} to {error.operation}; this service and Xentral disagree about "
            "the request. Retrying will not help until it is fixed."
        )
        failure.retryable = False
        return failure
    if isinstance(error, upstream.XentralFilterIgnored):
        return XentralFilterIgnored(f"{error}; its answer was not used")
    return XentralMisbehaved(f"Unexpected answer from Xentral: {error}")
