"""`POST /api/xentral/{instance}/events`: a Xentral event, authenticated and queued — nothing more.

A connector as the shops' are: it checks the signature (`signature.verify_event`, against the key
stored for the instance), reads the envelope `{"type", "body"}` and puts the event on the durable
queue (`EventQueue.add`); the event worker does the rest later, so Xentral gets its 2xx at once.
Refused events (`XentralEventRefused`: unknown instance, no key yet, a forged, stale or unsigned
call, a body that is no event) change nothing; each subclass is one problem `code`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from ..clock import Clock, utc_now
from .ports import EventQueue, SubscriptionStore
from .signature import EventSignatureRefused, EventTimestampStale, verify_event

__all__ = [
    "EventInstanceUnknown",
    "EventNotAnEvent",
    "EventNotJson",
    "EventReceipt",
    "EventSignatureFailed",
    "EventStale",
    "XentralEventIntake",
    "XentralEventRefused",
]

SIGNATURE_HEADER = "xentral-signature"
TIMESTAMP_HEADER = "xentral-request-timestamp"


class XentralEventRefused(Exception):
    """The event is refused: nothing of it is stored. Each subclass is one problem `code`
    (`api.error_handlers.STATUS`)."""

    code: ClassVar[str]
    title: ClassVar[str]
    outcome: ClassVar[str]  # the metrics label

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[dict[str, str]] | None = None


class EventInstanceUnknown(XentralEventRefused):
    code = "not_found"
    title = "Not found"
    outcome = "unknown_instance"


class EventSignatureFailed(XentralEventRefused):
    """Missing or wrong `xentral-signature`, or no subscription (no key) for the instance yet."""

    code = "xentral_event_signature_invalid"
    title = "The Xentral event's signature is missing or wrong"
    outcome = "forged"


class EventStale(XentralEventRefused):
    code = "xentral_event_stale"
    title = "The Xentral event's timestamp is too far off"
    outcome = "stale"


class EventNotJson(XentralEventRefused):
    code = "invalid_json"
    title = "Malformed request"
    outcome = "malformed"


class EventNotAnEvent(XentralEventRefused):
    code = "request_invalid"
    title = "Not a Xentral event"
    outcome = "malformed"


@dataclass(frozen=True, slots=True)
class EventReceipt:
    outcome: Literal["queued", "duplicate"]
    event_type: str


OutcomeHook = Callable[[str, str], None]
"""Called as `hook(instance, outcome)`: queued, duplicate, or a refusal's outcome (forged, stale, …)."""


class XentralEventIntake:
    def __init__(
        self,
        instances: Collection[str],
        queue: EventQueue,
        subscriptions: SubscriptionStore,
        *,
        tolerance_seconds: float,
        clock: Clock = utc_now,
        on_outcome: OutcomeHook | None = None,
    ) -> None:
        self._instances = frozenset(instances)
        self._queue = queue
        self._subscriptions = subscriptions
        self._tolerance = tolerance_seconds
        self._clock = clock
        self._on_outcome = on_outcome

    async def receive(self, instance: str, headers: Mapping[str, str], body: bytes) -> EventReceipt:
        """Verify and queue one delivery; `headers` with lower-case names."""
        try:
            receipt = await self._receive(instance, headers, body)
        except XentralEventRefused as refused:
            self._count(instance if instance in self._instances else "unknown", refused.outcome)
            raise
        self._count(instance, receipt.outcome)
        return receipt

    async def _receive(self, instance: str, headers: Mapping[str, str], body: bytes) -> EventReceipt:
        if instance not in self._instances:
            raise EventInstanceUnknown("No Xentral instance of this name is configured")
        record = await self._subscriptions.get(instance)
        if record is None:
            raise EventSignatureFailed("No subscription (and so no signature key) exists for this instance yet")
        now = self._clock()
        try:
            verify_event(
                body,
                headers.get(SIGNATURE_HEADER),
                headers.get(TIMESTAMP_HEADER),
                record.signature_key,
                now=now,
                tolerance_seconds=self._tolerance,
            )
        except EventTimestampStale as stale:
            raise EventStale(str(stale)) from None
        except EventSignatureRefused as refused:
            raise EventSignatureFailed(str(refused)) from None
        event_type, event_body = _envelope(body)
        added = await self._queue.add(instance, event_type, event_body, now)
        return EventReceipt("queued" if added else "duplicate", event_type)

    def _count(self, instance: str, outcome: str) -> None:
        if self._on_outcome is not None:
            self._on_outcome(instance, outcome)


def _envelope(body: bytes) -> tuple[str, dict[str, Any]]:
    """`{"type": "com.xentral.….v1", "body": {…}}` → its two parts."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise EventNotJson(f"The body is not JSON: {type(error).__name__}") from None
    if not isinstance(data, dict):
        raise EventNotJson("The body is not a JSON object")
    event_type, event_body = data.get("type"), data.get("body")
    if not isinstance(event_type, str) or not event_type.startswith("com.xentral.") or len(event_type) > 128:
        raise EventNotAnEvent("`type` is not a Xentral event type")
    if not isinstance(event_body, dict):
        raise EventNotAnEvent("`body` is not an object")
    return event_type, event_body
