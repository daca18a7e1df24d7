"""The one place where exceptions become problem+json answers.

Routers, dependencies and middleware raise; nothing else builds a problem body. `STATUS` is the one
table from error class to HTTP status, looked up along the class hierarchy: the most specific class
with a row decides, as Starlette picks an exception handler. Each error class brings its `code` and
`title`; docs/errors.md (generated from `problem_catalogue`) says what every code means.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ..orders import errors as order_errors
from ..orders.attempts import StoreUnavailable
from ..shops import intake
from ..xentral_events import intake as events
from . import errors as edge
from .field_errors import field_error
from .problems import PROBLEM_MEDIA_TYPE, request_id_of
from .schemas import cross_field_problems

__all__ = [
    "PROBLEM_ROOTS",
    "STATUS",
    "STORE_RETRY_AFTER_SECONDS",
    "Answerable",
    "install_error_handlers",
    "problem_response",
    "status_of",
]

log = structlog.get_logger(__name__)

Answerable = (
    order_errors.OrderError | StoreUnavailable | edge.RequestRefused | intake.ShopRefused | events.XentralEventRefused
)
"""What becomes a problem answer: the order service's errors, the store's outage, the edge's and the shop
intake's refusals."""

PROBLEM_ROOTS: tuple[type[Exception], ...] = (
    order_errors.OrderError,
    StoreUnavailable,
    edge.RequestRefused,
    intake.ShopRefused,
    events.XentralEventRefused,
)

STATUS: Mapping[type[Exception], int] = {
    # The order service's errors.
    order_errors.OrderError: 500,  # a failure with no more specific class is ours
    order_errors.OrderRejected: 422,
    order_errors.IdempotencyKeyReused: 422,
    order_errors.XentralRejectedOrder: 422,
    order_errors.OrderInProgress: 409,
    order_errors.AmbiguousCustomer: 409,
    order_errors.ReferenceTaken: 409,
    order_errors.XentralSideError: 502,
    order_errors.XentralUnavailable: 503,
    order_errors.XentralFailed: 502,
    order_errors.XentralTimedOut: 504,
    order_errors.XentralFailedOutcomeUnknown: 502,
    StoreUnavailable: 503,
    # The edge's own refusals.
    edge.MalformedRequest: 400,
    edge.Unauthenticated: 401,
    edge.NotFound: 404,
    edge.MethodNotAllowed: 405,
    edge.BodyTooSlow: 408,
    edge.BodyTooLarge: 413,
    edge.UnsupportedMediaType: 415,
    edge.RequestInvalid: 422,
    edge.InternalError: 500,
    # A shop's arrival, refused by the intake; unsigned or stale, the shop cannot be shown to have sent it.
    intake.ShopNotConnected: 404,
    intake.ArrivalSignatureRefused: 401,
    intake.ArrivalStale: 401,
    intake.ArrivalNotJson: 400,
    intake.ShopOrderInvalid: 422,
    # A Xentral event refused by its intake: it changes nothing.
    events.EventInstanceUnknown: 404,
    events.EventSignatureFailed: 401,
    events.EventStale: 401,
    events.EventNotJson: 400,
    events.EventNotAnEvent: 422,
}

# Starlette's own refusals (no route, wrong method, …) arrive as HTTPException with a status.
_HTTP_REFUSALS: Mapping[int, type[edge.RequestRefused]] = {
    400: edge.MalformedRequest,  # FastAPI's own "error parsing the body" (e.g. bytes that are no UTF-8)
    404: edge.NotFound,
    405: edge.MethodNotAllowed,
    413: edge.BodyTooLarge,
    415: edge.UnsupportedMediaType,
}

# A database that failed is back within seconds (a restart, a fail-over, a released lock) or
# not soon; retrying with the same reference is safe either way.
STORE_RETRY_AFTER_SECONDS = 5.0


def status_of(kind: type[BaseException]) -> int | None:
    """The status of an error class: the row of the most specific class in its hierarchy."""
    return next((STATUS[cls] for cls in kind.__mro__ if cls in STATUS), None)


