"""What the inbox keeps of a refused or ignored request, and the port that keeps it (`store.inbox`).

An entry is written once, when the answer has been sent, and changed only by an operator's replay,
which is appended to its `replays` (who, when, what came of it): the refusal itself is never rewritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = ["Channel", "Inbox", "InboxEntry", "InboxPage", "InboxQuery", "NewInboxEntry", "Outcome", "Replay"]

Channel = Literal["orders", "shop"]
Outcome = Literal["refused", "ignored"]


@dataclass(frozen=True, slots=True)
class Replay:
    """An operator's replay of a refused shop arrival: who, when, and how the intake answered it."""

    operator: str
    at: dt.datetime
    outcome: str  # accepted, duplicate, ignored, or refused
    code: str | None = None  # the problem code when refused again
    detail: str | None = None
    reference: str | None = None  # the order's reference when one was accepted or found

    def to_json(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "at": self.at.isoformat(),
            "outcome": self.outcome,
            "code": self.code,
            "detail": self.detail,
            "reference": self.reference,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Replay:
        return cls(
            operator=str(data.get("operator", "")),
            at=dt.datetime.fromisoformat(str(data["at"])),
            outcome=str(data.get("outcome", "")),
            code=data.get("code"),
            detail=data.get("detail"),
            reference=data.get("reference"),
        )


@dataclass(frozen=True, slots=True)
class NewInboxEntry:
    """A refused or ignored request as the edge recorded it; `body` is already masked and capped."""

    received_at: dt.datetime
    channel: Channel
    client: str | None
    shop: str | None
    source: str
    path: str
    status: int
    outcome: Outcome
    code: str
    detail: str | None
    errors: list[dict[str, str]] | None
    reference: str | None
    request_id: str | None
    headers: dict[str, str]
    body: str
    body_bytes: int  # the size of the body as it arrived
    body_truncated: bool
    suppressed_before: int = 0  # this source's refusals not recorded (rate limit) since its last entry


@dataclass(frozen=True, slots=True)
class InboxEntry(NewInboxEntry):
    id: int = 0
    replays: list[Replay] = field(default_factory=list)

    @property
    def replayable(self) -> bool:
        """A refused shop arrival whose whole body was kept can be replayed through the intake."""
        return (
            self.channel == "shop"
            and self.outcome == "refused"
            and not self.body_truncated
            and self.client is not None
            and self.shop is not None
        )

    @property
    def last_replay(self) -> Replay | None:
        return self.replays[-1] if self.replays else None


@dataclass(frozen=True, slots=True)
class InboxQuery:
    """Filters, combined with AND; `text` matches the reference, the code or the detail (case-insensitive)."""

    client: str | None = None
    channel: Channel | None = None
    outcome: Outcome | None = None
    code: str | None = None
    status: int | None = None
    text: str | None = None
    received_from: dt.datetime | None = None  # inclusive
    received_until: dt.datetime | None = None  # exclusive
    before_id: int | None = None  # keyset pagination: continue below this entry id
    limit: int = 50


@dataclass(frozen=True, slots=True)
class InboxPage:
    entries: list[InboxEntry]
    total: int
    next_before_id: int | None


class Inbox(Protocol):
    async def add(self, entry: NewInboxEntry) -> int: ...

    async def search(self, query: InboxQuery) -> InboxPage:
        """Entries matching `query`, newest first."""
        ...

    async def get(self, entry_id: int) -> InboxEntry | None: ...

    async def add_replay(self, entry_id: int, replay: Replay) -> None: ...

    async def codes(self) -> list[str]:
        """Every problem code the inbox holds, for the filter."""
        ...

    async def purge(self, older_than: dt.datetime) -> int: ...
