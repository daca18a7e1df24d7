"""Which order-level error a Xentral failure becomes, and whether retrying it helps."""

from __future__ import annotations

import pytest

from unified_order_api.orders import errors as e
from unified_order_api.xentral import errors as upstream
from unified_order_api.xentral.to_order_errors import order_error

PROBLEM = {"type": "https://api.xentral.biz/problems/generic-validation", "title": "Validation failed"}


@pytest.mark.parametrize(
    ("error", "write", "expected", "retryable"),
    [
        (upstream.XentralValidationError(400, PROBLEM, "list_products"), False, e.XentralRejectedRequest, False),
        (upstream.XentralValidationError(400, PROBLEM, "import_sales_order"), True, e.XentralRejectedOrder, None),
        (upstream.XentralUnexpectedResponse(200, None, "list_products"), False, e.XentralMisbehaved, None),
        (upstream.XentralNotFound(404, None, "list_customers"), False, e.XentralMisconfigured, False),
        (upstream.XentralNotFound(404, None, "import_sales_order"), True, e.XentralMisconfigured, False),
        (upstream.XentralNotFound(404, None, "get_customer"), False, e.XentralMisbehaved, False),
        (upstream.XentralAuthError(401, None, "list_products"), False, e.XentralAccessDenied, False),
        (upstream.XentralUnexpectedResponse(406, None, "list_products"), False, e.XentralMisbehaved, False),
    ],
)
def test_translation(error: upstream.XentralError, write: bool, expected: type, retryable: bool | None) -> None:
    translated = order_error(error, write=write)
    assert type(translated) is expected
    assert translated.retryable is retryable


def test_a_read_400_does_not_blame_the_order() -> None:
    translated = order_error(upstream.XentralValidationError(400, PROBLEM, "list_sales_orders"), write=False)
    assert not isinstance(translated, e.XentralRejectedOrder)
    assert "not of the order" in translated.detail


def _transport(kind: type[upstream.XentralTransportError], write: bool) -> upstream.XentralTransportError:
    if kind is upstream.XentralConnectError:
        return upstream.XentralConnectError("refused", operation="import_sales_order", method="POST", path="/x")
    return kind("lost", operation="import_sales_order", method="POST", path="/x", outcome_unknown=write)


@pytest.mark.parametrize(
    ("error", "write", "expected", "retry_after"),
    [
        (_transport(upstream.XentralTimeout, False), False, e.XentralTimedOut, 5),
        (_transport(upstream.XentralTimeout, True), True, e.XentralOutcomeUnknown, 5),
        (_transport(upstream.XentralConnectionLost, False), False, e.XentralUnavailable, 5),
        (_transport(upstream.XentralConnectionLost, True), True, e.XentralOutcomeUnknown, 5),
        (_transport(upstream.XentralConnectError, True), True, e.XentralUnavailable, 10),
        (upstream.XentralServerError(503, None, "list_products"), False, e.XentralFailed, 5),
        (upstream.XentralServerError(500, None, "import_sales_order"), True, e.XentralFailedOutcomeUnknown, 5),
        (upstream.XentralUnexpectedResponse(201, None, "import_sales_order"), True, e.XentralOutcomeUnknown, 5),
        (upstream.XentralUnexpectedResponse(200, None, "list_products"), False, e.XentralMisbehaved, 30),
        (upstream.XentralTooManyRequests(429, None, "list_products", retry_after=7), False, e.XentralRateLimited, 7),
        (upstream.RateBudgetExhausted(0.2), True, e.XentralRateLimited, 1.0),
        # A 409 on a write is Xentral refusing it for the state of its data (a taken number, a repeated
        # reference the importer then looks up), no longer a disagreement about the request.
        (upstream.XentralConflict(409, None, "create_customer_v2"), True, e.XentralRejectedOrder, None),
        (upstream.XentralConflict(409, None, "list_products"), False, e.XentralMisbehaved, None),
        (upstream.XentralNotAcceptable(406, None, "import_sales_order"), True, e.XentralMisbehaved, None),
        (
            upstream.XentralUnfilteredAnswer(operation="list_sales_orders", key="k", returned=2, unmatched=1),
            False,
            e.XentralFilterIgnored,
            None,
        ),
        (upstream.XentralUntrustedAnswer("odd", operation="get_sales_order"), False, e.XentralMisbehaved, None),
    ],
)
def test_each_failure_is_looked_up_along_its_class_hierarchy(
    error: upstream.XentralError, write: bool, expected: type, retry_after: float | None
) -> None:
    translated = order_error(error, write=write)
    assert type(translated) is expected
    assert translated.retry_after == retry_after


def test_a_write_refused_by_negotiation_or_a_conflict_is_final() -> None:
    for error in (
        upstream.XentralNotAcceptable(406, None, "import_sales_order"),
        upstream.XentralConflict(409, None, "create_customer_v2"),
    ):
        assert order_error(error, write=True).retryable is False
