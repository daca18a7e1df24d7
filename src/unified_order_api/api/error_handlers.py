"""The one place where exceptions become problem+json answers."""

from __future__ import annotations

import json
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..orders import errors as order_errors
from ..orders.attempts import StoreUnavailable
from .auth import Unauthenticated
from .problems import problem_response, request_id_of
from .schemas import cross_field_problems

log = structlog.get_logger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
_STATUS: list[tuple[type[order_errors.OrderError], int]] = [
    (order_errors.OrderRejected, 422),
    (order_errors.IdempotencyKeyReused, 422),
    (order_errors.XentralRejectedOrder, 422),
    (order_errors.OrderInProgress, 409),
    (order_errors.AmbiguousCustomer, 409),
    (order_errors.ReferenceTaken, 409),
    (order_errors.XentralAccessDenied, 502),
    (order_errors.XentralMisconfigured, 502),
    (order_errors.XentralMisbehaved, 502),
    (order_errors.XentralFailed, 502),
    (order_errors.XentralFailedOutcomeUnknown, 502),
    (order_errors.XentralTimedOut, 504),
    (order_errors.XentralUnavailable, 503),
]


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in loc]
    return "/" + "/".join(parts) if parts else "/"


def field_error(error: dict[str, Any]) -> dict[str, str]:
    loc = tuple(error.get("loc", ()))
    where = loc[0] if loc else "body"
    path = loc[1:] if where in ("body", "header", "query", "path") else loc
    name = str(path[-1]) if path else where
    kind = str(error.get("type", "invalid"))
    if kind == "missing":
        if where == "header":
            return {"pointer": "/", "code": "required", "detail": f"Required header '{name}' is missing"}
        return {"pointer": _pointer(path), "code": "required", "detail": f"Required field '{name}' is missing"}
    if kind == "extra_forbidden":
        return {"pointer": _pointer(path), "code": "unknown_field", "detail": f"Unknown field '{name}'"}
    if kind == "json_invalid":
        return {"pointer": "/", "code": "invalid_json", "detail": f"The body is not valid JSON: {error.get('msg')}"}
    label = "/".join(str(part) for part in path) or where
    return {"pointer": _pointer(path), "code": kind, "detail": f"Invalid '{label}': {error.get('msg', 'invalid')}"}


async def _validation_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [field_error(dict(error)) for error in exc.errors()]
    if any(error["code"] == "invalid_json" for error in errors):
        return problem_response(
            400,
            "invalid_json",
            "Malformed request",
            errors[0]["detail"],
            errors=errors,
            instance=request.url.path,
            request_id=request_id_of(request),
        )
    body = exc.body
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    seen = {error["pointer"] for error in errors}
    errors += [p.to_json() for p in cross_field_problems(body) if p.pointer not in seen]
    detail = "; ".join(error["detail"] for error in errors)
    return problem_response(
        422,
        "request_invalid",
        "The request is invalid",
        detail,
        errors=errors,
        instance=request.url.path,
        request_id=request_id_of(request),
    )


async def _order_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, order_errors.OrderError)
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
    errors = None
    if isinstance(exc, order_errors.OrderRejected):
        errors = [problem.to_json() for problem in exc.problems]
    elif isinstance(exc, order_errors.XentralRejectedOrder):
        errors = [problem.to_json() for problem in exc.violations]
    retry_after = getattr(exc, "retry_after", None)
    extra = dict(exc.extra)
    if status >= 500:
        # Our side or Xentral's failed: say whether sending the same request again can help.
        extra["retryable"] = exc.retryable if exc.retryable is not None else retry_after is not None
    return problem_response(
        status,
        exc.code,
        exc.title,
        exc.detail,
        errors=errors,
        instance=request.url.path,
        request_id=request_id_of(request),
        retry_after=retry_after if extra.get("retryable", True) else None,
        extra=extra,
    )


# A database that failed is back within seconds (a restart, a fail-over, a released lock) or
# not soon; retrying with the same reference is safe either way.
STORE_RETRY_AFTER_SECONDS = 5.0


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreUnavailable)
    log.error("request.database_unavailable", path=request.url.path, error=exc.detail)
    if exc.order_may_exist:
        detail = (
            "Our order database failed after the order was sent to Xentral, so the order may already exist "
            "there. Retrying with the same reference (or Idempotency-Key) is safe: the retry finds that order "
            "instead of creating a second one."
        )
    else:
        detail = (
            "Our order database is unavailable; this request created no order. Retrying with the same "
            "reference (or Idempotency-Key) is safe."
        )
    return problem_response(
        503,
        "database_unavailable",
        "The order database is unavailable",
        detail,
        instance=request.url.path,
        request_id=request_id_of(request),
        retry_after=STORE_RETRY_AFTER_SECONDS,
        extra={"order_may_exist": exc.order_may_exist, "retryable": True},
    )


async def _unauthenticated(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        401,
        "unauthenticated",
        "Authentication required",
        str(exc),
        instance=request.url.path,
        request_id=request_id_of(request),
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request body too large", 415: "Unsupported media type"}
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"}.get(
        exc.status_code, f"http_{exc.status_code}"
    )
    return problem_response(
        exc.status_code,
        code,
        titles.get(exc.status_code, "Request failed"),
        str(exc.detail) if exc.detail else None,
        instance=request.url.path,
        request_id=request_id_of(request),
        headers=dict(exc.headers or {}),
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("request.unhandled_error", path=request.url.path)
    return problem_response(
        500,
        "internal_error",
        "Internal error",
        "Something went wrong on our side; nothing about it depends on your request. "
        "Quote the request id when you contact support.",
        instance=request.url.path,
        request_id=request_id_of(request),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(order_errors.OrderError, _order_failed)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
