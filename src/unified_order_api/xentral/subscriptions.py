"""`XentralWebhookSubscriptions`: the keeper's `WebhookSubscriptions` port over one instance's client.

Wire items in, port values out; the key goes only into the create and update bodies.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..xentral_events.ports import WebhookSubscription
from .client import XentralClient
from .webhook_wire import WebhookCreate, WebhookEventRef, WebhookUpdate

__all__ = ["XentralWebhookSubscriptions"]


def _events(events: Sequence[str]) -> list[WebhookEventRef]:
    return [{"id": event} for event in events]


class XentralWebhookSubscriptions:
    def __init__(self, client: XentralClient) -> None:
        self._client = client

    async def list(self) -> list[WebhookSubscription]:
        return [
            WebhookSubscription(item.id, item.name, item.url, tuple(event.id for event in item.events))
            for item in await self._client.list_webhooks()
        ]

    async def create(self, name: str, url: str, key: str, events: Sequence[str]) -> str:
        body: WebhookCreate = {"name": name, "url": url, "signatureKey": key, "events": _events(events)}
        return await self._client.create_webhook(body)

    async def update(self, webhook_id: str, name: str, url: str, events: Sequence[str], key: str | None) -> None:
        body: WebhookUpdate = {"name": name, "url": url, "events": _events(events)}
        if key is not None:
            body["signatureKey"] = key
        await self._client.update_webhook(webhook_id, body)

    async def delete(self, webhook_id: str) -> None:
        await self._client.delete_webhook(webhook_id)
