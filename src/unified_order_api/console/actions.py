"""What an operator can change: retry a failed order, redeliver a webhook. Each asks first.

The GET of an action is its confirmation page (changes nothing); the POST, with the session's
CSRF token, does it. Both actions go through the same code as the API: a retry is the order
service's `retry_failed` (the synchronous lane with the order's stored request, idempotency key
and reference); a redelivery is the delivery store's `redeliver`, as in the admin API. Who did
it and when is written into the order's steps, and logged.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from ..clock import utc_now
from ..orders import errors as order_errors
from ..orders.attempts import AttemptState, Step, StepName
from ..orders.commands import PlaceOrder
from .guard import Action, checked_action, current_session, service_container
from .masking import mask_url
from .pages import deliveries_of, journal_of
from .rendering import render
from .retries import dry_run

__all__ = ["router"]

log = structlog.get_logger(__name__)

router = APIRouter()

_FINISHED = (AttemptState.COMPLETED, AttemptState.FAILED)


def _order_page(request: Request, attempt_id: int, notice: str) -> Response:
    base = request.scope.get("root_path", "")
    return RedirectResponse(f"{base}/orders/{attempt_id}?notice={notice}", status_code=303)


def _missing(request: Request, what: str) -> Response:
    return render(request, "error.html", status_code=404, title="Not found", message=f"There is no such {what}.")


@router.get("/orders/{attempt_id}/retry", name="confirm_retry", dependencies=[Depends(current_session)])
async def confirm_retry(request: Request, attempt_id: int) -> Response:
    entry = await journal_of(request).entry(attempt_id)
    if entry is None:
        return _missing(request, "order")
    attempt = entry.attempt
    preview = None
    if attempt.state == AttemptState.FAILED and attempt.request is not None:
        preview = await dry_run(request, attempt, PlaceOrder.from_json(attempt.request))
    return render(
        request, "confirm_retry.html", title=f"Retry {attempt.reference}?", nav="orders", entry=entry, preview=preview
    )


@router.post("/orders/{attempt_id}/retry", name="retry")
async def retry(request: Request, attempt_id: int, action: Annotated[Action, Depends(checked_action)]) -> Response:
    journal = journal_of(request)
    entry = await journal.entry(attempt_id)
    if entry is None:
        return _missing(request, "order")
    attempt = entry.attempt
    if attempt.request is None:
        return _order_page(request, attempt_id, "no_request")
    operator = action.session.operator
    bound = log.bind(operator=operator, client=attempt.client, reference=attempt.reference)
    try:
        outcome = await service_container(request).orders.retry_failed(attempt, operator=operator, via="the console")
    except order_errors.XentralOutcomeUnknown as error:
        bound.warning("console.retry", result="outcome_unknown", code=error.code)
        return _order_page(request, attempt_id, "retry_unknown")
    except order_errors.OrderInProgress:
        bound.info("console.retry", result="in_progress")
        return _order_page(request, attempt_id, "retry_in_progress")
    except order_errors.OrderError as error:
        bound.info("console.retry", result="failed", code=error.code)
        return _order_page(request, attempt_id, "retry_failed")
    if outcome is None:
        return _order_page(request, attempt_id, "not_failed")
    bound.info("console.retry", result="completed", order_id=outcome.receipt.order_id)
    return _order_page(request, attempt_id, "retry_completed")


@router.get("/deliveries/{event_id}/redeliver", name="confirm_redeliver", dependencies=[Depends(current_session)])
async def confirm_redeliver(request: Request, event_id: str) -> Response:
    delivery = await deliveries_of(request).get(event_id)
    if delivery is None:
        return _missing(request, "webhook delivery")
    return render(
        request,
        "confirm_redeliver.html",
        title=f"Redeliver {event_id}?",
        nav="deliveries",
        delivery=delivery,
        url=mask_url(delivery.url),
    )


@router.post("/deliveries/{event_id}/redeliver", name="redeliver")
async def redeliver(request: Request, event_id: str, action: Annotated[Action, Depends(checked_action)]) -> Response:
    now = utc_now()
    delivery = await deliveries_of(request).redeliver(event_id, now)
    if delivery is None:
        return _missing(request, "webhook delivery")
    operator = action.session.operator
    reference = (delivery.payload.get("data") or {}).get("reference")
    attempt = await service_container(request).attempts.find(delivery.client, str(reference)) if reference else None
    log.info("console.redeliver", operator=operator, event_id=event_id, client=delivery.client, reference=reference)
    if attempt is None or attempt.id is None:
        base = request.scope.get("root_path", "")
        return RedirectResponse(f"{base}/deliveries?state=pending", status_code=303)
    await service_container(request).attempts.note(
        attempt.id,
        Step(
            StepName.OPERATOR_REDELIVERY, now, f"webhook {event_id} ({delivery.event_type}) redelivered by {operator}"
        ),
        only_in=_FINISHED,
    )
    return _order_page(request, attempt.id, "redelivered")
