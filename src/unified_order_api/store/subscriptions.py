"""Our Xentral webhook subscription per instance, in SQL: its signature key, its id, what we saw of it.

Guarantees: the key is generated once per instance, by whichever process asks first (an INSERT that
a second process's INSERT cannot overwrite, then a read), so every process verifies with the same
key; it is read only to sign-check and to send it to Xentral, never logged. `lease` lets one process
at a time repair the subscription (a conditional UPDATE; an expired lease is taken over).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ..xentral_events.ports import SubscriptionRecord
from .failures import translated
from .tables import xentral_subscriptions

__all__ = ["SqlSubscriptionStore"]

_S = xentral_subscriptions.c


def _record(row: Any) -> SubscriptionRecord:
    return SubscriptionRecord(
        instance=row.instance,
        signature_key=row.signature_key,
        webhook_id=row.webhook_id,
        url=row.url,
        events=tuple(row.events or ()),
        checked_at=row.checked_at,
        problem=row.problem,
        last_event_at=row.last_event_at,
    )


class SqlSubscriptionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def get(self, instance: str) -> SubscriptionRecord | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(xentral_subscriptions).where(_S.instance == instance))).first()
        return _record(row) if row is not None else None

    @translated
    async def key(self, instance: str, candidate: str, now: dt.datetime) -> str:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(xentral_subscriptions).values(instance=instance, signature_key=candidate, created_at=now)
                )
        except IntegrityError:
            pass  # another process was first: its key stands
        async with self._engine.connect() as connection:
            stored = await connection.scalar(select(_S.signature_key).where(_S.instance == instance))
        assert isinstance(stored, str)
        return stored

    @translated
    async def lease(self, instance: str, owner: str, now: dt.datetime, until: dt.datetime) -> bool:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(xentral_subscriptions)
                .where(
                    and_(
                        _S.instance == instance,
                        or_(_S.lease_until.is_(None), _S.lease_until <= now, _S.lease_owner == owner),
                    )
                )
                .values(lease_owner=owner, lease_until=until)
            )
        return bool(result.rowcount == 1)

    @translated
    async def release(self, instance: str, owner: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(xentral_subscriptions)
                .where(and_(_S.instance == instance, _S.lease_owner == owner))
                .values(lease_owner=None, lease_until=None)
            )

    @translated
    async def checked(
        self,
        instance: str,
        *,
        webhook_id: str | None,
        url: str | None,
        events: Sequence[str],
        problem: str | None,
        now: dt.datetime,
    ) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(xentral_subscriptions)
                .where(_S.instance == instance)
                .values(webhook_id=webhook_id, url=url, events=list(events), problem=problem, checked_at=now)
            )
