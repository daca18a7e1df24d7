"""The console's pages: the orders journal, one order, webhook deliveries, health, configuration.

Read-only: every page needs a session, none changes anything (the actions are in `actions.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from ..clock import utc_now
from ..lifecycle.model import LifecycleState
from ..orders.attempts import AttemptState
from ..orders.commands import PlaceOrder
from ..orders.journal import JournalQuery, JournalState, OrderJournal
from ..orders.refunds import refunded_total
from ..store.tracking import TrackingHealth
from ..webhooks.deliveries import DeliveryState, DeliveryStore
from .charts import calls_chart, outcomes_chart
from .configuration import configuration_view
from .days import day_of, days_between
from .guard import console_state, current_session, service_container
from .masking import mask_request, mask_url
from .rendering import render
from .retries import dry_run
from .shop_news import shop_news_of
from .write_back import write_back_of

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(current_session)])

PAGE_SIZE = 50
OUTCOME_HOURS = 24

NOTICES = {
    "retry_completed": ("ok", "The order was retried and is completed."),
    "retry_failed": ("bad", "The retry failed again; the error below says why."),
    "retry_in_progress": ("warn", "The order is being processed right now; reload in a moment."),
    "retry_unknown": ("warn", "Xentral did not confirm the retry; the order will be looked up before any new try."),
    "not_failed": ("warn", "Only a failed order can be retried; this one is not failed (any more)."),
    "no_request": ("bad", "The order's request was not stored, so it cannot be retried from here."),
    "redelivered": ("ok", "The webhook was queued for delivery again."),
    "write_back_redelivered": ("ok", "The write-back to the shop was queued again."),
    "write_back_not_dead": ("warn", "Only a dead write-back can be redelivered; this one is not dead (any more)."),
}


TIMELINE_STEPS = {
    LifecycleState.IMPORTED.value: "Imported",
    LifecycleState.RELEASED.value: "Released",
    LifecycleState.HELD.value: "Held",
    LifecycleState.DISPATCHED.value: "Dispatched",
    LifecycleState.PARTIALLY_SHIPPED.value: "Shipped in part",
    LifecycleState.SHIPPED.value: "Shipped",
    LifecycleState.COMPLETED.value: "Completed",
    LifecycleState.CANCELLED.value: "Cancelled",
}

# The journal's lifecycle filters: which tracked states each one shows.
LIFECYCLE_FILTERS = {
    "shipped": (LifecycleState.PARTIALLY_SHIPPED, LifecycleState.SHIPPED),
    "held": (LifecycleState.HELD,),
    "cancelled": (LifecycleState.CANCELLED,),
}


@dataclass(frozen=True, slots=True)
class TrackingRow:
    """The health page's line for one instance's tracking: how far behind it is, what it costs."""

    instance: str
    open_orders: int
    since_last_poll: dt.timedelta | None  # time since the last completed poll
    lag: dt.timedelta | None  # age of the oldest change not read yet: changes after `polled_until`
    calls_total: int  # every call tracking_polls recorded for the instance, by every process
    calls_per_minute: float  # this process's poller, over the budget's window
    budget_share: float  # calls_per_minute against the limiter's budget per minute

    @classmethod
    def of(
        cls, health: TrackingHealth, calls_per_minute: float, budget_per_minute: float, now: dt.datetime
    ) -> TrackingRow:
        return cls(
            instance=health.instance,
            open_orders=health.open_orders,
            since_last_poll=now - health.last_poll_at if health.last_poll_at else None,
            lag=now - health.polled_until if health.polled_until else None,
            calls_total=health.calls,
            calls_per_minute=calls_per_minute,
            budget_share=calls_per_minute / budget_per_minute if budget_per_minute else 0.0,
        )


def journal_of(request: Request) -> OrderJournal:
    return service_container(request).journal


def deliveries_of(request: Request) -> DeliveryStore:
    return service_container(request).deliveries


@router.get("/", name="journal")
async def journal(
    request: Request,
    client: str | None = None,
    state: str | None = None,
    q: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    attention: str | None = None,
    lifecycle: str | None = None,
    before: int | None = None,
) -> Response:
    states = {s.value: s for s in JournalState}
    now = utc_now()
    attention_after = dt.timedelta(seconds=service_container(request).settings.reconciler.attention_seconds)
    day_from, day_to = day_of(date_from), day_of(date_to)
    start, end = days_between(day_from, day_to)
    problems = []
    if state and state not in states:
        problems.append(f"Unknown state '{state}'")
    if lifecycle and lifecycle not in LIFECYCLE_FILTERS:
        problems.append(f"Unknown lifecycle filter '{lifecycle}'")
    if date_from and day_from is None:
        problems.append(f"'{date_from}' is not a date (YYYY-MM-DD)")
    if date_to and day_to is None:
        problems.append(f"'{date_to}' is not a date (YYYY-MM-DD)")
    query = JournalQuery(
        client=client or None,
        state=states.get(state or ""),
        text=(q or "").strip()[:200] or None,
        created_from=start,
        created_until=end,
        unresolved_since=now - attention_after if attention else None,
        lifecycle=LIFECYCLE_FILTERS.get(lifecycle or "", ()),
        before_id=before if before and before > 0 else None,
        limit=PAGE_SIZE,
    )
    page = await journal_of(request).search(query)
    filters = {
        "client": client,
        "state": state,
        "q": q,
        "date_from": date_from,
        "date_to": date_to,
        "attention": "1" if attention else None,
        "lifecycle": lifecycle if lifecycle in LIFECYCLE_FILTERS else None,
    }
    return render(
        request,
        "journal.html",
        title="Orders",
        nav="orders",
        page=page,
        filters=filters,
        clients=[c.name for c in service_container(request).settings.clients],
        states=[s.value for s in JournalState],
        lifecycle_filters=list(LIFECYCLE_FILTERS),
        problems=problems,
        paged=before is not None,
        now=now,
        attention_after=attention_after,
    )


@router.get("/orders/{attempt_id}", name="order")
async def order(request: Request, attempt_id: int, notice: str | None = None) -> Response:
    entry = await journal_of(request).entry(attempt_id)
    if entry is None:
        return render(request, "error.html", status_code=404, title="Not found", message="There is no such order.")
    attempt = entry.attempt
    deliveries = await deliveries_of(request).for_order(attempt.client, attempt.reference)
    refunds = await service_container(request).refunds.refunds_of(attempt.client, attempt.reference)
    preview = None
    if attempt.state == AttemptState.FAILED and attempt.request is not None:
        # What a retry would do now: none is offered where it would fail the same way.
        preview = await dry_run(request, attempt, PlaceOrder.from_json(attempt.request))
    tracked = await service_container(request).tracking.tracked(attempt.client, attempt.reference)
    write_back = await write_back_of(request, attempt.client, attempt.reference)
    cancellation, shop_changes = await shop_news_of(request, attempt.client, attempt.reference)
    return render(
        request,
        "order.html",
        preview=preview,
        title=f"Order {attempt.reference}",
        nav="orders",
        entry=entry,
        attempt=attempt,
        request_json=mask_request(attempt.request) if attempt.request is not None else None,
        original_json=mask_request(attempt.original_request) if attempt.original_request is not None else None,
        deliveries=deliveries,
        refunds=refunds,
        refunded_total=refunded_total(refunds) if refunds else None,
        tracked=tracked,
        write_back=write_back,
        cancellation=cancellation,
        shop_changes=shop_changes,
        timeline_steps=TIMELINE_STEPS,
        mask_url=mask_url,
        notice=NOTICES.get(notice or ""),
        now=utc_now(),
    )


@router.get("/deliveries", name="deliveries")
async def deliveries(request: Request, state: str | None = "dead", before: int | None = None) -> Response:
    states = {s.value: s for s in DeliveryState}
    chosen = states.get(state or "")
    rows = await deliveries_of(request).page(
        state=chosen, limit=PAGE_SIZE + 1, before=before if before and before > 0 else None
    )
    items, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    counts = await deliveries_of(request).count_by_state()
    return render(
        request,
        "deliveries.html",
        title="Webhook deliveries",
        nav="deliveries",
        items=items,
        next_before=items[-1].id if more and items else None,
        state=chosen.value if chosen else "",
        states=[s.value for s in DeliveryState],
        counts={s.value: n for s, n in counts.items()},
        mask_url=mask_url,
        paged=before is not None,
    )


@router.get("/health", name="health")
async def health(request: Request) -> Response:
    services = service_container(request)
    settings = services.settings
    budget = max(1, settings.xentral_rate_limit_per_minute - settings.xentral_rate_limit_reserve)
    per_minute = budget * 60.0 / settings.xentral_rate_window_seconds
    now = utc_now()
    first_hour = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=OUTCOME_HOURS - 1)
    hours = await journal_of(request).outcomes_by_hour(first_hour, now)
    counts = await deliveries_of(request).count_by_state()
    tracking = [
        TrackingRow.of(row, services.tracking_poller.budget.per_minute(row.instance, now), per_minute, now)
        for row in await services.tracking.health(now)
    ]
    return render(
        request,
        "health.html",
        title="Health",
        nav="health",
        calls=calls_chart(services.metrics.xentral_calls.last(), per_minute),
        outcomes=outcomes_chart(hours),
        hours=hours,
        queue_depth=await services.attempts.queue_depth(),
        dead=counts[DeliveryState.DEAD],
        pending=counts[DeliveryState.PENDING],
        readiness=await services.readiness.check(),
        per_minute=per_minute,
        xentral_url=mask_url(settings.xentral_url),
        tracking=tracking,
        tracking_enabled=settings.tracking.enabled,
        budget_window_minutes=services.tracking_poller.budget.window.total_seconds() / 60,
    )


@router.get("/configuration", name="configuration")
async def configuration(request: Request) -> Response:
    services = service_container(request)
    view = await configuration_view(services, journal_of(request), console_state(request).checks, utc_now())
    return render(request, "configuration.html", title="Configuration", nav="configuration", view=view)
