"""The subscription API's JSON (`/api/v1/webhooks`).

As in `wire.py`: answers are lenient models of the fields we use; request bodies TypedDicts with
exactly the keys the 2026 spec allows (`webhook.create`: name, url, signatureKey, events;
`webhook.update`: the same, signatureKey optional).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from .wire import WireRef, _Wire

__all__ = [
    "EventTypeItem",
    "WebhookCreate",
    "WebhookEventRef",
    "WebhookItem",
    "WebhookUpdate",
]


class WebhookEventRef(TypedDict):
    id: str


class WebhookCreate(TypedDict):
    name: str
    url: str
    signatureKey: str
    events: list[WebhookEventRef]


class WebhookUpdate(TypedDict):
    name: str
    url: str
    events: list[WebhookEventRef]
    signatureKey: NotRequired[str]


class WebhookItem(_Wire):
    """A subscription as Xentral shows it (the key is never shown)."""

    id: str
    name: str = ""
    url: str = ""
    events: list[WireRef] = []


class EventTypeItem(_Wire):
    id: str
    group: str | None = None
