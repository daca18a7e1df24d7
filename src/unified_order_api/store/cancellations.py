"""The SQL ledgers of what shops did to orders after their import: cancellations (`shop_cancellations`) and
changes (`shop_order_changes`), and the lifecycle as the cancellation flow reads it.

A cancellation is one row per order: `claim` inserts the pending row, and the unique (client, reference)
decides a race of two deliveries (the second's insert fails: it is told another is at it); `save`
replaces the row when the decision is made. A row awaiting its order's import is `take`n by one caller: the
update's condition (still `awaiting_import`) lets exactly one of several processes make it `pending`.
A change is one row per distinct change (unique digest).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ..lifecycle.model import LifecycleState
from ..orders.amendments import ShopChange
from ..orders.cancellations import CancellationOutcome, CancellationRecord
from .failures import translated
from .tables import shop_cancellations, shop_order_changes
from .tracking import SqlTrackingStore

__all__ = ["SqlCancellationLedger", "SqlShopChangeLedger", "TrackedLifecycle"]


class SqlCancellationLedger:
    """Implements `orders.cancellations.CancellationLedger`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def cancellation_of(self, client: str, reference: str) -> CancellationRecord | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(shop_cancellations).where(
                        shop_cancellations.c.client == client, shop_cancellations.c.reference == reference
                    )
                )
            ).first()
        return _record(row._mapping) if row is not None else None

    @translated
    async def claim(self, record: CancellationRecord) -> bool:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(insert(shop_cancellations), _values(record))
        except IntegrityError:
            return False
        return True

    @translated
    async def save(self, record: CancellationRecord) -> None:
        columns = shop_cancellations.c
        async with self._engine.begin() as connection:
            changed = await connection.execute(
                update(shop_cancellations)
                .where(columns.client == record.client, columns.reference == record.reference)
                .values(_values(record))
            )
            if changed.rowcount == 0:
                await connection.execute(insert(shop_cancellations), _values(record))

    @translated
    async def take(self, client: str, reference: str) -> bool:
        columns = shop_cancellations.c
        async with self._engine.begin() as connection:
            taken = await connection.execute(
                update(shop_cancellations)
                .where(
                    columns.client == client,
                    columns.reference == reference,
                    columns.outcome == CancellationOutcome.AWAITING_IMPORT.value,
                )
                .values(outcome=CancellationOutcome.PENDING.value)
            )
        return taken.rowcount == 1

    @translated
    async def awaiting_import(self, limit: int) -> list[CancellationRecord]:
        columns = shop_cancellations.c
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(shop_cancellations)
                .where(columns.outcome == CancellationOutcome.AWAITING_IMPORT.value)
                .order_by(columns.received_at, columns.id)
                .limit(limit)
            )
            return [_record(row) for row in rows.mappings()]


def _values(record: CancellationRecord) -> dict[str, Any]:
    return {
        "client": record.client,
        "reference": record.reference,
        "source": record.source,
        "outcome": record.outcome.value,
        "detail": record.detail,
        "reason": record.reason,
        "xentral_status": record.xentral_status,
        "cancelled_at": record.cancelled_at,
        "received_at": record.received_at,
        "decided_at": record.decided_at,
    }


def _record(row: Any) -> CancellationRecord:
    return CancellationRecord(
        client=row["client"],
        reference=row["reference"],
        source=row["source"],
        received_at=row["received_at"],
        outcome=CancellationOutcome(row["outcome"]),
        detail=row["detail"],
        reason=row["reason"],
        cancelled_at=row["cancelled_at"],
        xentral_status=row["xentral_status"],
        decided_at=row["decided_at"],
    )


class SqlShopChangeLedger:
    """Implements `orders.amendments.ShopChangeLedger`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @translated
    async def record(self, change: ShopChange) -> bool:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(shop_order_changes),
                    {
                        "client": change.client,
                        "reference": change.reference,
                        "source": change.source,
                        "digest": change.digest,
                        "changes": list(change.changes),
                        "lifecycle_state": change.lifecycle_state,
                        "received_at": change.received_at,
                    },
                )
        except IntegrityError:
            return False
        return True

    @translated
    async def changes_of(self, client: str, reference: str) -> list[ShopChange]:
        columns = shop_order_changes.c
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(shop_order_changes)
                .where(columns.client == client, columns.reference == reference)
                .order_by(columns.id)
            )
            return [
                ShopChange(
                    client=row["client"],
                    reference=row["reference"],
                    source=row["source"],
                    received_at=row["received_at"],
                    changes=tuple(row["changes"] or ()),
                    digest=row["digest"],
                    lifecycle_state=row["lifecycle_state"],
                )
                for row in rows.mappings()
            ]


class TrackedLifecycle:
    """Implements `orders.cancellations.LifecycleLookup` over the tracking store: the order's instance and
    its lifecycle state, None when it is not tracked (tracking off, or past its tracking time)."""

    def __init__(self, tracking: SqlTrackingStore) -> None:
        self._tracking = tracking

    async def lifecycle_of(self, client: str, reference: str) -> tuple[str, LifecycleState] | None:
        view = await self._tracking.tracked(client, reference)
        return (view.order.instance, view.order.state) if view is not None else None
