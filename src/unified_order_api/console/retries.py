"""Fix, preview, retry: what a retry would do now (a dry run with mappings and products as they are now),
a retry with a corrected request, and a bulk retry of the failed orders a filter selects.

The dry run is the order service's `preview_order` (nothing written). A retry is not offered where the dry
run fails with the failure the order has. A corrected request is read as the order service reads a stored
one (its lines checked, its reference kept), and goes through `retry_corrected` (the change noted in the order's steps,
the original kept). A bulk retry counts first and asks; each order is the same `retry_failed` as one retry.
Every action is the signed-in operator's, written into the order's steps and logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from ..api.dry_run import OrderPreviewOut
from ..orders import errors as order_errors
from ..orders.attempts import Attempt, AttemptState
from ..orders.commands import PlaceOrder
from ..orders.journal import JournalPage, JournalQuery, JournalState
from .days import day_of, days_between
from .formatting import without_nulls
from .guard import Action, checked_action, current_session, service_container
from .rendering import render

__all__ = ["RetryPreview", "dry_run", "router"]

log = structlog.get_logger(__name__)

router = APIRouter()

BULK_LIMIT = 100  # orders one bulk retry takes at most (each is a full order flow); run it again for more


@dataclass(frozen=True, slots=True)
class RetryPreview:
    """What a retry would do now: `summary` of the dry run, or the `error` it fails with."""

    summary: dict[str, Any] | None
    error: dict[str, Any] | None
    same_failure: bool  # fails with the code the order failed with: a retry would repeat it

    @property
    def offered(self) -> bool:
        return not self.same_failure


async def dry_run(request: Request, attempt: Attempt, command: PlaceOrder) -> RetryPreview:
    """The dry run of `command` as client `attempt.client` under the order's key; Xentral's failures and
    refusals become the preview's `error` (the store's outage is the console's 503 page)."""
    try:
        preview = await service_container(request).orders.preview_order(
            command, client=attempt.client, key=attempt.key, fresh=True
        )
    except order_errors.OrderError as error:
        failed = error.to_json()
        earlier = (attempt.error or {}).get("code")
        return RetryPreview(None, failed, same_failure=earlier == failed["code"])
    summary = OrderPreviewOut.from_preview(preview).model_dump(mode="json", exclude_none=True)
    summary.pop("import_payload", None)
    return RetryPreview(summary, None, same_failure=False)


