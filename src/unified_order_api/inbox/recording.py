"""The edge records every refused or ignored request to the order and shop endpoints: one middleware,
so no refusal is missed, whichever layer refused it (the body guard, authentication, validation, the
order flow, the shop intake).

A request is recorded as its answer is sent (before the answer's last part, so whoever reads the answer
finds the entry), from what goes over the wire: the status, the
problem+json body (code, detail, pointers) or the shop answer's `ignored` reason, and the request body
as it arrived (masked and capped by `masking`). Recording is limited per source (the sender's address)
to `per_source_per_minute`, and to ten times that in all, across every process when Redis or PostgreSQL
is configured (`limits`), so a flood fills neither the table nor the database's time; what is not
recorded is counted on the source's next entry. A failure to record is
logged and never changes an answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..clock import utc_now
from .limits import SourceLimits
from .masking import keep_body, keep_headers
from .model import Channel, Inbox, NewInboxEntry, Outcome

__all__ = ["InboxRecording", "RefusalRecorder"]

log = structlog.get_logger(__name__)

_ORDERS = re.compile(r"^/api/orders/?$")
_SHOP = re.compile(r"^/api/shops/(?P<client>[^/]{1,64})/(?P<kind>[^/]{1,32})/?$")
_ANSWER_BYTES = 64_000  # a problem body is small; more is not read for the record


@dataclass
class InboxRecording:
    """What the middleware records into, and how: the inbox, the size cap of a kept body, the limiter."""

    inbox: Inbox
    max_body_bytes: int
    limiter: SourceLimits

    async def record(self, entry: NewInboxEntry) -> None:
        allowed, suppressed = await self.limiter.allow(entry.source)
        if not allowed:
            return
        try:
            await self.inbox.add(replace(entry, suppressed_before=suppressed) if suppressed else entry)
        except Exception as error:  # never the answer's problem; the log says what was lost
            log.warning("inbox.record_failed", error=type(error).__name__, path=entry.path, status=entry.status)


class RefusalRecorder:
    """ASGI middleware around the order and shop routes; `recording_of` finds the running service's
    `InboxRecording` (None while it has none: not started, or the inbox is off)."""

    def __init__(self, app: ASGIApp, recording_of: Callable[[Scope], InboxRecording | None]) -> None:
        self.app = app
        self.recording_of = recording_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        shop = _SHOP.match(path)
        if shop is None and _ORDERS.match(path) is None:
            await self.app(scope, receive, send)
            return
        recording = self.recording_of(scope)
        if recording is None or _is_dry_run(scope):
            await self.app(scope, receive, send)
            return
        received = bytearray()
        size = 0
        answer = bytearray()
        status = 0
        limit = recording.max_body_bytes + 1

        async def receive_and_keep() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                chunk: bytes = message.get("body", b"")
                size += len(chunk)
                if len(received) < limit:
                    received.extend(chunk[: limit - len(received)])
            return message

        async def send_and_keep(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                if len(answer) < _ANSWER_BYTES:
                    answer.extend(message.get("body", b"")[: _ANSWER_BYTES - len(answer)])
                if not message.get("more_body", False):
                    # Recorded before the answer's end leaves: whoever reads the answer finds the entry.
                    await self._record(recording, scope, shop, status, bytes(answer), bytes(received), size)
            await send(message)

        await self.app(scope, receive_and_keep, send_and_keep)

    async def _record(
        self,
        recording: InboxRecording,
        scope: Scope,
        shop: re.Match[str] | None,
        status: int,
        answer: bytes,
        body: bytes,
        size: int,
    ) -> None:
        channel: Channel = "shop" if shop else "orders"
        verdict = _verdict(channel, status, answer)
        if verdict is None:
            return
        outcome, code, detail, errors = verdict
        kept = keep_body(body, recording.max_body_bytes)
        state = scope.get("state", {})
        entry = NewInboxEntry(
            received_at=utc_now(),
            channel=channel,
            client=shop.group("client") if shop else state.get("api_client"),
            shop=shop.group("kind") if shop else None,
            source=_source(scope),
            path=str(scope.get("path", ""))[:512],
            status=status,
            outcome=outcome,
            code=code[:64],
            detail=detail,
            errors=errors,
            reference=_reference(body) if channel == "orders" and not kept.truncated else None,
            request_id=state.get("request_id"),
            headers=keep_headers({k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}),
            body=kept.text,
            body_bytes=max(size, kept.size),
            body_truncated=kept.truncated or size > len(body),
        )
        await recording.record(entry)


def _is_dry_run(scope: Scope) -> bool:
    """A dry run's 422 is the answer the caller asked for, not a refused delivery."""
    prefer = dict(scope["headers"]).get(b"prefer", b"").decode("latin-1").lower()
    return "dry-run" in prefer


def _source(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0])[:64] if client else "unknown"


def _reference(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    reference = parsed.get("reference") if isinstance(parsed, dict) else None
    return str(reference)[:255] if isinstance(reference, str | int) else None


def _verdict(
    channel: Channel, status: int, answer: bytes
) -> tuple[Outcome, str, str | None, list[dict[str, str]] | None] | None:
    """(outcome, code, detail, pointers) of an answer worth recording; None for one that is not."""
    parsed: Any = None
    try:
        parsed = json.loads(answer) if answer else None
    except (UnicodeDecodeError, ValueError):
        parsed = None
    body = parsed if isinstance(parsed, dict) else {}
    if 400 <= status < 500:
        errors = body.get("errors")
        kept_errors = (
            [
                {key: str(error.get(key, ""))[:500] for key in ("pointer", "code", "detail")}
                for error in errors
                if isinstance(error, dict)
            ]
            if isinstance(errors, list)
            else None
        )
        detail = body.get("detail")
        return "refused", str(body.get("code") or f"http_{status}"), str(detail) if detail else None, kept_errors
    if channel == "shop" and status == 200 and body.get("outcome") == "ignored":
        reason = body.get("reason")
        return "ignored", "ignored", str(reason) if reason else None, None
    return None
