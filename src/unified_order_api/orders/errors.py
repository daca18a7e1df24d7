"""The ways an order can fail, in the service's words; the HTTP edge maps each class to a status (one table).

Each class has a stable `code` and `title`; docs/errors.md says what every code means and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AmbiguousCustomer",
    "CustomerNotFound",
    "FieldProblem",
    "IdempotencyKeyReused",
    "OrderCancelled",
    "OrderError",
    "OrderInProgress",
    "OrderRejected",
    "ReferenceTaken",
    "TotalMismatch",
    "XentralAccessDenied",
    "XentralFailed",
    "XentralFailedOutcomeUnknown",
    "XentralFilterIgnored",
    "XentralMisbehaved",
    "XentralMisconfigured",
    "XentralOrderUnconfirmed",
    "XentralOutcomeUnknown",
    "XentralOutcomeUnresolved",
    "XentralRateLimited",
    "XentralRejectedOrder",
    "XentralRejectedRequest",
    "XentralSideError",
    "XentralTimedOut",
    "XentralUnavailable",
]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with the request, and where (a JSON pointer into the request body)."""

    pointer: str
    code: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "code": self.code, "detail": self.detail}


class OrderError(Exception):
    """Base of every failure the order service reports to its caller."""

    code = "order_error"
    title = "The order could not be processed"
    retry_after: float | None = None
    # Whether sending the same request again can succeed; None: exactly when `retry_after` is known.
    retryable: bool | None = None

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, Any] = extra or {}

    @property
    def field_problems(self) -> list[FieldProblem]:
        """Every problem with its JSON pointer (the request's, or Xentral's violations); none for most failures."""
        return []

    @property
    def can_succeed_again(self) -> bool:
        """Whether sending the same request again can succeed: `retryable` when the class says, else
        exactly when a `retry_after` is known."""
        return self.retryable if self.retryable is not None else self.retry_after is not None

    def to_json(self) -> dict[str, Any]:
        """The failure as the attempt keeps it (and `order.failed` carries it): the code and text, every
        problem with its pointer, whether the same request can succeed again, and what else the answer
        said (`totals` with its line table, the `customer` a failed order created)."""
        record: dict[str, Any] = {
            **self.extra,
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
            "retryable": self.can_succeed_again,
        }
        if self.field_problems:
            record["errors"] = [problem.to_json() for problem in self.field_problems]
        return record


class OrderRejected(OrderError):
    """The request is well-formed but cannot become an order as it stands; nothing was created."""

    code = "order_invalid"
    title = "The order is invalid"

    def __init__(self, problems: list[FieldProblem], *, extra: dict[str, Any] | None = None) -> None:
        detail = "; ".join(problem.detail for problem in problems)
        super().__init__(detail, extra=extra)
        self.problems = problems

    @property
    def field_problems(self) -> list[FieldProblem]:
        return list(self.problems)


class CustomerNotFound(OrderRejected):
    code = "customer_not_found"
    title = "Customer not found"


class TotalMismatch(OrderRejected):
    """The order's computed gross total differs from what the buyer was charged (`expected_total`)."""

    code = "total_mismatch"
    title = "The order's total differs from the expected total"


class OrderCancelled(OrderRejected):
    """A voided or cancelled order: it is not imported, as it must never be fulfilled."""

    code = "order_cancelled"
    title = "The order is cancelled"


class AmbiguousCustomer(OrderError):
    code = "customer_ambiguous"
    title = "Several customers match"


class IdempotencyKeyReused(OrderError):
    code = "idempotency_key_reused"
    title = "Idempotency key already used for another request"


class OrderInProgress(OrderError):
    code = "order_in_progress"
    title = "The same order is being processed right now"

    def __init__(self, detail: str, *, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ReferenceTaken(OrderError):
    """Xentral holds an order with this reference that this service made for another client."""

    code = "reference_taken"
    title = "The reference belongs to another client's order"


class XentralRejectedOrder(OrderError):
    """Xentral refused a write; its own violations are kept, with what we had already done."""

    code = "xentral_rejected"
    title = "Xentral rejected the order"

    def __init__(self, detail: str, *, violations: list[FieldProblem], extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail, extra=extra)
        self.violations = violations

    @property
    def field_problems(self) -> list[FieldProblem]:
        return list(self.violations)


class XentralSideError(OrderError):
    """Xentral let us down (unreachable, refused our token, answered nonsense): not the caller's fault."""

    code = "xentral_error"
    title = "Xentral could not complete the request"


class XentralUnavailable(XentralSideError):
    """Xentral could not be reached or answered with an error of its own; retrying later may work."""

    code = "xentral_unavailable"
    title = "Xentral is unavailable"

    def __init__(self, detail: str, *, retry_after: float | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail, extra=extra)
        self.retry_after = retry_after


class XentralFailed(XentralUnavailable):
    """Xentral answered with a server error of its own."""

    code = "xentral_error"
    title = "Xentral answered with an error"


class XentralTimedOut(XentralUnavailable):
    code = "xentral_timeout"
    title = "Xentral did not answer in time"


class XentralOutcomeUnknown(XentralTimedOut):
    """The import may or may not have landed; a retry reconciles before anything is re-sent."""

    code = "xentral_outcome_unknown"
    title = "Xentral did not confirm the order"


class XentralRateLimited(XentralUnavailable):
    code = "xentral_rate_limited"
    title = "Xentral's request limit is reached"


class XentralAccessDenied(XentralSideError):
    """Xentral answered 401/403: our token or its scopes are wrong, a configuration error."""

    code = "xentral_access_denied"
    title = "Xentral refused our credentials"
    retryable = False


class XentralMisconfigured(XentralSideError):
    """Xentral answered 404 where our configuration says something exists (URL, configured ids)."""

    code = "xentral_misconfigured"
    title = "The service's Xentral configuration is wrong"
    retryable = False


class XentralMisbehaved(XentralSideError):
    code = "xentral_bad_response"
    title = "Xentral answered in a way we do not understand"


class XentralRejectedRequest(XentralMisbehaved):
    """Xentral answered 400 to a read: our request or Xentral is broken, not the caller's order."""

    code = "xentral_rejected_request"
    title = "Xentral refused a request of this service"
    retryable = False


class XentralFailedOutcomeUnknown(XentralOutcomeUnknown):
    """Xentral answered a write with a server error: it may still have applied it."""

    code = "xentral_outcome_unknown"
    title = "Xentral answered the order with an error"


class XentralFilterIgnored(XentralMisbehaved):
    """Xentral answered a filtered list with items the filter excludes, so it did not apply it.

    Such an answer decides nothing — neither "found" (the items are not ours) nor "not found"
    (ours may be on a page we did not get) — and nothing was written on it.
    """

    code = "xentral_filter_ignored"
    title = "Xentral ignored a filter"


class XentralOrderUnconfirmed(XentralFailedOutcomeUnknown):
    """Xentral accepted the import, but reading the order back did not prove it is ours.

    It is not reported as created; the attempt stays `importing`, and a retry looks the order up
    by reference before anything is sent again.
    """

    code = "xentral_order_unconfirmed"
    title = "Xentral did not confirm the imported order"


class XentralOutcomeUnresolved(XentralSideError):
    """An order whose outcome stayed unknown past the reconciler's give-up time: failed, so someone looks.

    Xentral may still hold it; a retry (the client's, or the console's) looks it up by reference first.
    """

    code = "xentral_outcome_unresolved"
    title = "Xentral never confirmed the order"
    retryable = True
