"""The problem bodies the OpenAPI document shows: real answers, built by `error_handlers.problem_response`.

Representative errors, at least one for every code and status the problem classes answer with
(`problem_catalogue.problem_classes`), so an example is exactly what the service answers: its
status, `code`, `title`, `retry_after`, `retryable` and extension members all come from the code
that answers real requests. A test fails when a code (or a code's status) has no example here, so
the document cannot fall behind the catalogue. Operations name the examples that fit them by class
name (`problems.problem_responses(..., examples=...)`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..orders import errors as order_errors
from ..orders.attempts import StoreUnavailable
from ..orders.errors import FieldProblem
from ..shops import intake
from ..xentral_events import intake as events
from . import errors as edge
from .error_handlers import Answerable, problem_response, status_of

__all__ = ["EXAMPLE_ERRORS", "ProblemExample", "problem_examples"]

_REQUEST_ID = "5f0c6a3e9b2d4c1e8a7f6b5d4c3b2a19"
_UNKNOWN_SKU = FieldProblem("/items/1/sku", "item_not_found", "Item ART-999 not found")

EXAMPLE_ERRORS: tuple[Answerable, ...] = (
    edge.MalformedRequest(
        "The body is not valid JSON: JSON decode error",
        errors=[{"pointer": "/", "code": "invalid_json", "detail": "The body is not valid JSON: JSON decode error"}],
    ),
    intake.ArrivalNotJson("The WooCommerce webhook body is not a JSON object"),
    edge.RequestInvalid(
        "Required field 'name' is missing; Invalid 'items/0/quantity': Input should be greater than 0",
        errors=[
            {"pointer": "/customer/name", "code": "required", "detail": "Required field 'name' is missing"},
            {
                "pointer": "/items/0/quantity",
                "code": "greater_than",
                "detail": "Invalid 'items/0/quantity': Input should be greater than 0",
            },
        ],
    ),
    intake.ShopOrderInvalid(
        "Line 1 has no SKU in sku",
        [{"pointer": "/line_items/0/sku", "code": "sku_missing", "detail": "Line 1 has no SKU in sku"}],
    ),
    edge.Unauthenticated("Missing API key: send Authorization: Bearer <key> or X-API-Key"),
    intake.ArrivalSignatureRefused("The X-WC-Webhook-Signature signature does not match the body"),
    intake.ArrivalStale("The webhook's timestamp is 3600 s off; at most 300 s allowed"),
    events.EventSignatureFailed("The xentral-signature does not match the body and timestamp"),
    events.EventStale("The event's xentral-request-timestamp is 3600 s off; at most 300 s allowed"),
    edge.NotFound("No route /api/order"),
    intake.ShopNotConnected("No shopify shop is connected for client 'woo'"),
    edge.OrderNotFound("No order with reference 'SHOP-12345' was sent by this client"),
    edge.DeliveryNotFound("No webhook delivery has event id 'msg_2Nf0aX'"),
    edge.MethodNotAllowed("Method Not Allowed", headers={"Allow": "POST"}),
    edge.BodyTooSlow("The request body arrived slower than 1024 bytes per second"),
    edge.BodyTooLarge("The request body is larger than 1048576 bytes"),
    edge.UnsupportedMediaType("Send the body as application/json"),
    order_errors.IdempotencyKeyReused("Idempotency-Key 'k-1' was used for another request body"),
    order_errors.OrderRejected(
        [_UNKNOWN_SKU, FieldProblem("/shipping", "shipping_unmapped", "Shipping code 'ups_express' is not mapped")]
    ),
    order_errors.CustomerNotFound(
        [FieldProblem("/customer/customer_number", "customer_not_found", "No customer with number 10099")]
    ),
    order_errors.TotalMismatch(
        [FieldProblem("/expected_total", "total_mismatch", "Computed total 54.72 differs from expected 55.00 by 0.28")]
    ),
    order_errors.OrderCancelled(
        [FieldProblem("/payment_status", "order_cancelled", "The order is cancelled; it is not imported")]
    ),
    order_errors.AmbiguousCustomer("3 customers have the email kunde@example.com; send customer.customer_number"),
    order_errors.OrderInProgress("Order SHOP-12345 is being processed by an earlier request", retry_after=2),
    order_errors.ReferenceTaken("Xentral holds an order with reference SHOP-12345 made for another client"),
    order_errors.OrderError("The order service failed unexpectedly"),
    order_errors.XentralRejectedOrder(
        "Xentral rejected the order",
        violations=[FieldProblem("/positions/0/product/id", "xentral_violation", "This value is not valid.")],
    ),
    order_errors.XentralFailed("Xentral answered 500 to GET /api/v2/products", retry_after=10),
    order_errors.XentralUnavailable("Xentral could not be reached: connection refused", retry_after=10),
    order_errors.XentralTimedOut("Xentral did not answer GET /api/v2/customers within 10 s", retry_after=10),
    order_errors.XentralOutcomeUnknown(
        "Xentral did not answer the import in time; retry with the same reference", retry_after=60
    ),
    order_errors.XentralFailedOutcomeUnknown(
        "Xentral answered the import with 500; it may have applied it. Retry with the same reference", retry_after=60
    ),
    order_errors.XentralOrderUnconfirmed(
        "Xentral accepted the import, but the order read back is not this one", retry_after=60
    ),
    order_errors.XentralOutcomeUnresolved("Xentral never confirmed order SHOP-12345 within 7 days"),
    order_errors.XentralRateLimited("Xentral's request limit is reached", retry_after=30),
    order_errors.XentralAccessDenied("Xentral answered 401: the API token is wrong or expired"),
    order_errors.XentralMisconfigured("Xentral answered 404 for project 7: check the configured project id"),
    order_errors.XentralMisbehaved("Xentral answered 200 with a body that is not JSON", extra={"retryable": True}),
    order_errors.XentralRejectedRequest("Xentral answered 400 to GET /api/v2/products"),
    order_errors.XentralFilterIgnored("Xentral answered a filtered lookup with items its filter excludes"),
    StoreUnavailable("the order database did not answer within 5 s", order_may_exist=False),
    edge.InternalError(
        "Something went wrong on our side; nothing about it depends on your request. "
        "Quote the request id when you contact support."
    ),
)


@dataclass(frozen=True, slots=True)
class ProblemExample:
    """One error's answer: its status and the problem+json body the service sends for it."""

    kind: type[Exception]
    status: int
    code: str
    title: str
    body: dict[str, Any]


def _example(error: Answerable, instance: str) -> ProblemExample:
    answer = problem_response(error, instance=instance, request_id=_REQUEST_ID)
    body = json.loads(bytes(answer.body))
    return ProblemExample(type(error), answer.status_code, body["code"], body["title"], body)


def problem_examples(instance: str, status: int, kinds: Iterable[str] = ()) -> list[ProblemExample]:
    """The examples answered with `status` at `instance` (the operation's path): those of the error classes
    named in `kinds`, or every one of the status when `kinds` names none of it."""
    of_status = [error for error in EXAMPLE_ERRORS if status_of(type(error)) == status]
    named = set(kinds)
    chosen = [error for error in of_status if type(error).__name__ in named] or of_status
    return [_example(error, instance) for error in chosen]
