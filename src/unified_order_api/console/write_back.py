"""The order page's write-back: its jobs with each attempt's answer, and an operator's redelivery of a dead one.

As every console action, the redelivery asks first (GET: the confirmation page, changes nothing) and
is made by the POST with the session's CSRF token; the queue records it as an attempt naming the
operator, and gives the job a new give-up time. Shop answers are shown as the adapters wrote them
(never a header or a credential: `shop_apis.errors`), escaped by the templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from ..clock import utc_now
from ..orders.attempts import AttemptState, Step, StepName
from ..write_back import WriteBackJob
from .guard import Action, checked_action, current_session, service_container
from .rendering import render

__all__ = ["OrderWriteBack", "router", "write_back_of"]

log = structlog.get_logger(__name__)

router = APIRouter()


@dataclass(frozen=True, slots=True)
class OrderWriteBack:
    """What the order page shows: whether the client's shop writes back, and the order's jobs."""

    shop: bool  # the client has a shop block
    writes_back: bool  # … with `api` credentials
    jobs: list[WriteBackJob]


async def write_back_of(request: Request, client: str, reference: str) -> OrderWriteBack:
    services = service_container(request)
    shop = next((c.shop for c in services.settings.clients if c.name == client), None)
    writes = services.write_back is not None and services.write_back.writes_back(client)
    jobs = await services.write_back_jobs.jobs_of(client, reference) if services.write_back_jobs else []
    return OrderWriteBack(shop is not None, writes, jobs)


async def _job(request: Request, job_id: int) -> WriteBackJob | None:
    queue = service_container(request).write_back_jobs
    return await queue.job(job_id) if queue is not None else None


def _missing(request: Request) -> Response:
    return render(request, "error.html", status_code=404, title="Not found", message="There is no such write-back.")


@router.get(
    "/write-back/{job_id}/redeliver", name="confirm_write_back_redeliver", dependencies=[Depends(current_session)]
)
async def confirm_redeliver(request: Request, job_id: int) -> Response:
    job = await _job(request, job_id)
    if job is None:
        return _missing(request)
    attempt = await service_container(request).attempts.find(job.client, job.reference)
    return render(
        request,
        "confirm_write_back.html",
        title=f"Redeliver write-back {job.id}?",
        nav="orders",
        job=job,
        attempt_id=attempt.id if attempt is not None else None,
    )


@router.post("/write-back/{job_id}/redeliver", name="write_back_redeliver")
async def redeliver(request: Request, job_id: int, action: Annotated[Action, Depends(checked_action)]) -> Response:
    services = service_container(request)
    queue = services.write_back_jobs
    if queue is None:
        return _missing(request)
    now, operator = utc_now(), action.session.operator
    give_up = dt.timedelta(hours=services.settings.write_back.give_up_hours)
    job = await queue.redeliver(job_id, operator=operator, now=now, give_up_at=now + give_up)
    found = job or await queue.job(job_id)
    if found is None:
        return _missing(request)
    notice = "write_back_redelivered" if job is not None else "write_back_not_dead"
    log.info("console.write_back_redeliver", operator=operator, job=job_id, client=found.client, done=job is not None)
    attempt = await services.attempts.find(found.client, found.reference)
    base = request.scope.get("root_path", "")
    if attempt is None or attempt.id is None:
        return RedirectResponse(f"{base}/", status_code=303)
    if job is not None:
        detail = f"shop write-back {job.id} ({job.kind.value}) redelivered by {operator}"
        await services.attempts.note(
            attempt.id, Step(StepName.OPERATOR_REDELIVERY, now, detail), only_in=(AttemptState.COMPLETED,)
        )
    return RedirectResponse(f"{base}/orders/{attempt.id}?notice={notice}#write-back", status_code=303)
