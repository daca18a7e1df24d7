"""The SQL tracking store: tracked orders, their lifecycle changes, the per-instance poll lease.

Guarantees:

- an order is enrolled in the transaction that completes its attempt (`enrol`), so every order this
  service created or found `existing` is tracked, or its attempt is not complete;
- an observation is applied under a lock of the order's row (`SELECT … FOR UPDATE` on PostgreSQL,
  SQLite's one writer): the state machine (`lifecycle.machine`) sees the latest state, so no step is
  taken twice by two processes, and a shipment id is recorded once;
- each step is a `lifecycle_changes` row written in the same transaction as the state and the client's
  webhook (outbox), so a change and its announcement are durable together, and only once;
- change ids grow in commit order: writers of changes take one transaction-scoped advisory lock on
  PostgreSQL (SQLite has one writer anyway), so a consumer resuming after the last id it read
  never skips a change that committed late;
- the poll of one instance is one process's at a time, under a lease (`claim_poll`), and is taken only
  when due by the stored start of its last round (`due_before`, checked again in the conditional update),
  so several processes never poll it more often than its interval; a finished round shortens the lease
  to the next round's due time plus a margin (`finish_poll`'s `hold_until`), so a killed process's
  instance is taken over soon after, from where it was left.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..lifecycle.announcements import ClientAnnouncements
from ..lifecycle.machine import Step, TrackedOrder, advance, in_story_order, initial_state
from ..lifecycle.model import LifecycleChange, LifecycleState, Observation
from ..lifecycle.polling import PollClaim
from ..lifecycle.records import shipment_from_json, shipment_to_json
from ..orders.attempts import Attempt, AttemptState
from .failures import translated
from .outbox import enqueue
from .tables import lifecycle_changes, order_tracking, tracking_polls

__all__ = [
    "OpenOrder",
    "PollClaim",
    "SqlTrackingStore",
    "TrackedView",
    "TrackingEnrolment",
    "TrackingHealth",
]

_CHANGE_LOCK = 0x55_0A_23_01  # the advisory lock of change writers (PostgreSQL): "uoa", issue 23


@dataclass(frozen=True, slots=True)
class TrackingEnrolment:
    """What enrolling needs beyond the attempt: its client's Xentral instance, and how long to track."""

    instance_of: Callable[[str], str]
    retention: dt.timedelta


@dataclass(frozen=True, slots=True)
class TrackedView:
    """A tracked order and its story so far, for `GET /api/orders/{reference}` and the console."""

    order: TrackedOrder
    tracked_since: dt.datetime
    track_until: dt.datetime
    updated_at: dt.datetime
    changes: list[LifecycleChange]


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order the poller looks for: still open, still within its tracking time."""

    client: str
    reference: str
    sales_order_id: str
    state: LifecycleState
    shipment_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class TrackingHealth:
    """Per instance: open orders, the last completed poll, the Xentral calls tracking has made."""

    instance: str
    open_orders: int
    last_poll_at: dt.datetime | None
    polled_until: dt.datetime | None
    calls: int


def _same_or_null(column: Any, value: dt.datetime | None) -> Any:
    """`column` still holds `value` (as read before a conditional update)."""
    return column.is_(None) if value is None else column == value


def _order_from_row(row: Row[Any]) -> TrackedOrder:
    values = row._mapping
    return TrackedOrder(
        client=values["client"],
        reference=values["reference"],
        instance=values["instance"],
        sales_order_id=values["sales_order_id"],
        state=LifecycleState(values["state"]),
        order_number=values["order_number"],
        held_reasons=tuple(values["held_reasons"] or ()),
        shipments=tuple(shipment_from_json(item) for item in values["shipments"] or ()),
        side_observed_at=values["side_observed_at"],
    )


def _change_from_row(row: Row[Any]) -> LifecycleChange:
    values = row._mapping
    previous = values["previous_state"]
    return LifecycleChange(
        change_id=values["change_id"],
        client=values["client"],
        reference=values["reference"],
        instance=values["instance"],
        sales_order_id=values["sales_order_id"],
        state=LifecycleState(values["state"]),
        previous_state=LifecycleState(previous) if previous else None,
        at=values["at"],
        shipment=shipment_from_json(values["shipment"]) if values["shipment"] else None,
        held_reasons=tuple(values["held_reasons"] or ()),
    )


def _insert_ignoring_duplicates(connection: AsyncConnection, values: dict[str, Any]) -> Any:
    """An insert of a tracking row that does nothing when the order is tracked already."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return pg_insert(order_tracking).values(**values).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite_insert(order_tracking).values(**values).on_conflict_do_nothing()
    return insert(order_tracking).values(**values)


