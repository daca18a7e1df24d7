"""A shop's webhook call as it arrived, and which arrivals we have answered.

Words: what a shop sends us is an *arrival* (its id is what the shop calls a delivery or event id);
*deliveries* are ours alone, the webhooks we send out (`webhooks/`).

Remembering answered arrivals is a second line of defence in front of the real guarantee, the order
flow's idempotency by reference (a retried order with the same reference replays and never creates
a second order): a shop's retry of one webhook (same arrival id) gets the same answer. The memory
lives in the lookup cache (Redis when configured, shared by every instance) for as long as the shops
retry (Shopify: 48 hours); a cache failure is a miss, and the reference idempotency still holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..cache.backends import Cache

__all__ = ["Answered", "Arrival", "ArrivalMemory"]

RETRY_WINDOW_SECONDS = 3 * 24 * 3600.0
# The key names what it held before arrivals had their own word: renaming it would forget the
# answers of three days at a deploy.
_KEY_PREFIX = "uoa:shop-delivery"


@dataclass(frozen=True, slots=True)
class Arrival:
    """One call of a shop's webhook: its headers (names in lower case) and its body as received."""

    headers: Mapping[str, str]
    body: bytes

    @classmethod
    def of(cls, headers: Iterable[tuple[str, str]], body: bytes) -> Arrival:
        return cls({name.lower(): value for name, value in headers}, body)

    @property
    def content_type(self) -> str:
        """The media type alone, lower case (`application/json`), "" when none was sent."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Answered:
    """What an arrival was answered with: the order's reference, or the reason nothing was imported."""

    reference: str | None = None
    reason: str | None = None


class ArrivalMemory:
    def __init__(self, cache: Cache | None, ttl_seconds: float = RETRY_WINDOW_SECONDS) -> None:
        self._cache = cache
        self._ttl = ttl_seconds

    @staticmethod
    def _key(client: str, kind: str, arrival_id: str) -> str:
        return f"{_KEY_PREFIX}:{client}:{kind}:{arrival_id}"

    async def recall(self, client: str, kind: str, arrival_id: str) -> Answered | None:
        if self._cache is None:
            return None
        key = self._key(client, kind, arrival_id)
        found: dict[str, Any] = await self._cache.get_many([key])
        value = found.get(key)
        if not isinstance(value, dict):
            return None
        return Answered(reference=value.get("reference"), reason=value.get("reason"))

    async def remember(self, client: str, kind: str, arrival_id: str, answered: Answered) -> None:
        if self._cache is None:
            return
        value = {"reference": answered.reference, "reason": answered.reason}
        await self._cache.set_many({self._key(client, kind, arrival_id): value}, self._ttl)
