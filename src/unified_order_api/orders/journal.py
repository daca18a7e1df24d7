"""The order journal: what operators ask of stored attempts, as one port the console depends on.

The attempt store answers the order flow (claims, fenced progress); this port answers people:
find orders by client, state, reference or email, count outcomes per hour, list the codes
callers send, and note an operator's action on an order. Implemented by `store.journal`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol

from ..lifecycle.model import LifecycleState
from .attempts import Attempt, AttemptState, StepName

__all__ = [
    "CodeKind",
    "CodeUse",
    "HourlyOutcomes",
    "JournalEntry",
    "JournalPage",
    "JournalQuery",
    "JournalState",
    "OrderJournal",
]


class JournalState(StrEnum):
    """How an operator sees an order: the attempt's state folded into four words."""

    PROCESSING = "processing"  # a synchronous request is working on it (or was, and may resume)
    QUEUED = "queued"  # accepted through the async lane, not finished yet
    COMPLETED = "completed"
    FAILED = "failed"

    @classmethod
    def of(cls, attempt: Attempt) -> JournalState:
        if attempt.state == AttemptState.COMPLETED:
            return cls.COMPLETED
        if attempt.state == AttemptState.FAILED:
            return cls.FAILED
        return cls.QUEUED if attempt.queued else cls.PROCESSING


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """Filters are combined with AND; `text` matches a reference or a customer email (case-insensitive)."""

    client: str | None = None
    state: JournalState | None = None
    text: str | None = None
    created_from: dt.datetime | None = None  # inclusive
    created_until: dt.datetime | None = None  # exclusive
    # Needs attention: unresolved synchronous orders received before this (the reconciler has not finished them).
    unresolved_since: dt.datetime | None = None
    error_code: str | None = None  # failed with this problem code
    lifecycle: tuple[LifecycleState, ...] = ()  # tracked after the import and now in one of these states
    before_id: int | None = None  # keyset pagination: continue below this attempt id
    limit: int = 50


@dataclass(frozen=True, slots=True)
class JournalEntry:
    attempt: Attempt
    totals: dict[str, Any] | None = None  # the receipt's totals check, when the flow stored one

    @property
    def status(self) -> JournalState:
        return JournalState.of(self.attempt)

    def unresolved_for(self, now: dt.datetime) -> dt.timedelta | None:
        """How long a synchronous order has been waiting for its outcome; None once it has one (or is queued)."""
        if self.status != JournalState.PROCESSING:
            return None
        return now - self.attempt.created_at

    @property
    def last_finding(self) -> str | None:
        """What the reconciler last found for this order, if it looked."""
        step = self.attempt.last(StepName.RECONCILER_CHECKED)
        return step.detail if step is not None else None

    @property
    def email(self) -> str | None:
        customer = (self.attempt.request or {}).get("customer") or {}
        email = customer.get("email")
        return str(email) if email else None


@dataclass(frozen=True, slots=True)
class JournalPage:
    entries: list[JournalEntry]
    total: int  # every order matching the filters, across all pages
    next_before_id: int | None  # pass as `before_id` for the next (older) page; None on the last


@dataclass(frozen=True, slots=True)
class HourlyOutcomes:
    hour: dt.datetime  # start of the hour, UTC
    completed: int = 0
    failed: int = 0
    unfinished: int = 0


CodeKind = Literal["shipping", "payment"]


@dataclass(frozen=True, slots=True)
class CodeUse:
    """A shipping or payment code as callers sent it, how often, by whom, and when last."""

    kind: CodeKind
    code: str
    orders: int
    clients: tuple[str, ...]
    last_seen: dt.datetime


class OrderJournal(Protocol):
    async def search(self, query: JournalQuery) -> JournalPage:
        """Orders matching `query`, newest first."""
        ...

    async def entry(self, attempt_id: int) -> JournalEntry | None: ...

    async def outcomes_by_hour(self, since: dt.datetime, until: dt.datetime) -> list[HourlyOutcomes]:
        """Orders received from `since` to `until`, counted per hour of arrival (every hour listed, oldest
        first) and by how they stand now."""
        ...

    async def codes_used(self, since: dt.datetime, client: str | None = None) -> list[CodeUse]:
        """Every shipping and payment code in requests received since `since` (only `client`'s, if given)."""
        ...