class SqlTrackingStore:
    """Implements `lifecycle.ObservationSink` (`observe`) and `lifecycle.ChangeFeed` (`changes_since`)."""

    def __init__(
        self,
        engine: AsyncEngine,
        announcements: ClientAnnouncements | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._engine = engine
        self._announcements = announcements
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    # -- enrolment (inside the attempt's completing transaction) ---------------------------------

    @staticmethod
    async def enrol(
        connection: AsyncConnection, attempt: Attempt, enrolment: TrackingEnrolment, now: dt.datetime
    ) -> None:
        """Track the order of a completed attempt (once: an order tracked already stays as it is)."""
        receipt = attempt.receipt
        if attempt.state != AttemptState.COMPLETED or receipt is None:
            return
        state = initial_state(receipt.order_status, receipt.held_reasons)
        reasons = list(receipt.held_reasons or []) if state == LifecycleState.HELD else []
        values = {
            "client": attempt.client,
            "reference": attempt.reference,
            "instance": enrolment.instance_of(attempt.client),
            "sales_order_id": receipt.order_id,
            "order_number": receipt.order_number,
            "state": state.value,
            "held_reasons": reasons,
            "shipments": [],
            "side_observed_at": now,
            "open": not state.final,
            "track_until": now + enrolment.retention,
            "created_at": now,
            "updated_at": now,
            "observed_at": None,
        }
        result = await connection.execute(_insert_ignoring_duplicates(connection, values))
        if not result.inserted_primary_key or result.inserted_primary_key[0] is None:
            return
        await _lock_changes(connection)
        await connection.execute(
            insert(lifecycle_changes).values(
                tracking_id=result.inserted_primary_key[0],
                client=attempt.client,
                reference=attempt.reference,
                instance=values["instance"],
                sales_order_id=receipt.order_id,
                state=state.value,
                previous_state=None,
                at=now,
                source="import",
                shipment=None,
                held_reasons=reasons,
            )
        )

    # -- the sink --------------------------------------------------------------------------------

    @translated
    async def observe(self, observations: Sequence[Observation]) -> None:
        """Apply what sources saw, order by order, each in its own transaction (`in_story_order`)."""
        by_order: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        for observation in observations:
            by_order[(observation.instance, observation.sales_order_id)].append(observation)
        for (instance, sales_order_id), seen in by_order.items():
            await self._apply(instance, sales_order_id, in_story_order(seen))

    async def _apply(self, instance: str, sales_order_id: str, seen: list[Observation]) -> None:
        now = self._clock()
        async with self._engine.begin() as connection:
            chosen = select(order_tracking).where(
                order_tracking.c.instance == instance, order_tracking.c.sales_order_id == sales_order_id
            )
            if connection.dialect.name == "postgresql":
                chosen = chosen.with_for_update()
            rows = (await connection.execute(chosen)).all()
            for row in rows:
                before = _order_from_row(row)
                after, steps = before, []
                for observation in seen:
                    after, taken = advance(after, observation)
                    steps.extend(taken)
                changed: dict[str, Any] = {
                    "observed_at": seen[-1].observed_at,
                    "side_observed_at": after.side_observed_at,
                }
                if steps:
                    changed |= {
                        "state": after.state.value,
                        "held_reasons": list(after.held_reasons),
                        "shipments": [shipment_to_json(shipment) for shipment in after.shipments],
                        "open": not after.state.final and row.track_until > now,
                        "updated_at": now,
                    }
                await connection.execute(update(order_tracking).where(order_tracking.c.id == row.id).values(**changed))
                if steps:
                    await self._record(connection, row.id, after, steps, seen[-1].source, now)

    async def _record(
        self,
        connection: AsyncConnection,
        tracking_id: int,
        order: TrackedOrder,
        steps: list[Step],
        source: str,
        now: dt.datetime,
    ) -> None:
        await _lock_changes(connection)
        changes = []
        for step in steps:
            change_id = (
                await connection.execute(
                    insert(lifecycle_changes)
                    .values(
                        tracking_id=tracking_id,
                        client=order.client,
                        reference=order.reference,
                        instance=order.instance,
                        sales_order_id=order.sales_order_id,
                        state=step.state.value,
                        previous_state=step.previous_state.value,
                        at=now,
                        source=source,
                        shipment=shipment_to_json(step.shipment) if step.shipment else None,
                        held_reasons=list(step.held_reasons),
                    )
                    .returning(lifecycle_changes.c.change_id)
                )
            ).scalar_one()
            changes.append(
                LifecycleChange(
                    change_id=change_id,
                    client=order.client,
                    reference=order.reference,
                    instance=order.instance,
                    sales_order_id=order.sales_order_id,
                    state=step.state,
                    previous_state=step.previous_state,
                    at=now,
                    shipment=step.shipment,
                    held_reasons=step.held_reasons,
                )
            )
        if self._announcements is not None:
            for message in self._announcements.messages(changes, order.order_number):
                await enqueue(connection, message, now)

    # -- the feed --------------------------------------------------------------------------------

    @translated
    async def changes_since(self, after: int, limit: int) -> Sequence[LifecycleChange]:
        """Every client's changes after `after`, in id (= commit) order."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(lifecycle_changes)
                .where(lifecycle_changes.c.change_id > after)
                .order_by(lifecycle_changes.c.change_id)
                .limit(limit)
            )
            return [_change_from_row(row) for row in rows]

    @translated
    async def client_changes(
        self, client: str, *, after: int, limit: int, since: dt.datetime | None = None
    ) -> list[LifecycleChange]:
        """One client's changes after change `after` (and at or after `since`), in id order."""
        query = (
            select(lifecycle_changes)
            .where(lifecycle_changes.c.client == client, lifecycle_changes.c.change_id > after)
            .order_by(lifecycle_changes.c.change_id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(lifecycle_changes.c.at >= since)
        async with self._engine.connect() as connection:
            return [_change_from_row(row) for row in await connection.execute(query)]

    @translated
    async def tracked(self, client: str, reference: str) -> TrackedView | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(order_tracking).where(
                        order_tracking.c.client == client, order_tracking.c.reference == reference
                    )
                )
            ).first()
            if row is None:
                return None
            changes = await connection.execute(
                select(lifecycle_changes)
                .where(lifecycle_changes.c.tracking_id == row.id)
                .order_by(lifecycle_changes.c.change_id)
            )
            return TrackedView(
                order=_order_from_row(row),
                tracked_since=row.created_at,
                track_until=row.track_until,
                updated_at=row.updated_at,
                changes=[_change_from_row(change) for change in changes],
            )

    # -- the poller's side -----------------------------------------------------------------------

    @translated
    async def open_orders(self, instance: str, now: dt.datetime) -> list[OpenOrder]:
        """The instance's orders still tracked: open and within their tracking time."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(
                    order_tracking.c.client,
                    order_tracking.c.reference,
                    order_tracking.c.sales_order_id,
                    order_tracking.c.state,
                    order_tracking.c.shipments,
                )
                .where(
                    order_tracking.c.open.is_(True),
                    order_tracking.c.instance == instance,
                    order_tracking.c.track_until > now,
                )
                .order_by(order_tracking.c.id)
            )
            return [
                OpenOrder(
                    row.client,
                    row.reference,
                    row.sales_order_id,
                    LifecycleState(row.state),
                    frozenset(str(item["shipment_id"]) for item in row.shipments or ()),
                )
                for row in rows
            ]

    @translated
    async def claim_poll(
        self,
        instance: str,
        *,
        owner: str,
        now: dt.datetime,
        lease_until: dt.datetime,
        due_before: dt.datetime | None = None,
    ) -> PollClaim | None:
        """Take (or keep) the poll of `instance` until `lease_until`; None while another process holds it, or,
        with `due_before`, while its last round (by any process) started after that: not due yet."""
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(select(tracking_polls).where(tracking_polls.c.instance == instance))
            ).first()
            if row is None:
                try:
                    async with connection.begin_nested():
                        await connection.execute(
                            insert(tracking_polls).values(
                                instance=instance, owner=owner, lease_until=lease_until, calls=0
                            )
                        )
                except Exception:  # another process inserted it first: it holds the poll
                    return None
                return PollClaim(instance, owner, lease_until, None)
            if due_before is not None and row.polled_until is not None and row.polled_until > due_before:
                return None
            taken = await connection.execute(
                update(tracking_polls)
                .where(tracking_polls.c.instance == instance)
                .where(or_(tracking_polls.c.owner == owner, tracking_polls.c.lease_until <= now))
                .where(tracking_polls.c.lease_until == row.lease_until)
                .where(_same_or_null(tracking_polls.c.polled_until, row.polled_until))
                .values(owner=owner, lease_until=lease_until)
            )
            if taken.rowcount != 1:
                return None
            return PollClaim(instance, owner, lease_until, row.polled_until)

    @translated
    async def finish_poll(
        self,
        claim: PollClaim,
        *,
        polled_until: dt.datetime,
        now: dt.datetime,
        calls: int,
        hold_until: dt.datetime | None = None,
    ) -> bool:
        """Record a completed poll (fenced by the owner: a poll whose lease was taken records nothing); with
        `hold_until`, the instance stays this process's only until then (its next round due plus a margin)."""
        values: dict[str, Any] = {"polled_until": polled_until, "last_poll_at": now}
        if hold_until is not None:
            values["lease_until"] = hold_until
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(tracking_polls)
                .where(and_(tracking_polls.c.instance == claim.instance, tracking_polls.c.owner == claim.owner))
                .values(calls=tracking_polls.c.calls + calls, **values)
            )
        return bool(result.rowcount == 1)

    @translated
    async def health(self, now: dt.datetime) -> list[TrackingHealth]:
        async with self._engine.connect() as connection:
            counts: dict[str, int] = dict(
                (
                    await connection.execute(
                        select(order_tracking.c.instance, func.count())
                        .where(order_tracking.c.open.is_(True), order_tracking.c.track_until > now)
                        .group_by(order_tracking.c.instance)
                    )
                ).all()
            )
            polls = {row.instance: row for row in await connection.execute(select(tracking_polls))}
        names = sorted(set(counts) | set(polls))
        return [
            TrackingHealth(
                instance=name,
                open_orders=int(counts.get(name, 0)),
                last_poll_at=polls[name].last_poll_at if name in polls else None,
                polled_until=polls[name].polled_until if name in polls else None,
                calls=int(polls[name].calls) if name in polls else 0,
            )
            for name in names
        ]

    @translated
    async def purge(self, now: dt.datetime, keep: dt.timedelta) -> int:
        """Close orders past their tracking time; delete closed ones (and their changes) `keep` after."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(order_tracking)
                .where(order_tracking.c.open.is_(True), order_tracking.c.track_until <= now)
                .values(open=False, updated_at=now)
            )
            gone = select(order_tracking.c.id).where(
                order_tracking.c.open.is_(False), order_tracking.c.updated_at < now - keep
            )
            ids = list((await connection.execute(gone)).scalars())
            if not ids:
                return 0
            await connection.execute(delete(lifecycle_changes).where(lifecycle_changes.c.tracking_id.in_(ids)))
            result = await connection.execute(delete(order_tracking).where(order_tracking.c.id.in_(ids)))
        return int(result.rowcount)


async def _lock_changes(connection: AsyncConnection) -> None:
    """Serialise writers of changes until commit (PostgreSQL), so change ids commit in id order."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGE_LOCK})
