"""Which shop deliveries we have answered: a shop's retry of one webhook (same delivery id) gets the same answer.

This is a second line of defence in front of the real guarantee, the order flow's idempotency by
reference (a retried order with the same reference replays and never creates a second order). The
memory lives in the lookup cache (Redis when configured, shared by every instance) for as long as the
shops retry (Shopify: 48 hours); a cache failure is a miss, and the reference idempotency still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cache.backends import Cache

__all__ = ["Answered", "DeliveryMemory"]

RETRY_WINDOW_SECONDS = 3 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Answered:
    """What a delivery was answered with: the order's reference, or the reason nothing was imported."""

    reference: str | None = None
    reason: str | None = None


class DeliveryMemory:
    def __init__(self, cache: Cache | None, ttl_seconds: float = RETRY_WINDOW_SECONDS) -> None:
        self._cache = cache
        self._ttl = ttl_seconds

    @staticmethod
    def _key(client: str, kind: str, delivery: str) -> str:
        return f"uoa:shop-delivery:{client}:{kind}:{delivery}"

    async def recall(self, client: str, kind: str, delivery: str) -> Answered | None:
        if self._cache is None:
            return None
        key = self._key(client, kind, delivery)
        found: dict[str, Any] = await self._cache.get_many([key])
        value = found.get(key)
        if not isinstance(value, dict):
            return None
        return Answered(reference=value.get("reference"), reason=value.get("reason"))

    async def remember(self, client: str, kind: str, delivery: str, answered: Answered) -> None:
        if self._cache is None:
            return
        value = {"reference": answered.reference, "reason": answered.reason}
        await self._cache.set_many({self._key(client, kind, delivery): value}, self._ttl)
