"""One exception hierarchy for everything that can go wrong talking to Xentral.

Callers catch at the level they mean, as with httpx: `XentralError` for "Xentral failed",
`XentralTransportError` for "no HTTP answer" (check `outcome_unknown` before retrying a
write), `XentralStatusError` for "Xentral answered no". Messages carry the operation,
method, path and status, never headers, so the bearer token cannot leak into logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .problems import missing_scopes, problem_messages, problem_title, violation_pairs

__all__ = [
    "RateBudgetExhausted",
    "XentralAuthError",
    "XentralConflict",
    "XentralConnectError",
    "XentralConnectionLost",
    "XentralError",
    "XentralNotAcceptable",
    "XentralNotFound",
    "XentralServerError",
    "XentralStatusError",
    "XentralTimeout",
    "XentralTooManyRequests",
    "XentralTransportError",
    "XentralUnexpectedResponse",
    "XentralUnfilteredAnswer",
    "XentralUntrustedAnswer",
    "XentralValidationError",
]


class XentralError(Exception):
    """Base of every error the Xentral client raises."""

    def __init__(self, message: str, *, operation: str) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, operation={self.operation!r})"


# --- no HTTP answer -------------------------------------------------------------------


class XentralTransportError(XentralError):
    """No HTTP response arrived.

    `outcome_unknown` is true when the request was a write and may have reached Xentral:
    retrying it blindly could create a second customer or order, so the caller has to look
    the resource up first (e.g. sales orders by externalOrderNumber).
    """

    def __init__(self, message: str, *, operation: str, method: str, path: str, outcome_unknown: bool) -> None:
        super().__init__(message, operation=operation)
        self.method = method
        self.path = path
        self.outcome_unknown = outcome_unknown


class XentralConnectError(XentralTransportError):
    """The request surely never left: connect refused/failed or no pooled connection free.

    Safe to retry, writes included; `outcome_unknown` is always false.
    """

    def __init__(self, message: str, *, operation: str, method: str, path: str) -> None:
        super().__init__(message, operation=operation, method=method, path=path, outcome_unknown=False)


class XentralTimeout(XentralTransportError):
    """Sending the request or reading the answer took too long; a write may have been applied."""


class XentralConnectionLost(XentralTransportError):
    """The connection broke after the request started; a write may have been applied."""


# --- Xentral answered with an error status ----------------------------------------------


class XentralStatusError(XentralError):
    """Xentral answered, but not with the success we expected.

    `problem` is the decoded problem+json body when there was one (400/409), else None.
    """

    def __init__(
        self,
        status_code: int,
        problem: Mapping[str, Any] | None,
        operation: str,
        *,
        detail: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.problem: dict[str, Any] | None = dict(problem) if problem is not None else None
        text = detail or (problem_title(problem) if problem is not None else None)
        message = f"Xentral {operation} failed with HTTP {status_code}"
        if text:
            message = f"{message}: {text}"
        super().__init__(message, operation=operation)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, "
            f"operation={self.operation!r}, message={self.message!r})"
        )


class XentralValidationError(XentralStatusError):
    """400: Xentral rejected the request content.

    `violations` are `(json_pointer, message)` pairs, e.g. `("/positions/0/product/id",
    "This value should not be blank.")`, and `messages` the generic-validation texts, so the
    API can quote them back to its caller.
    """

    def __init__(
        self,
        status_code: int,
        problem: Mapping[str, Any] | None,
        operation: str,
        *,
        detail: str | None = None,
    ) -> None:
        self.violations: list[tuple[str, str]] = violation_pairs(problem)
        self.messages: list[str] = problem_messages(problem)
        if detail is None:
            quoted = [f"{path}: {text}" for path, text in self.violations] + self.messages
            title = problem_title(problem) if problem is not None else None
            if quoted:
                detail = f"{title or 'validation failed'} ({'; '.join(quoted[:5])})"
        super().__init__(status_code, problem, operation, detail=detail)


class XentralAuthError(XentralStatusError):
    """401/403, or a 400 `#token-scopes` problem: the token is missing, expired, or lacks a scope
    (e.g. `salesOrder:create`). `missing_scopes` names the scopes when Xentral said which."""

    def __init__(
        self,
        status_code: int,
        problem: Mapping[str, Any] | None,
        operation: str,
        *,
        detail: str | None = None,
    ) -> None:
        self.missing_scopes: list[str] = missing_scopes(problem)
        if detail is None and self.missing_scopes:
            detail = f"the token lacks the scope {', '.join(self.missing_scopes)}"
        super().__init__(status_code, problem, operation, detail=detail)


class XentralNotFound(XentralStatusError):
    """404: the resource (or, for a write, a referenced one) does not exist."""


class XentralConflict(XentralStatusError):
    """409: a conflict, e.g. the v2 customer create with a taken number (docs/xentral.md#customers)."""


class XentralTooManyRequests(XentralStatusError):
    """429: over the per-minute budget. `retry_after` is seconds to wait, when Xentral said."""

    def __init__(
        self,
        status_code: int,
        problem: Mapping[str, Any] | None,
        operation: str,
        *,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        if detail is None and retry_after is not None:
            detail = f"rate limited, retry after {retry_after:g}s"
        super().__init__(status_code, problem, operation, detail=detail)


class XentralServerError(XentralStatusError):
    """5xx: Xentral failed. For a write the order may or may not exist afterwards."""


class XentralUnexpectedResponse(XentralStatusError):
    """An answer we cannot use: 201 without Location, a body that is not JSON, 415, …"""


class XentralNotAcceptable(XentralStatusError):
    """406: Xentral has no representation our `Accept` admits, and refused the request.

    Not an unknown outcome, even for a write: content negotiation picks the answer's type before
    the operation runs (the spec declares 406 beside 400 and 403, which also refuse up front), so
    nothing was created. It means our client and this Xentral disagree about media types; sending
    the same request again cannot help (docs/xentral.md#content-negotiation).
    """


# --- Xentral answered 2xx, but the content contradicts the request -----------------------


class XentralUntrustedAnswer(XentralError):
    """A successful answer whose content contradicts what we asked for.

    Acting on it could report someone else's order (or customer, or product) as ours, so it
    decides nothing: neither "found" nor "not found". Messages name the operation and ids,
    never filter values (they may be e-mail addresses). `reason` labels it in logs and metrics.
    """

    reason = "untrusted_answer"


class XentralUnfilteredAnswer(XentralUntrustedAnswer):
    """A filtered list returned items that do not match the filter: Xentral did not apply it.

    `key` is the filter key (e.g. `externalOrderNumber`), `returned` how many items came back
    and `unmatched` how many of them the filter excludes.
    """

    reason = "filter_ignored"

    def __init__(self, *, operation: str, key: str, returned: int, unmatched: int) -> None:
        self.key = key
        self.returned = returned
        self.unmatched = unmatched
        super().__init__(
            f"Xentral {operation} ignored the filter on `{key}`: {unmatched} of the {returned} items "
            "it returned do not match it",
            operation=operation,
        )


# --- nothing was sent ------------------------------------------------------------------


class RateBudgetExhausted(XentralError):
    """No request slot frees up before the deadline; nothing was sent.

    `retry_after` is the number of seconds until one is expected, so the caller can tell
    its own client when to come back.
    """

    def __init__(self, retry_after: float, *, operation: str = "rate_limiter") -> None:
        self.retry_after = max(0.0, retry_after)
        super().__init__(
            f"Xentral {operation}: no request slot within the wait budget (next in {self.retry_after:.1f}s)",
            operation=operation,
        )
