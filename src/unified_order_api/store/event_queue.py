"""The SQL queue of Xentral's verified events: added once, claimed by one worker at a time, leased.

Guarantees: `add` writes the event and the instance's `last_event_at` in one transaction; a second
delivery of the same event (same instance, type and body: the unique `event_key`) is refused by
the database, so it is stored and handled once whatever process received it. Claims are leases as
in the webhook outbox (`deliveries.py`): `FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional UPDATE
on SQLite; a worker that died loses nothing once `claim_until` has passed. Results are written only
while the claim is still the worker's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ..xentral_events.ports import QueuedEvent
from .failures import translated
from .purging import delete_in_batches
from .tables import xentral_events, xentral_subscriptions

__all__ = ["SqlEventQueue", "event_key"]

_E = xentral_events.c


def event_key(event_type: str, body: dict[str, Any]) -> str:
    """What makes two deliveries one event: the type and the body, keys sorted, as SHA-256 hex."""
    canonical = json.dumps([event_type, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claimable(now: dt.datetime) -> Any:
    return and_(_E.state == "pending", _E.next_attempt_at <= now, or_(_E.claim_until.is_(None), _E.claim_until <= now))


class SqlEventQueue:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._skip_locked = engine.dialect.name == "postgresql"

    @translated
    async def add(self, instance: str, event_type: str, body: dict[str, Any], now: dt.datetime) -> bool:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(xentral_events).values(
                        instance=instance,
                        event_key=event_key(event_type, body),
                        event_type=event_type,
                        body=body,
                        state="pending",
                        attempts=0,
                        next_attempt_at=now,
                        received_at=now,
                    )
                )
                await connection.execute(
                    update(xentral_subscriptions)
                    .where(xentral_subscriptions.c.instance == instance)
                    .values(last_event_at=now)
                )
        except IntegrityError:
            return False
        return True

    @translated
    async def claim(self, *, worker: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[QueuedEvent]:
        query = select(xentral_events).where(_claimable(now)).order_by(_E.id).limit(limit)
        if self._skip_locked:
            query = query.with_for_update(skip_locked=True)
        claimed: list[QueuedEvent] = []
        async with self._engine.begin() as connection:
            for row in (await connection.execute(query)).all():
                result = await connection.execute(
                    update(xentral_events)
                    .where(and_(_E.id == row.id, _claimable(now)))
                    .values(claimed_by=worker, claim_until=until)
                )
                if result.rowcount == 1:
                    claimed.append(
                        QueuedEvent(row.id, row.instance, row.event_type, dict(row.body), row.received_at, row.attempts)
                    )
        return claimed

    @translated
    async def finish(self, event: QueuedEvent, *, worker: str, outcome: str, now: dt.datetime) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(xentral_events)
                .where(and_(_E.id == event.id, _E.claimed_by == worker))
                .values(
                    state="done",
                    outcome=outcome,
                    attempts=_E.attempts + 1,
                    handled_at=now,
                    claimed_by=None,
                    claim_until=None,
                )
            )

    @translated
    async def retry(self, event: QueuedEvent, *, worker: str, error: str, at: dt.datetime, give_up: bool) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(xentral_events)
                .where(and_(_E.id == event.id, _E.claimed_by == worker))
                .values(
                    state="failed" if give_up else "pending",
                    attempts=_E.attempts + 1,
                    next_attempt_at=at,
                    last_error=error[:500],
                    claimed_by=None,
                    claim_until=None,
                )
            )

    @translated
    async def outcomes(self) -> dict[str, int]:
        """How many events ended how (`pending`, `failed`, and each outcome of the done ones)."""
        query = select(_E.state, _E.outcome, func.count()).group_by(_E.state, _E.outcome)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        counts: dict[str, int] = {}
        for state, outcome, count in rows:
            name = outcome if state == "done" and outcome else state
            counts[name] = counts.get(name, 0) + int(count)
        return counts

    @translated
    async def purge(self, older_than: dt.datetime) -> int:
        """Delete events handled before `older_than`. Pending ones (not yet handled, or due again) and failed
        ones (given up, for an operator to look at) stay. A handled event is kept as long as Xentral may still
        send it again: its row is what makes a repeat one event (the unique `event_key`)."""
        return await delete_in_batches(
            self._engine, xentral_events, [_E.id], [_E.state == "done", _E.handled_at < older_than]
        )
