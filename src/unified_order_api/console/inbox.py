"""The console's inbox: refused and ignored requests beside the orders, one entry's page, and the replay
of a refused shop arrival once the configuration is fixed.

The replay is an operator action (asked first, CSRF-checked): the kept body and headers go through the
shop intake's `replay`, the same path as an arrival but for the signature; who replayed it, when and
what came of it is appended to the entry (and logged). The refusal itself stays as it was.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from ..clock import utc_now
from ..inbox import InboxQuery, Replay
from ..inbox.model import Channel, Outcome
from ..orders.attempts import ReceivedBody
from ..orders.errors import OrderError
from ..shops import Arrival
from ..shops.intake import ShopRefused
from .days import day_of, days_between
from .guard import Action, checked_action, current_session, service_container
from .rendering import render

__all__ = ["router"]

log = structlog.get_logger(__name__)

router = APIRouter()

PAGE_SIZE = 50
_CHANNELS: tuple[Channel, ...] = ("orders", "shop")
_OUTCOMES: tuple[Outcome, ...] = ("refused", "ignored")
NOTICES = {
    "accepted": ("ok", "The arrival was replayed and its order accepted; it is made on the async lane."),
    "duplicate": ("warn", "The arrival was replayed: its order was received before, nothing was created again."),
    "ignored": ("warn", "The arrival was replayed and ignored again; the reason is below."),
    "refused": ("bad", "The arrival was replayed and refused again; the reason is below."),
}


@router.get("/inbox", name="inbox", dependencies=[Depends(current_session)])
async def inbox(
    request: Request,
    client: str | None = None,
    channel: str | None = None,
    outcome: str | None = None,
    code: str | None = None,
    q: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    before: int | None = None,
) -> Response:
    services = service_container(request)
    day_from, day_to = day_of(date_from), day_of(date_to)
    start, end = days_between(day_from, day_to)
    problems = []
    if channel and channel not in _CHANNELS:
        problems.append(f"Unknown channel '{channel}'")
    if outcome and outcome not in _OUTCOMES:
        problems.append(f"Unknown outcome '{outcome}'")
    if date_from and day_from is None:
        problems.append(f"'{date_from}' is not a date (YYYY-MM-DD)")
    if date_to and day_to is None:
        problems.append(f"'{date_to}' is not a date (YYYY-MM-DD)")
    query = InboxQuery(
        client=client or None,
        channel=channel if channel in _CHANNELS else None,
        outcome=outcome if outcome in _OUTCOMES else None,
        code=(code or "").strip()[:64] or None,
        text=(q or "").strip()[:200] or None,
        received_from=start,
        received_until=end,
        before_id=before if before and before > 0 else None,
        limit=PAGE_SIZE,
    )
    page = await services.inbox.search(query)
    filters = {
        "client": client,
        "channel": channel,
        "outcome": outcome,
        "code": code,
        "q": q,
        "date_from": date_from,
        "date_to": date_to,
    }
    return render(
        request,
        "inbox.html",
        title="Inbox",
        nav="inbox",
        page=page,
        filters=filters,
        clients=[c.name for c in services.settings.clients],
        channels=_CHANNELS,
        outcomes=_OUTCOMES,
        codes=await services.inbox.codes(),
        problems=problems,
        paged=before is not None,
        enabled=services.settings.inbox.enabled,
    )


@router.get("/inbox/{entry_id}", name="inbox_entry", dependencies=[Depends(current_session)])
async def inbox_entry(request: Request, entry_id: int, notice: str | None = None) -> Response:
    services = service_container(request)
    entry = await services.inbox.get(entry_id)
    if entry is None:
        return _missing(request)
    order = None
    reference = entry.last_replay.reference if entry.last_replay else entry.reference
    if reference and entry.client:
        order = await services.attempts.find(entry.client, reference)
    return render(
        request,
        "inbox_entry.html",
        title=f"Inbox entry {entry.id}",
        nav="inbox",
        entry=entry,
        order=order,
        notice=NOTICES.get(notice or ""),
    )


@router.get("/inbox/{entry_id}/replay", name="confirm_replay", dependencies=[Depends(current_session)])
async def confirm_replay(request: Request, entry_id: int) -> Response:
    entry = await service_container(request).inbox.get(entry_id)
    if entry is None:
        return _missing(request)
    return render(request, "confirm_replay.html", title=f"Replay inbox entry {entry.id}?", nav="inbox", entry=entry)


@router.post("/inbox/{entry_id}/replay", name="replay")
async def replay(request: Request, entry_id: int, action: Annotated[Action, Depends(checked_action)]) -> Response:
    services = service_container(request)
    entry = await services.inbox.get(entry_id)
    if entry is None:
        return _missing(request)
    if not entry.replayable or entry.client is None or entry.shop is None:
        return render(
            request,
            "error.html",
            status_code=409,
            title="Cannot be replayed",
            message="Only a refused shop arrival whose whole body was kept can be replayed.",
        )
    operator = action.session.operator
    arrival = Arrival.of(entry.headers.items(), entry.body.encode())
    try:
        # The order it makes keeps the body the inbox kept as the body it arrived with.
        received = ReceivedBody(entry.body, entry.body_bytes, entry.body_truncated)
        answer = await services.shop_intake().replay(entry.client, entry.shop, arrival, received=received)
    except ShopRefused as refused:
        done = Replay(operator, utc_now(), "refused", code=refused.code, detail=refused.detail)
    except OrderError as error:  # the order flow refused what the intake accepted (e.g. a key reused)
        done = Replay(operator, utc_now(), "refused", code=error.code, detail=error.detail)
    else:
        done = Replay(operator, utc_now(), answer.outcome, detail=answer.reason, reference=answer.reference)
    await services.inbox.add_replay(entry_id, done)
    log.info(
        "console.replay",
        operator=operator,
        entry=entry_id,
        client=entry.client,
        shop=entry.shop,
        result=done.outcome,
        code=done.code,
        reference=done.reference,
    )
    base = request.scope.get("root_path", "")
    return RedirectResponse(f"{base}/inbox/{entry_id}?notice={done.outcome}", status_code=303)


def _missing(request: Request) -> Response:
    return render(request, "error.html", status_code=404, title="Not found", message="There is no such inbox entry.")
