"""The outbox as the dispatcher and the admin API see it: deliveries, their attempts, the store port.

A delivery is one event for one URL. It is `pending` until a 2xx answer makes it `delivered`,
or the retry schedule runs out and makes it `dead`. A dispatcher claims pending deliveries
that are due for a while (`claim_until`); if it dies, the claim expires and another takes over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One HTTP try: what came back (status) or what went wrong (error), and how long it took."""

    attempted_at: dt.datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def to_json(self) -> dict[str, Any]:
        return {
            "attempted_at": self.attempted_at.isoformat(),
            "status_code": self.status_code,
            "error": self.error,
            "duration_ms": self.duration_ms,
        }


@dataclass(slots=True)
class Delivery:
    id: int
    event_id: str
    client: str
    url: str
    event_type: str
    payload: dict[str, Any]
    state: DeliveryState
    attempt_count: int
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    claimed_by: str | None = None
    claim_until: dt.datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: dt.datetime | None = None
    attempts: list[DeliveryAttempt] = field(default_factory=list)

    def to_json(self, *, with_attempts: bool = False) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        data: dict[str, Any] = {
            "id": self.id,
            "event_id": self.event_id,
            "client": self.client,
            "url": self.url,
            "event_type": self.event_type,
            "state": self.state.value,
            "attempt_count": self.attempt_count,
            "next_attempt_at": iso(self.next_attempt_at) if self.state == DeliveryState.PENDING else None,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "delivered_at": iso(self.delivered_at),
        }
        if with_attempts:
            data["payload"] = self.payload
            data["attempts"] = [attempt.to_json() for attempt in self.attempts]
        return data


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a dispatcher decided after one attempt: delivered, retry at `next_attempt_at`, or dead."""

    state: DeliveryState
    attempt: DeliveryAttempt
    next_attempt_at: dt.datetime | None = None


class DeliveryStore(Protocol):
    async def claim_due(self, *, worker: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[Delivery]:
        """Take up to `limit` pending deliveries that are due and not claimed by a live dispatcher."""
        ...

    async def record(self, delivery: Delivery, *, worker: str, outcome: Outcome) -> bool:
        """Store the attempt and the new state; False when the claim was lost (state left alone)."""
        ...

    async def page(self, *, state: DeliveryState | None, limit: int, before: int | None = None) -> list[Delivery]:
        """Newest first; `before` is the id to continue below."""
        ...

    async def get(self, event_id: str) -> Delivery | None:
        """One delivery with all its attempts."""
        ...

    async def for_order(self, client: str, reference: str) -> list[Delivery]:
        """The deliveries about one order of `client` (its `data.reference`), oldest first, without attempts."""
        ...

    async def count_by_state(self) -> dict[DeliveryState, int]:
        """How many deliveries are in each state (every state present, zero when none)."""
        ...

    async def redeliver(self, event_id: str, now: dt.datetime) -> Delivery | None:
        """Back to pending, due now, with a fresh schedule, whatever its state; None when unknown."""
        ...
