"""Xentral's failures in the order service's words: the adapter raises `orders.errors`, never `xentral.errors`.

One table, `TRANSLATIONS`, says what each `xentral.errors` class becomes; `order_error` looks an error
up along its class hierarchy (the most specific class with a row decides), as Starlette picks an
exception handler. The one rule that needs care is writes: after a timeout, a broken connection, a
5xx or an unreadable 201, Xentral may have applied the write, so the order service must reconcile
before sending it again (`XentralOutcomeUnknown`); the same failure on a read is simply "unavailable".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

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
from .problems import problem_messages

__all__ = ["TRANSLATIONS", "Translation", "order_error"]

Translation = Callable[[Any, bool], OrderError]
"""`translate(error, write)`: the order-level error for one class of Xentral failure."""

# Seconds after which trying again is worth it, when Xentral did not say.
_AFTER_LOST_ANSWER = 5.0
_AFTER_UNREACHABLE = 10.0
_AFTER_ODD_SUCCESS = 30.0  # e.g. a maintenance page instead of JSON: often gone a little later
_LIMIT_REACHED = "Xentral's request limit is reached; retry later"


def order_error(error: upstream.XentralError, *, write: bool) -> OrderError:
    """The order-level error for a Xentral failure of a read or (`write`) a write."""
    for kind in type(error).__mro__:
        translate = TRANSLATIONS.get(kind)
        if translate is not None:
            return translate(error, write)
    raise AssertionError(f"no translation for {type(error).__name__}")  # XentralError has a row


def _validation(error: upstream.XentralValidationError, write: bool) -> OrderError:
    if not write:
        # A read carries nothing of the caller's order that Xentral could judge: a 400 here means our
        # request or Xentral is broken. Telling the caller "your order is invalid" would be wrong.
        title = (error.problem or {}).get("title") or "Bad Request"
        return XentralRejectedRequest(
            f"Xentral answered {error.status_code} ({title}) to {error.operation}, a read of this service: a fault "
            "of this service or of Xentral, not of the order. Retrying will not help until it is fixed."
        )
    violations = [FieldProblem(pointer, "xentral_violation", message) for pointer, message in error.violations]
    violations += [FieldProblem("/", "xentral_violation", message) for message in error.messages]
    title = (error.problem or {}).get("title") or f"HTTP {error.status_code} on {error.operation}"
    return XentralRejectedOrder(str(title), violations=violations)


def _conflict(error: upstream.XentralConflict, write: bool) -> OrderError:
    """A 409 on a write is Xentral refusing it for the state of its data (a taken customer number, maybe a
    repeated reference: docs/xentral.md#duplicates): the write was refused, nothing landed."""
    if not write:
        return _disagreement(error, write)
    messages = [FieldProblem("/", "xentral_violation", message) for message in problem_messages(error.problem)]
    title = (error.problem or {}).get("title") or f"HTTP 409 on {error.operation}"
    refused = XentralRejectedOrder(str(title), violations=messages)
    refused.retryable = False  # the same write meets the same data again
    return refused


def _auth(error: upstream.XentralAuthError, write: bool) -> OrderError:
    if error.missing_scopes:
        scopes = ", ".join(error.missing_scopes)
        said = f"the configured API token lacks the scope {scopes} (add it to the token in Xentral)"
    else:
        said = "check the configured API token (expired or deleted?) and its scopes"
    return XentralAccessDenied(
        f"Xentral answered {error.status_code} to {error.operation}: {said}. A configuration error of this "
        "service, not of the order; retrying will not help until it is fixed."
    )


def _not_found(error: upstream.XentralNotFound, write: bool) -> OrderError:
    if error.operation.startswith("get_"):
        return _disagreement(error, write)  # a view of one id may simply not exist; the gateway decides
    # A list, a create or the import cannot be "not found" unless the base URL (or an id we
    # were configured with) is wrong.
    return XentralMisconfigured(
        f"Xentral answered 404 to {error.operation}: the configured Xentral URL or a configured id is wrong. "
        "A configuration error of this service; retrying will not help until it is fixed."
    )


def _too_many_requests(error: upstream.XentralTooManyRequests, write: bool) -> OrderError:
    return XentralRateLimited(_LIMIT_REACHED, retry_after=error.retry_after)


def _no_slot(error: upstream.RateBudgetExhausted, write: bool) -> OrderError:
    # Our own pacing found no slot in time; nothing was sent, so writes are safe to retry too.
    return XentralRateLimited(_LIMIT_REACHED, retry_after=max(1.0, error.retry_after))


def _lost_answer(read_failure: type[XentralUnavailable], said: Callable[[Any], str]) -> Translation:
    """No answer after the request left: for a write the outcome is unknown, for a read Xentral is unavailable."""

    def translate(error: upstream.XentralTransportError, write: bool) -> OrderError:
        if write:
            return XentralOutcomeUnknown(f"{said(error)}; the write may have landed", retry_after=_AFTER_LOST_ANSWER)
        return read_failure(said(error), retry_after=_AFTER_LOST_ANSWER)

    return translate


def _unreachable(error: upstream.XentralConnectError, write: bool) -> OrderError:
    return XentralUnavailable(f"Xentral is unreachable ({error.operation})", retry_after=_AFTER_UNREACHABLE)


def _server_error(error: upstream.XentralServerError, write: bool) -> OrderError:
    said = f"Xentral answered {error.status_code} to {error.operation}"
    if write:
        return XentralFailedOutcomeUnknown(f"{said}; the write may have landed", retry_after=_AFTER_LOST_ANSWER)
    return XentralFailed(said, retry_after=_AFTER_LOST_ANSWER)


def _unexpected_response(error: upstream.XentralUnexpectedResponse, write: bool) -> OrderError:
    if write:
        # e.g. a 201 whose Location we could not read: the write most likely landed.
        return XentralOutcomeUnknown(
            f"Xentral's answer to {error.operation} could not be read; the write may have landed",
            retry_after=_AFTER_LOST_ANSWER,
        )
    misbehaved = XentralMisbehaved(f"Xentral answered {error.operation} unexpectedly: {error}")
    if 200 <= error.status_code < 300:
        misbehaved.retry_after = _AFTER_ODD_SUCCESS
    else:
        misbehaved.retryable = False  # 415, a redirect: we and Xentral disagree about the request
    return misbehaved


def _not_acceptable(error: upstream.XentralNotAcceptable, write: bool) -> OrderError:
    # Negotiation refuses before anything runs: not an unknown outcome, even for a write.
    return _needs_a_fix(
        f"Xentral answered 406 Not Acceptable to {error.operation}: it has no representation our Accept "
        "header admits, so nothing was written."
    )


def _disagreement(error: upstream.XentralStatusError, write: bool) -> OrderError:
    return _needs_a_fix(
        f"Xentral answered {error.status_code} to {error.operation}; this service and Xentral disagree about "
        "the request."
    )


def _needs_a_fix(said: str) -> XentralMisbehaved:
    failure = XentralMisbehaved(f"{said} Retrying will not help until it is fixed.")
    failure.retryable = False
    return failure


def _unfiltered(error: upstream.XentralUnfilteredAnswer, write: bool) -> OrderError:
    return XentralFilterIgnored(f"{error}; its answer was not used")


def _anything_else(error: upstream.XentralError, write: bool) -> OrderError:
    return XentralMisbehaved(f"Unexpected answer from Xentral: {error}")


TRANSLATIONS: Mapping[type[upstream.XentralError], Translation] = {
    upstream.XentralValidationError: _validation,
    upstream.XentralAuthError: _auth,
    upstream.XentralNotFound: _not_found,
    upstream.XentralTooManyRequests: _too_many_requests,
    upstream.RateBudgetExhausted: _no_slot,
    upstream.XentralTimeout: _lost_answer(XentralTimedOut, lambda e: f"Xentral did not answer {e.operation} in time"),
    upstream.XentralConnectionLost: _lost_answer(
        XentralUnavailable, lambda e: f"The connection to Xentral broke during {e.operation}"
    ),
    upstream.XentralConnectError: _unreachable,
    upstream.XentralServerError: _server_error,
    upstream.XentralUnexpectedResponse: _unexpected_response,
    upstream.XentralNotAcceptable: _not_acceptable,
    upstream.XentralConflict: _conflict,
    upstream.XentralStatusError: _disagreement,  # any status without a row of its own
    upstream.XentralUnfilteredAnswer: _unfiltered,
    upstream.XentralError: _anything_else,
}
