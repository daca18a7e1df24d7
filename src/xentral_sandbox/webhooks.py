"""`/api/v1/webhooks` and `/api/v1/webhookEventTypes`: the subscription API, shaped as the 2026 spec says.

A subscription is `{id, name, url, signatureKey, events: [{id}]}`; reads never show the signature key
(the spec's view and list items have no such field). Create answers 201 with an empty `text/html` body
and `Location`, update and delete 204, an unknown id 404 with no body. Validation follows the spec's
schemas (`additionalProperties: false`, required fields, `signatureKey` of at least 20 characters on
update) and Xentral's help centre [HC] where the spec is silent: a name of at most 100 characters, a URL
of at most 255, a signature key of 20 to 255 characters on create too, only https URLs (switchable:
`SandboxConfig.webhook_https_only`, off so tests on loopback http can subscribe). An event id must be
one of `EVENT_TYPES` (assumption: Xentral refuses an unknown one as a request-validation problem).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field
from starlette.responses import Response

from .context import RequestContext, created, json_response
from .events import event_type
from .problems import empty, put_violation, request_validation
from .state import Record
from .validation import Closed, strict_json_validate

__all__ = [
    "EVENT_TYPES",
    "create_webhook",
    "delete_webhook",
    "get_webhook",
    "list_event_types",
    "list_webhooks",
    "update_webhook",
]

# The event types the sandbox offers (a subset of Xentral's AsyncAPI channels; a test pins each to it).
EVENT_TYPES: tuple[str, ...] = tuple(
    event_type(name)
    for name in (
        "salesOrder.created",
        "salesOrder.imported",
        "salesOrder.released",
        "salesOrder.dispatched",
        "salesOrder.updated",
        "salesOrder.deleted",
        "salesOrder.archived",
        "salesOrderPosition.delivered",
        "deliveryNote.created",
        "deliveryNote.released",
        "shipment.created",
        "shipment.labelCreated",
        "invoice.created",
        "return.created",
    )
)

MAX_NAME = 100
MAX_URL = 255
MIN_KEY, MAX_KEY = 20, 255


class EventRef(Closed):
    id: str


class WebhookCreate(Closed):
    name: str
    url: str
    signatureKey: str
    events: list[EventRef]


class WebhookUpdate(Closed):
    name: str
    url: str
    signatureKey: Annotated[str, Field(min_length=MIN_KEY)] | None = None
    events: list[EventRef]


def _check(ctx: RequestContext, data: dict[str, Any]) -> None:
    """What the schemas cannot say, every violation at once (a mirrored payload, as Xentral answers)."""
    violations: dict[str, Any] = {}
    name, url, key = data.get("name"), data.get("url"), data.get("signatureKey")
    if not name or not name.strip():
        put_violation(violations, ("name",), "This value should not be blank.")
    elif len(name) > MAX_NAME:
        put_violation(violations, ("name",), f"This value is too long. It should have {MAX_NAME} characters or less.")
    parts = urlsplit(url or "")
    schemes = ("https",) if ctx.config.webhook_https_only else ("https", "http")
    if len(url or "") > MAX_URL:
        put_violation(violations, ("url",), f"This value is too long. It should have {MAX_URL} characters or less.")
    elif parts.scheme not in schemes or not parts.netloc:
        put_violation(violations, ("url",), "This value is not a valid URL.")
    if key is not None and not MIN_KEY <= len(key) <= MAX_KEY:
        put_violation(violations, ("signatureKey",), f"This value should have {MIN_KEY} to {MAX_KEY} characters.")
    for index, event in enumerate(data.get("events") or []):
        if event["id"] not in EVENT_TYPES:
            put_violation(violations, ("events", index, "id"), "The value you selected is not a valid choice.")
    if violations:
        raise request_validation(violations)


def _shown(record: Record) -> Record:
    """A subscription as reads show it: never its signature key."""
    return {
        "id": record["id"],
        "name": record["name"],
        "url": record["url"],
        "events": [{"id": e} for e in record["events"]],
    }


def _unique_events(data: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(str(event["id"]) for event in data["events"]))


def create_webhook(ctx: RequestContext) -> Response:
    data = strict_json_validate(WebhookCreate, ctx.body)
    _check(ctx, data)
    state = ctx.state
    with state.lock:
        webhook_id = state.next_id(state.webhooks)
        state.webhooks[webhook_id] = {
            "id": webhook_id,
            "name": data["name"],
            "url": data["url"],
            "signatureKey": data["signatureKey"],
            "events": _unique_events(data),
        }
    return created(ctx.location(f"/api/v1/webhooks/{webhook_id}"))


def list_webhooks(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        return json_response({"data": [_shown(r) for r in ctx.state.webhooks.values()]})


def get_webhook(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        record = ctx.state.webhooks.get(ctx.path_params["id"])
        return json_response({"data": _shown(record)}) if record else empty(404)


def update_webhook(ctx: RequestContext) -> Response:
    data = strict_json_validate(WebhookUpdate, ctx.body)
    _check(ctx, data)
    with ctx.state.lock:
        record = ctx.state.webhooks.get(ctx.path_params["id"])
        if record is None:
            return empty(404)
        record.update(name=data["name"], url=data["url"], events=_unique_events(data))
        if data.get("signatureKey") is not None:
            record["signatureKey"] = data["signatureKey"]
    return Response(status_code=204)


def delete_webhook(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        if ctx.state.webhooks.pop(ctx.path_params["id"], None) is None:
            return empty(404)
    return Response(status_code=204)


def list_event_types(ctx: RequestContext) -> Response:
    """Every type the sandbox emits, with its group (`salesOrder` of `com.xentral.salesOrder.created.v1`)."""
    return json_response({"data": [{"id": t, "group": t.split(".")[2]} for t in EVENT_TYPES]})
