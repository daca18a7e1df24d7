"""The durable record of one order attempt per idempotency key, and the store that keeps it.

Each attempt walks received → customer_resolved → importing → completed (or failed); the
state is persisted before every Xentral write, so a crash at any point can be resumed and an
import whose outcome is unknown is reconciled by looking the order up before re-sending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol


class AttemptState(StrEnum):
    RECEIVED = "received"
    CUSTOMER_RESOLVED = "customer_resolved"
    IMPORTING = "importing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def in_progress(self) -> bool:
        return self not in (AttemptState.COMPLETED, AttemptState.FAILED)


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    at: dt.datetime
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "at": self.at.isoformat(), "detail": self.detail}


@dataclass(slots=True)
class OrderReceipt:
    """What the caller is told about a finished order; stored so a replay says exactly the same."""

    reference: str
    order_id: str
    order_number: str | None
    order_status: str
    customer_id: str
    customer_number: str | None
    customer_created: bool
    outcome: Literal["created", "existing"]

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "order_id": self.order_id,
            "order_number": self.order_number,
            "order_status": self.order_status,
            "customer_id": self.customer_id,
            "customer_number": self.customer_number,
            "customer_created": self.customer_created,
            "outcome": self.outcome,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderReceipt:
        return cls(**data)


@dataclass(slots=True)
class Attempt:
    client: str
    key: str
    reference: str
    fingerprint: str
    state: AttemptState
    owner: str
    lease_until: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    id: int | None = None
    customer_identity: str | None = None
    customer_id: str | None = None
    customer_number: str | None = None
    customer_created: bool = False
    order_id: str | None = None
    receipt: OrderReceipt | None = None
    error: dict[str, Any] | None = None
    steps: list[Step] = field(default_factory=list)
    request: dict[str, Any] | None = None
    queued: bool = False

    def record(self, name: str, at: dt.datetime, detail: str | None = None) -> None:
        self.steps.append(Step(name, at, detail))

    @property
    def created_anything(self) -> bool:
        return self.customer_created or self.order_id is not None

    def kept_customer(self, identity: str) -> str | None:
        """The customer an earlier try of this order resolved, if the request still names the same one."""
        return self.customer_id if self.customer_identity == identity else None

    @property
    def import_attempted(self) -> bool:
        """An import was sent at some point: Xentral may hold the order, so look before sending again."""
        return any(step.name == "importing" for step in self.steps)


ClaimKind = Literal["new", "resumed", "replay", "in_progress", "key_reused"]


@dataclass(frozen=True, slots=True)
class Claim:
    kind: ClaimKind
    attempt: Attempt


@dataclass(frozen=True, slots=True)
class WebhookMessage:
    """A callback to send (order completed, or failed); written in the same transaction as the state."""

    client: str
    url: str
    event_type: str
    event_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CreationClaim:
    """`mine`: create the customer now; `created`: another order just did (`customer_id`); `wait`: it is on it."""

    kind: Literal["mine", "created", "wait"]
    customer_id: str | None = None


class LeaseLost(Exception):
    """Another worker took the attempt over (our lease ran out); stop without writing."""


class AttemptStore(Protocol):
    async def claim(
        self,
        *,
        client: str,
        key: str,
        reference: str,
        fingerprint: str,
        owner: str,
        now: dt.datetime,
        lease_until: dt.datetime,
        request: dict[str, Any] | None = None,
        queued: bool = False,
    ) -> Claim:
        """Atomically take the key: a new attempt, a takeover of a failed or expired one, or why not."""
        ...

    async def save(self, attempt: Attempt, webhook: WebhookMessage | None = None) -> None:
        """Persist progress (and enqueue `webhook` in the same transaction); raises LeaseLost when
        the attempt is no longer ours."""
        ...

    async def complete(self, attempt: Attempt, webhook: WebhookMessage | None) -> None:
        """Mark completed and enqueue the callback in one transaction."""
        ...

    async def find(self, client: str, reference: str) -> Attempt | None:
        """The attempt with this reference (or idempotency key) of this client."""
        ...

    async def purge(self, older_than: dt.datetime) -> int:
        """Delete finished attempts last touched before `older_than`; returns how many."""
        ...

    async def claim_queued(
        self, *, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Attempt]:
        """Take up to `limit` queued attempts that are due, oldest first; each is claimed by one worker only."""
        ...

    async def queue_depth(self) -> int:
        """Queued attempts not finished yet."""
        ...

    async def claim_customer_creation(
        self, identity: str, *, owner: str, now: dt.datetime, lease_until: dt.datetime
    ) -> CreationClaim:
        """Become the one creating the customer `identity`, or learn who did (or that someone is)."""
        ...

    async def finish_customer_creation(
        self, identity: str, *, owner: str, customer_id: str | None, remember_until: dt.datetime
    ) -> None:
        """Record the created customer (kept until `remember_until`), or give the claim up (None)."""
        ...

    async def forget_customer_creation(self, identity: str) -> None:
        """Drop a remembered creation, e.g. when Xentral no longer accepts that customer id."""
        ...
