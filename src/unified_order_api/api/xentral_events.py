"""POST /api/xentral/{instance}/events: Xentral's signed webhook delivery (docs/xentral.md#events-webhooks).

The intake (`xentral_events/intake.py`) verifies and queues; this router answers 202 at once (the
event worker does the rest), 200 for a repeat, problem+json for a refusal — which changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..xentral_events.intake import EventInstanceUnknown
from .dependencies import container
from .problems import problem_responses

__all__ = ["router"]

router = APIRouter(prefix="/api/xentral", tags=["xentral"])
_HEADERS = [
    {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": text}
    for name, text in (
        ("xentral-signature", "HMAC-SHA256 of the body followed by the timestamp, keyed with our signature key"),
        ("xentral-request-timestamp", "When Xentral sent it (Unix seconds)"),
    )
]
_BODY = {
    "required": True,
    "description": 'Xentral\'s event, `{"type": "com.xentral.EVENTTYPE.vX", "body": {…}}`, read as raw bytes',
    "content": {"application/json": {"schema": {"type": "object"}}},
}


@router.post(
    "/{instance}/events",
    status_code=202,
    summary="A Xentral event (webhook), signed with our subscription's key",
    responses={200: {"description": "A repeat of an event already received"}, **problem_responses(400, 401, 404, 422)},
    openapi_extra={"requestBody": _BODY, "parameters": _HEADERS},
)
async def xentral_event(instance: str, request: Request) -> JSONResponse:
    intake = container(request).xentral_events
    if intake is None:
        raise EventInstanceUnknown("Xentral events are not received here")
    headers = {name.lower(): value for name, value in request.headers.items()}
    receipt = await intake.receive(instance, headers, await request.body())
    status = 202 if receipt.outcome == "queued" else 200
    return JSONResponse({"outcome": receipt.outcome, "type": receipt.event_type}, status_code=status)
