"""Callbacks of the order flow: where an order's webhook goes, and the `order.created` / `order.failed` messages.

The messages are written to the outbox in the same transaction as the attempt's final state
(`Attempts.save`), so a completed order always gets its callback, even across a crash.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from ..clock import Clock
from .attempts import Attempt, OrderReceipt, WebhookMessage
from .commands import PlaceOrder
from .errors import FieldProblem, OrderRejected
from .policy import ClientPolicy
from .ports import CallbackPolicy

__all__ = ["OrderCallbacks"]


class OrderCallbacks:
    def __init__(self, policy: CallbackPolicy | None, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock

    async def target(self, client: str, command: PlaceOrder, *, resolve: bool = True) -> str | None:
        """The URL this order's callbacks go to, or None; a `callback_url` that is not allowed is a 422.

        `resolve=False` (accepting a queued order) checks everything but the host's addresses, so a
        202 costs no DNS lookup; the queue worker checks them (`resolve=True`) before the order runs.
        """
        if self._policy is None:
            if command.callback_url:
                raise OrderRejected(
                    [FieldProblem("/callback_url", "callback_not_allowed", "Callbacks are not enabled on this service")]
                )
            return None
        try:
            if command.callback_url is None or not resolve:
                return self._policy.target_for(client, command.callback_url, resolve=False)
            # The check resolves the host name: keep that blocking lookup off the event loop.
            return await asyncio.to_thread(self._policy.target_for, client, command.callback_url)
        except ValueError as error:
            raise OrderRejected([FieldProblem("/callback_url", "callback_not_allowed", str(error))]) from error

    def created(self, attempt: Attempt, receipt: OrderReceipt, url: str | None) -> WebhookMessage | None:
        if not url:
            return None
        return self._message("order.created", attempt.client, url, receipt.to_json())

    def failed(self, attempt: Attempt, policy: ClientPolicy, url: str | None) -> WebhookMessage | None:
        """`order.failed`, when the client wants it and the failure is worth telling: it left
        something behind in Xentral (a customer), or the caller still waits to learn the outcome (answered
        202, or told it was unknown)."""
        if not (url and policy.notify_failures and (attempt.created_anything or attempt.awaits_outcome)):
            return None
        return self._message(
            "order.failed",
            attempt.client,
            url,
            {
                "reference": attempt.reference,
                "order_id": attempt.order_id,
                "order_number": None,
                "customer_id": attempt.customer_id,
                "customer_number": attempt.customer_number,
                "customer_created": attempt.customer_created,
                "error": attempt.error,
            },
        )

    def _message(self, event_type: str, client: str, url: str, data: dict[str, Any]) -> WebhookMessage:
        event_id = f"evt_{uuid.uuid4().hex}"
        payload = {"type": event_type, "id": event_id, "timestamp": self._clock().isoformat(), "data": data}
        return WebhookMessage(client=client, url=url, event_type=event_type, event_id=event_id, payload=payload)
