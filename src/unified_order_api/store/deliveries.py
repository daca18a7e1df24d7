"""The SQLAlchemy webhook outbox: claims that several dispatchers can share, attempts, admin queries.

Claiming: on PostgreSQL the due rows are selected `FOR UPDATE SKIP LOCKED`, so concurrent
dispatchers each get different rows without waiting; on SQLite (one instance) every claim is
an UPDATE conditional on the row still being unclaimed. Either way a claim is only a lease:
once `claim_until` has passed, the row is due again, so a dispatcher that died loses nothing.
Results are written only while the claim is still ours (fenced by `claimed_by`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from ..orders.attempts import WebhookMessage
from ..webhooks.deliveries import Delivery, DeliveryAttempt, DeliveryState, Outcome
from .failures import translated
from .outbox import enqueue
from .purging import delete_in_batches
from .tables import webhook_attempts, webhook_deliveries

_D = webhook_deliveries.c


def _delivery_from_row(row: Row[Any]) -> Delivery:
    values = row._mapping
    return Delivery(
        id=values["id"],
        event_id=values["event_id"],
        client=values["client"],
        url=values["url"],
        event_type=values["event_type"],
        payload=values["payload"],
        state=DeliveryState(values["state"]),
        attempt_count=values["attempt_count"],
        next_attempt_at=values["next_attempt_at"],
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        claimed_by=values["claimed_by"],
        claim_until=values["claim_until"],
        last_status=values["last_status"],
        last_error=values["last_error"],
        delivered_at=values["delivered_at"],
    )


def _claimable(now: dt.datetime) -> Any:
    return and_(
        _D.state == DeliveryState.PENDING.value,
        _D.next_attempt_at <= now,
        or_(_D.claim_until.is_(None), _D.claim_until <= now),
    )


class SqlDeliveryStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._skip_locked = engine.dialect.name == "postgresql"

    @translated
    async def add(self, message: WebhookMessage, now: dt.datetime) -> None:
        """A message of no order's transaction (an operator alert), into the outbox on its own."""
        async with self._engine.begin() as connection:
            await enqueue(connection, message, now)

    @translated
    async def claim_due(self, *, worker: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[Delivery]:
        query = select(webhook_deliveries).where(_claimable(now)).order_by(_D.next_attempt_at, _D.id).limit(limit)
        if self._skip_locked:
            query = query.with_for_update(skip_locked=True)
        claimed: list[Delivery] = []
        async with self._engine.begin() as connection:
            for row in (await connection.execute(query)).all():
                delivery = _delivery_from_row(row)
                result = await connection.execute(
                    update(webhook_deliveries)
                    .where(and_(_D.id == delivery.id, _claimable(now)))
                    .values(claimed_by=worker, claim_until=until)
                )
                if result.rowcount == 1:
                    delivery.claimed_by, delivery.claim_until = worker, until
                    claimed.append(delivery)
        return claimed

    @translated
    async def record(self, delivery: Delivery, *, worker: str, outcome: Outcome) -> bool:
        attempt = outcome.attempt
        values: dict[str, Any] = {
            "state": outcome.state.value,
            "attempt_count": _D.attempt_count + 1,
            "claimed_by": None,
            "claim_until": None,
            "last_status": attempt.status_code,
            "last_error": attempt.error,
            "updated_at": attempt.attempted_at,
        }
        if outcome.state == DeliveryState.DELIVERED:
            values["delivered_at"] = attempt.attempted_at
        if outcome.next_attempt_at is not None:
            values["next_attempt_at"] = outcome.next_attempt_at
        async with self._engine.begin() as connection:
            # The attempt happened whether or not the claim survived: keep it in the history.
            await connection.execute(
                insert(webhook_attempts).values(
                    delivery_id=delivery.id,
                    attempted_at=attempt.attempted_at,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    duration_ms=attempt.duration_ms,
                )
            )
            result = await connection.execute(
                update(webhook_deliveries).where(and_(_D.id == delivery.id, _D.claimed_by == worker)).values(**values)
            )
        return bool(result.rowcount == 1)

    @translated
    async def page(self, *, state: DeliveryState | None, limit: int, before: int | None = None) -> list[Delivery]:
        query = select(webhook_deliveries).order_by(_D.id.desc()).limit(limit)
        if state is not None:
            query = query.where(_D.state == state.value)
        if before is not None:
            query = query.where(_D.id < before)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_delivery_from_row(row) for row in rows]

    @translated
    async def for_order(self, client: str, reference: str) -> list[Delivery]:
        # The outbox row names its order only inside the payload (`data.reference`, as the caller sent it).
        query = (
            select(webhook_deliveries)
            .where(_D.client == client, _D.payload[("data", "reference")].as_string() == reference)
            .order_by(_D.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_delivery_from_row(row) for row in rows]

    @translated
    async def count_by_state(self) -> dict[DeliveryState, int]:
        query = select(_D.state, func.count()).group_by(_D.state)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        counts = dict.fromkeys(DeliveryState, 0)
        for state, count in rows:
            counts[DeliveryState(state)] = int(count)
        return counts

    @translated
    async def get(self, event_id: str) -> Delivery | None:
        async with self._engine.connect() as connection:
            query = select(webhook_deliveries).where(_D.event_id == event_id)
            row = (await connection.execute(query)).first()
            if row is None:
                return None
            delivery = _delivery_from_row(row)
            attempts = await connection.execute(
                select(webhook_attempts)
                .where(webhook_attempts.c.delivery_id == delivery.id)
                .order_by(webhook_attempts.c.id)
            )
            delivery.attempts = [
                DeliveryAttempt(
                    attempted_at=a.attempted_at, duration_ms=a.duration_ms, status_code=a.status_code, error=a.error
                )
                for a in attempts
            ]
        return delivery

    @translated
    async def redeliver(self, event_id: str, now: dt.datetime) -> Delivery | None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(webhook_deliveries)
                .where(_D.event_id == event_id)
                .values(
                    state=DeliveryState.PENDING.value,
                    attempt_count=0,
                    next_attempt_at=now,
                    claimed_by=None,
                    claim_until=None,
                    updated_at=now,
                )
            )
        return await self.get(event_id)

    @translated
    async def purge(self, older_than: dt.datetime) -> int:
        """Delete callbacks delivered before `older_than`, with their attempts (ON DELETE CASCADE). Pending
        ones and dead ones (an operator may redeliver them) stay, however old."""
        return await delete_in_batches(
            self._engine,
            webhook_deliveries,
            [_D.id],
            [_D.state == DeliveryState.DELIVERED.value, _D.updated_at < older_than],
        )
