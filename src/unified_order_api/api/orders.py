"""POST /api/orders, GET /api/orders/{reference} and the change feed GET /api/orders: parse, call, answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Body, Depends, Header, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from ..config import ApiClient
from ..inbox.masking import received_body
from ..metrics import OrderOutcomeLabel
from ..orders import errors as order_errors
from ..orders.attempts import ReceivedBody, StoreUnavailable
from ..orders.commands import PlaceOrder
from ..orders.service import OrderOutcome
from .auth import api_key_scheme, bearer_scheme, presented_key
from .dependencies import api_keys, container
from .dry_run import DRY_RUN, OrderPreviewOut, dry_run_response
from .errors import OrderNotFound
from .lifecycle_schemas import ChangeFeedOut, ChangeOut, LifecycleOut
from .problems import problem_responses
from .schemas import ORDER_REQUEST_EXAMPLES, OrderOut, OrderRequest, OrderStatusOut

router = APIRouter(prefix="/api/orders", tags=["orders"])


# The refusals a `POST /api/orders` is answered with (by class: `problem_examples`); 409, 413, 415, 503 and
# 504 show every example of their status.
CREATE_ORDER_PROBLEMS = (
    "MalformedRequest",
    "Unauthenticated",
    "RequestInvalid",
    "IdempotencyKeyReused",
    "OrderRejected",
    "CustomerNotFound",
    "TotalMismatch",
    "OrderCancelled",
    "XentralRejectedOrder",
    "XentralFailed",
    "XentralFailedOutcomeUnknown",
    "XentralOrderUnconfirmed",
    "XentralAccessDenied",
    "XentralMisconfigured",
    "XentralMisbehaved",
    "XentralRejectedRequest",
    "XentralFilterIgnored",
)


def api_client(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    _api_key: Annotated[str | None, Security(api_key_scheme)],
) -> ApiClient:
    client = api_keys(request).client_for(presented_key(request))
    request.state.api_client = client.name  # who sent it, for the inbox when the request is refused
    return client


def _location(reference: str) -> str:
    return f"/api/orders/{quote(reference, safe='')}"


@router.post(
    "",
    status_code=201,
    response_model=OrderOut,
    summary="Create a released Xentral sales order from one request",
    responses={
        200: {
            "model": OrderOut | OrderPreviewOut,
            "description": (
                "The order already existed in Xentral and is returned; or, with `Prefer: dry-run`, what the "
                "order would become (nothing written; `Preference-Applied: dry-run`)"
            ),
        },
        202: {"model": OrderStatusOut, "description": "Accepted for the async lane (Prefer: respond-async)"},
        **problem_responses(400, 401, 409, 413, 415, 422, 502, 503, 504, examples=CREATE_ORDER_PROBLEMS),
    },
)
async def create_order(
    order: Annotated[OrderRequest, Body(openapi_examples=ORDER_REQUEST_EXAMPLES)],
    request: Request,
    client: Annotated[ApiClient, Depends(api_client)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Optional; defaults to the order's reference",
        ),
    ] = None,
    prefer: Annotated[
        str | None,
        Header(
            max_length=1000,
            description=(
                "`respond-async`: answer 202 at once and create the order in the background; `dry-run`: run every "
                "read and check and answer 200 with what the order would become, writing nothing"
            ),
        ),
    ] = None,
) -> JSONResponse:
    service = container(request).orders
    command = order.to_command()
    structlog.contextvars.bind_contextvars(reference=command.reference, client=client.name)
    metrics = container(request).metrics
    preferences = _preferences(prefer)
    if DRY_RUN in preferences:
        preview = await service.preview_order(command, client=client.name, key=idempotency_key)
        metrics.order("dry_run")
        return dry_run_response(preview)
    # What arrived, beside the normalised request (masked and capped as the inbox keeps a refused body).
    received = received_body(await request.body(), container(request).settings.inbox.max_body_bytes)
    if "respond-async" in preferences or client.respond_async:
        return await _accept(request, command, client, idempotency_key, received)
    try:
        outcome = await service.place_order(command, client=client.name, key=idempotency_key, received=received)
    except order_errors.OrderError as error:
        metrics.order(_failure_outcome(error))
        raise
    except StoreUnavailable:
        metrics.order("failed")
        raise
    metrics.order("replayed" if outcome.replayed else outcome.receipt.outcome)
    return _finished(outcome, command.reference)


def _finished(outcome: OrderOutcome, reference: str) -> JSONResponse:
    body = OrderOut.from_receipt(outcome.receipt)
    headers = {"Location": _location(reference)}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    status = 201 if outcome.receipt.outcome == "created" else 200
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _preferences(prefer: str | None) -> set[str]:
    """RFC 7240: the preference tokens of a `Prefer` header (`respond-async`, `dry-run`, …)."""
    if not prefer:
        return set()
    return {part.split(";", 1)[0].split("=", 1)[0].strip().lower() for part in prefer.split(",")}


async def _accept(
    request: Request, command: PlaceOrder, client: ApiClient, key: str | None, received: ReceivedBody
) -> JSONResponse:
    accepted = await container(request).orders.accept_order(command, client=client.name, key=key, received=received)
    if accepted.outcome is not None:
        return _finished(accepted.outcome, command.reference)
    container(request).metrics.order("queued")
    body = OrderStatusOut.from_attempt(accepted.attempt)
    headers = {"Location": _location(command.reference), "Preference-Applied": "respond-async"}
    return JSONResponse(body.model_dump(mode="json"), status_code=202, headers=headers)


def _failure_outcome(error: order_errors.OrderError) -> OrderOutcomeLabel:
    """`failed` when Xentral let us down (5xx to the caller), `rejected` when the request was refused."""
    return "failed" if isinstance(error, order_errors.XentralSideError) else "rejected"


@router.get(
    "/{reference}",
    response_model=OrderStatusOut,
    summary="The state of an order sent earlier: processing, completed or failed, with its steps",
    responses=problem_responses(401, 404, 422, examples=["Unauthenticated", "OrderNotFound", "RequestInvalid"]),
)
async def order_status(
    reference: str, request: Request, client: Annotated[ApiClient, Depends(api_client)]
) -> OrderStatusOut:
    services = container(request)
    attempt = await services.orders.order_status(client=client.name, reference=reference)
    if attempt is None:
        raise OrderNotFound(f"No order with reference '{reference}' was sent by this client")
    refunds = await services.refunds.refunds_of(client.name, attempt.reference)
    status = OrderStatusOut.from_attempt(attempt).with_refunds(refunds)
    if services.cancellations is not None and services.shop_changes is not None:
        cancellation = await services.cancellations.cancellation_of(client.name, attempt.reference)
        changes = await services.shop_changes.changes_of(client.name, attempt.reference)
        status = status.with_shop_news(cancellation, changes)
    tracked = await services.tracking.tracked(client.name, attempt.reference)
    if tracked is not None:
        status.lifecycle = LifecycleOut.of(tracked)
    return status


@router.get(
    "",
    response_model=ChangeFeedOut,
    summary="The change feed: this client's orders' lifecycle changes (dispatched, shipped, …), oldest first",
    responses=problem_responses(401, 422),
)
async def order_changes(
    request: Request,
    client: Annotated[ApiClient, Depends(api_client)],
    updated_since: Annotated[
        dt.datetime | None, Query(description="Only changes at or after this time (ISO 8601; no zone: UTC)")
    ] = None,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$", description="`next_cursor` of the last page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ChangeFeedOut:
    since = updated_since.replace(tzinfo=dt.UTC) if updated_since and updated_since.tzinfo is None else updated_since
    after = int(cursor) if cursor else 0
    found = await container(request).tracking.client_changes(client.name, after=after, limit=limit + 1, since=since)
    page = found[:limit]
    last = page[-1].change_id if page else after
    return ChangeFeedOut(
        changes=[ChangeOut.of(change) for change in page],
        next_cursor=str(last) if last else None,
        has_more=len(found) > limit,
    )