def problem_response(error: Answerable, *, instance: str | None, request_id: str | None) -> JSONResponse:
    """The problem+json answer for `error` (RFC 9457), with its status from `STATUS`."""
    status = status_of(type(error)) or 500
    if isinstance(error, order_errors.OrderError):
        return _order_problem(error, status, instance=instance, request_id=request_id)
    if isinstance(error, StoreUnavailable):
        return _problem(
            status,
            error.code,
            error.title,
            _store_detail(error),
            instance=instance,
            request_id=request_id,
            retry_after=STORE_RETRY_AFTER_SECONDS,
            extra={"order_may_exist": error.order_may_exist, "retryable": True},
        )
    return _problem(
        status,
        error.code,
        error.title,
        error.detail,
        errors=error.errors,
        instance=instance,
        request_id=request_id,
        headers=error.headers if isinstance(error, edge.RequestRefused) else None,
    )


def _order_problem(
    error: order_errors.OrderError, status: int, *, instance: str | None, request_id: str | None
) -> JSONResponse:
    errors = None
    if isinstance(error, order_errors.OrderRejected | order_errors.XentralRejectedOrder):
        errors = [problem.to_json() for problem in error.field_problems]
    retry_after = error.retry_after
    extra = dict(error.extra)
    if status >= 500:
        # Our side or Xentral's failed: say whether sending the same request again can help.
        extra["retryable"] = error.can_succeed_again
    return _problem(
        status,
        error.code,
        error.title,
        error.detail,
        errors=errors,
        instance=instance,
        request_id=request_id,
        retry_after=retry_after if extra.get("retryable", True) else None,
        extra=extra,
    )


def _store_detail(error: StoreUnavailable) -> str:
    if error.order_may_exist:
        return (
            "Our order database failed after the order was sent to Xentral, so the order may already exist "
            "there. Retrying with the same reference (or Idempotency-Key) is safe: the retry finds that order "
            "instead of creating a second one."
        )
    return (
        "Our order database is unavailable; this request created no order. Retrying with the same "
        "reference (or Idempotency-Key) is safe."
    )


def _problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    errors: Sequence[dict[str, str]] | None = None,
    instance: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = list(errors)
    if request_id:
        body["request_id"] = request_id
    all_headers = dict(headers or {})
    if retry_after is not None:
        seconds = max(1, int(retry_after + 0.999))
        body["retry_after"] = seconds
        all_headers["Retry-After"] = str(seconds)
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=all_headers, media_type=PROBLEM_MEDIA_TYPE)


def _refusal_of_invalid_request(exc: RequestValidationError) -> edge.RequestRefused:
    errors = [field_error(dict(error)) for error in exc.errors()]
    if any(error["code"] == "invalid_json" for error in errors):
        return edge.MalformedRequest(errors[0]["detail"], errors=errors)
    body = exc.body
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    seen = {error["pointer"] for error in errors}
    errors += [p.to_json() for p in cross_field_problems(body) if p.pointer not in seen]
    return edge.RequestInvalid("; ".join(error["detail"] for error in errors), errors=errors)


async def _answer(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Answerable)
    return problem_response(exc, instance=request.url.path, request_id=request_id_of(request))


async def _validation_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return await _answer(request, _refusal_of_invalid_request(exc))


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreUnavailable)
    log.error("request.database_unavailable", path=request.url.path, error=exc.detail)
    return await _answer(request, exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail) if exc.detail else ""
    refusal = _HTTP_REFUSALS.get(exc.status_code)
    if refusal is not None:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return await _answer(request, refusal(detail, headers=headers))
    # A status no route of ours refuses with (Starlette's own, e.g. a form it cannot parse).
    return _problem(
        exc.status_code,
        f"http_{exc.status_code}",
        "Request failed",
        detail,
        instance=request.url.path,
        request_id=request_id_of(request),
        headers=exc.headers,
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path. Starlette names only the first route whose path
    matches (`GET /api/orders` and `POST /api/orders` are two routes), so a 405 would hide the others."""
    routes = request.app.router.routes
    allowed = [m for m in _METHODS if any(r.matches({**request.scope, "method": m})[0] is Match.FULL for r in routes)]
    return ", ".join(allowed)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("request.unhandled_error", path=request.url.path)
    return await _answer(
        request,
        edge.InternalError(
            "Something went wrong on our side; nothing about it depends on your request. "
            "Quote the request id when you contact support."
        ),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(order_errors.OrderError, _answer)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.add_exception_handler(edge.RequestRefused, _answer)
    app.add_exception_handler(intake.ShopRefused, _answer)
    app.add_exception_handler(events.XentralEventRefused, _answer)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