def _changed(before: Any, after: Any, pointer: str = "") -> list[str]:
    """The JSON pointers where `after` differs from `before` (the fields an operator corrected)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            found += _changed(before.get(key), after.get(key), f"{pointer}/{key}")
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            p
            for index, (b, a) in enumerate(zip(before, after, strict=True))
            for p in _changed(b, a, f"{pointer}/{index}")
        ]
    return [] if before == after else [pointer or "/"]


def _filled(value: Any, shape: Any) -> Any:
    """`value` with every field `shape` (the stored request) has and it left out, as the stored request
    writes an absent one (null, or an empty list): the form shows the request without them."""
    if isinstance(value, dict) and isinstance(shape, dict):
        filled = dict(value)
        for key, kept in shape.items():
            if key not in filled:
                filled[key] = [] if isinstance(kept, list) else {} if kept == {} else None
            else:
                filled[key] = _filled(filled[key], kept)
        return filled
    if isinstance(value, list) and isinstance(shape, list) and shape:
        return [_filled(item, shape[0]) for item in value]
    return value


def _validated(text: str, reference: str, shape: dict[str, Any]) -> tuple[PlaceOrder | None, list[dict[str, str]]]:
    """The corrected request (in the shape the order keeps it) read as the order service reads a stored
    one, each line's SKU and quantity checked, the reference kept; or every problem with its pointer.
    The dry run then applies every rule of the order flow to it."""
    try:
        body = json.loads(text)
    except ValueError as error:
        return None, [{"pointer": "/", "code": "invalid_json", "detail": f"Not valid JSON: {error}"}]
    if not isinstance(body, dict):
        return None, [{"pointer": "/", "code": "invalid_json", "detail": "The request must be a JSON object"}]
    errors: list[dict[str, str]] = []
    if body.get("reference") != reference:
        errors.append(
            {"pointer": "/reference", "code": "reference_changed", "detail": f"The reference stays '{reference}'"}
        )
    items = body.get("items")
    if not isinstance(items, list) or not items:
        errors.append({"pointer": "/items", "code": "required", "detail": "At least one item is required"})
    else:
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not str(item.get("sku") or "").strip():
                errors.append({"pointer": f"/items/{index}/sku", "code": "required", "detail": "An SKU is required"})
                continue
            try:
                quantity = Decimal(str(item.get("quantity")))
            except ArithmeticError:
                quantity = Decimal(0)
            if not quantity.is_finite() or quantity <= 0:
                errors.append(
                    {"pointer": f"/items/{index}/quantity", "code": "invalid", "detail": "The quantity must be above 0"}
                )
    if errors:
        return None, errors
    try:
        return PlaceOrder.from_json(_filled(body, shape)), []
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
        detail = f"Not an order request ({type(error).__name__}: {error})"
        return None, [{"pointer": "/", "code": "invalid", "detail": detail[:300]}]


async def _failed_order(request: Request, attempt_id: int) -> Attempt | None:
    entry = await service_container(request).journal.entry(attempt_id)
    return entry.attempt if entry is not None else None


@router.get("/orders/{attempt_id}/correct", name="correct", dependencies=[Depends(current_session)])
async def correct_form(request: Request, attempt_id: int) -> Response:
    attempt = await _failed_order(request, attempt_id)
    if attempt is None or attempt.request is None:
        return _missing(request)
    text = json.dumps(without_nulls(attempt.request), indent=2, ensure_ascii=False)
    return _correct_page(request, attempt, text)


def _correct_page(
    request: Request,
    attempt: Attempt,
    text: str,
    *,
    errors: list[dict[str, str]] | None = None,
    preview: RetryPreview | None = None,
    changed: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "correct.html",
        status_code=status_code,
        title=f"Correct {attempt.reference}",
        nav="orders",
        attempt=attempt,
        text=text,
        errors=errors or [],
        preview=preview,
        changed=changed or [],
    )


@router.post("/orders/{attempt_id}/correct", name="correct_submit")
async def correct(request: Request, attempt_id: int, action: Annotated[Action, Depends(checked_action)]) -> Response:
    attempt = await _failed_order(request, attempt_id)
    if attempt is None or attempt.request is None:
        return _missing(request)
    text = action.form.get("request", "")
    command, errors = _validated(text, attempt.reference, attempt.request)
    if command is None:
        return _correct_page(request, attempt, text, errors=errors, status_code=422)
    changed = _changed(without_nulls(attempt.request), without_nulls(command.to_json()))
    if action.form.get("do") != "retry":
        preview = await dry_run(request, attempt, command)
        return _correct_page(request, attempt, text, preview=preview, changed=changed)
    operator = action.session.operator
    bound = log.bind(operator=operator, client=attempt.client, reference=attempt.reference, changed=changed)
    notice = "retry_completed"
    try:
        outcome = await service_container(request).orders.retry_corrected(
            attempt, command, operator=operator, via="the console", changed=changed
        )
        if outcome is None:
            notice = "not_failed"
    except order_errors.XentralOutcomeUnknown:
        notice = "retry_unknown"
    except order_errors.OrderInProgress:
        notice = "retry_in_progress"
    except order_errors.OrderError as error:
        bound.info("console.retry_corrected", result="failed", code=error.code)
        notice = "retry_failed"
    bound.info("console.retry_corrected", result=notice)
    base = request.scope.get("root_path", "")
    return RedirectResponse(f"{base}/orders/{attempt_id}?notice={notice}", status_code=303)


def _bulk_query(filters: dict[str, str | None], limit: int) -> JournalQuery:
    start, end = days_between(day_of(filters.get("date_from")), day_of(filters.get("date_to")))
    return JournalQuery(
        client=filters.get("client") or None,
        state=JournalState.FAILED,
        error_code=(filters.get("code") or "").strip()[:64] or None,
        created_from=start,
        created_until=end,
        limit=limit,
    )


def _bulk_page(
    request: Request,
    filters: dict[str, str | None],
    page: JournalPage,
    *,
    result: dict[str, int] | None = None,
    changed: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "confirm_bulk_retry.html",
        status_code=status_code,
        title="Bulk retry done" if result else "Retry failed orders?",
        nav="orders",
        filters=filters,
        page=page,
        limit=BULK_LIMIT,
        clients=[c.name for c in service_container(request).settings.clients],
        result=result,
        changed=changed,
    )


_BULK_FILTERS = ("client", "code", "date_from", "date_to")


@router.get("/retry-bulk", name="confirm_bulk_retry", dependencies=[Depends(current_session)])
async def confirm_bulk_retry(
    request: Request,
    client: str | None = None,
    code: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> Response:
    filters = {"client": client, "code": code, "date_from": date_from, "date_to": date_to}
    page = await service_container(request).journal.search(_bulk_query(filters, BULK_LIMIT))
    return _bulk_page(request, filters, page)


@router.post("/retry-bulk", name="bulk_retry")
async def bulk_retry(request: Request, action: Annotated[Action, Depends(checked_action)]) -> Response:
    filters: dict[str, str | None] = {name: action.form.get(name) or None for name in _BULK_FILTERS}
    page = await service_container(request).journal.search(_bulk_query(filters, BULK_LIMIT))
    confirmed = action.form.get("count", "")
    operator = action.session.operator
    if confirmed != str(page.total):
        # What the filter selects changed since the count was shown: count again, ask again.
        return _bulk_page(request, filters, page, changed=True, status_code=409)
    tally: dict[str, int] = {"completed": 0, "failed": 0, "skipped": 0}
    orders = service_container(request).orders
    for entry in page.entries:
        attempt = entry.attempt
        if attempt.request is None or attempt.state != AttemptState.FAILED:
            tally["skipped"] += 1
            continue
        try:
            outcome = await orders.retry_failed(attempt, operator=operator, via="a bulk retry in the console")
        except order_errors.OrderError:
            tally["failed"] += 1
            continue
        tally["completed" if outcome is not None else "skipped"] += 1
    log.info("console.bulk_retry", operator=operator, filters=filters, **tally)
    return _bulk_page(request, filters, page, result=tally)


def _missing(request: Request) -> Response:
    return render(request, "error.html", status_code=404, title="Not found", message="There is no such order.")
