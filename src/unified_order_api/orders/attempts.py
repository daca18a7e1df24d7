"""The durable record of one order attempt per idempotency key, and the store that keeps it.

Each attempt walks received → customer_resolved → importing → completed (or failed); the
state is persisted before every Xentral write, so a crash at any point can be resumed and an
import whose outcome is unknown is reconciled by looking the order up before re-sending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal, Protocol

__all__ = [
    "Attempt",
    "AttemptState",
    "Claim",
    "ClaimKind",
    "CreationClaim",
    "LeaseLost",
    "OrderReceipt",
    "ReceivedBody",
    "Step",
    "StepName",
    "StoreUnavailable",
    "WebhookMessage",
    "checkpoint",
]


class StepName(StrEnum):
    """The steps an attempt records; the flow reads some of them back (`importing`, `requeued`)."""

    RECEIVED = "received"
    RESUMED = "resumed"
    RETRIED = "retried"
    CUSTOMER_FOUND = "customer_found"
    CREATING_CUSTOMER = "creating_customer"
    CUSTOMER_CREATED = "customer_created"
    CUSTOMER_AMBIGUOUS = "customer_ambiguous"  # a name-and-address match was not unique (detail: what followed)
    # The customer's addresses are a second write after the customer: persisted before it, so a retry or a
    # takeover after a lost answer or a crash looks at the customer's addresses before writing them.
    WRITING_CUSTOMER_ADDRESSES = "writing_customer_addresses"
    CUSTOMER_ADDRESSES_WRITTEN = "customer_addresses_written"
    CUSTOMER_RESOLVED = "customer_resolved"
    CACHE_REFRESHED = "cache_refreshed"
    IMPORTING = "importing"
    IMPORTED = "imported"
    RECONCILED = "reconciled"
    REPEAT_REFUSED = "repeat_refused"  # Xentral refused the import, and holds an order under the reference
    OUTCOME_UNKNOWN = "outcome_unknown"
    REQUEUED = "requeued"
    COMPLETED = "completed"
    FAILED = "failed"
    OPERATOR_RETRY = "operator_retry"  # someone asked for a retry in the console (detail: who)
    OPERATOR_CORRECTION = "operator_correction"  # someone retried it with a corrected request (detail: who, what)
    OPERATOR_REDELIVERY = "operator_redelivery"  # someone redelivered one of the order's webhooks
    RECONCILER_CHECKED = "reconciler_checked"  # what the reconciler last found (kept once: the latest replaces it)
    SHOP_CANCELLATION = "shop_cancellation"  # the shop cancelled the order (detail: what was done, and why)
    SHOP_CHANGE = "shop_change"  # the shop changed the address or lines after the import (detail: what; not sent)


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
    # {net, tax, gross, expected, xentral, matches} as strings/bool (orders.totals.TotalsCheck.to_json)
    totals: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    # What holds the order in Xentral (orders/holds.py), as read back; None: not read (no lights shown).
    held_reasons: list[str] | None = None

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
            "totals": self.totals,
            "warnings": list(self.warnings),
            "held_reasons": None if self.held_reasons is None else list(self.held_reasons),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderReceipt:
        # Keys this version does not know are left out: during a rolling deploy an older instance
        # reads receipts a newer one wrote (and the console reads them raw).
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True, slots=True)
class ReceivedBody:
    """The body an order arrived with, as the edge keeps it (secrets and card data masked, capped at
    `inbox.max_body_bytes`): what the caller or the shop sent, beside the normalised request."""

    text: str
    size: int  # bytes as received
    truncated: bool

    def to_json(self) -> dict[str, Any]:
        return {"body": self.text, "bytes": self.size, "truncated": self.truncated}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReceivedBody:
        return cls(str(data.get("body", "")), int(data.get("bytes", 0)), bool(data.get("truncated", False)))


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
    original_request: dict[str, Any] | None = None  # as it arrived, once an operator corrected `request`
    as_received: ReceivedBody | None = None  # the body as it arrived (None: not kept, or cleared after retention)

    @classmethod
    def received(
        cls,
        *,
        client: str,
        key: str,
        reference: str,
        fingerprint: str,
        owner: str,
        now: dt.datetime,
        lease_until: dt.datetime,
        request: dict[str, Any] | None,
        queued: bool,
        received: ReceivedBody | None = None,
    ) -> Attempt:
        """A new attempt as a claim creates it: received now, owned by `owner` until `lease_until`."""
        attempt = cls(
            client=client,
            key=key,
            reference=reference,
            fingerprint=fingerprint,
            state=AttemptState.RECEIVED,
            owner=owner,
            lease_until=lease_until,
            created_at=now,
            updated_at=now,
            request=request,
            queued=queued,
            as_received=received,
        )
        attempt.record(StepName.RECEIVED, now)
        return attempt

    def record(self, name: StepName, at: dt.datetime, detail: str | None = None) -> None:
        self.steps.append(Step(name, at, detail))

    def note(self, name: StepName, at: dt.datetime, detail: str | None = None) -> None:
        """Record a step that repeats without news (the reconciler's checks): the latest replaces an
        earlier one at the end, so a check a minute for days does not grow the record."""
        if self.steps and self.steps[-1].name == name:
            self.steps.pop()
        self.record(name, at, detail)

    def last(self, name: StepName) -> Step | None:
        """The latest step of this name, if any."""
        return next((step for step in reversed(self.steps) if step.name == name), None)

    def count(self, name: StepName) -> int:
        return sum(1 for step in self.steps if step.name == name)

    @property
    def created_anything(self) -> bool:
        return self.customer_created or self.order_id is not None

    def kept_customer(self, identity: str) -> str | None:
        """The customer an earlier try of this order resolved, if the request still names the same one."""
        return self.customer_id if self.customer_identity == identity else None

    @property
    def addresses_pending(self) -> bool:
        """Writing the created customer's addresses began and was not seen to finish."""
        return self.count(StepName.WRITING_CUSTOMER_ADDRESSES) > self.count(StepName.CUSTOMER_ADDRESSES_WRITTEN)

    @property
    def may_have_order(self) -> bool:
        """Xentral may hold this attempt's order: it has its id, or an import was (about to be) sent."""
        return self.order_id is not None or self.import_attempted

    @property
    def awaits_outcome(self) -> bool:
        """The caller was not told how the order ended (answered 202, told the outcome is unknown, or
        left without an answer for the reconciler to finish), so a later end is worth a callback."""
        return self.queued or any(
            step.name in (StepName.OUTCOME_UNKNOWN, StepName.RECONCILER_CHECKED) for step in self.steps
        )

    @property
    def import_attempted(self) -> bool:
        """An import was sent at some point: Xentral may hold the order, so look before sending again."""
        return self.count(StepName.IMPORTING) > 0


ClaimKind = Literal["new", "resumed", "replay", "in_progress", "key_reused"]


@dataclass(frozen=True, slots=True)
class Claim:
    kind: ClaimKind
    attempt: Attempt


@dataclass(frozen=True, slots=True)
class Unresolved:
    """The synchronous lane's attempts still running long after they started: how many, since when."""

    count: int
    oldest: dt.datetime | None  # when the oldest of them was received


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
    """What an order may do about creating the customer with this email:

    - `mine`: nobody tried: create it now;
    - `created`: another order just did (`customer_id`);
    - `wait`: another order is creating it right now;
    - `search`: an earlier creation's answer was lost (it may have landed) and it may still land:
      look for the customer in Xentral, use it if found, else wait;
    - `search_then_create`: the claim is ours, but an earlier holder may have created the customer
      (its answer was lost, or it died): search Xentral first and create only if nothing is found.
    """

    kind: Literal["mine", "created", "wait", "search", "search_then_create"]
    customer_id: str | None = None


class LeaseLost(Exception):
    """Another worker took the attempt over (our lease ran out); stop without writing."""


class StoreUnavailable(Exception):
    """The attempt store failed or did not answer within its timeout (database down, locked, read-only).

    `order_may_exist` is set when the failure came after an import was sent for the attempt:
    Xentral may hold the order, and a retry with the same reference finds it instead of
    creating another. Otherwise the request that failed sent no order to Xentral.
    """

    code = "database_unavailable"
    title = "The order database is unavailable"

    def __init__(self, detail: str, *, order_may_exist: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.order_may_exist = order_may_exist


class _Saves(Protocol):
    async def save(self, attempt: Attempt, webhook: WebhookMessage | None = None) -> None: ...


async def checkpoint(store: _Saves, attempt: Attempt, *, now: dt.datetime, lease: dt.timedelta) -> None:
    """Persist progress before a Xentral write, renewing the lease so the write has a full lease
    to finish in: no other worker can resume this attempt while its write may be in flight."""
    attempt.lease_until = now + lease
    await store.save(attempt)
