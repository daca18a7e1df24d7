"""The SQLAlchemy attempt store: atomic key claims, fenced progress, completion with its outbox row.

Claims never read-then-write: a new key is an INSERT guarded by unique constraints on
(client, key) and (client, reference); taking over a failed or expired attempt is an UPDATE
conditional on the row's version. Progress writes are conditional on the owner token, so a
worker whose lease was taken over cannot overwrite its successor. An operator's note is
conditional on the version too, and only lands while no worker owns the attempt.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..orders.attempts import (
    Attempt,
    AttemptState,
    Claim,
    CreationClaim,
    LeaseLost,
    OrderReceipt,
    ReceivedBody,
    Step,
    StepName,
    Unresolved,
    WebhookMessage,
)
from .failures import translated
from .grouped_inserts import GroupedAttemptInserts
from .outbox import enqueue
from .tables import customer_creations, order_attempts, order_refunds, shop_cancellations, shop_order_changes
from .tracking import SqlTrackingStore, TrackingEnrolment

_CLAIM_ROUNDS = 8
"""Tries of one claim whose key's row changed or vanished between insert and read (a concurrent claim or
purge). Each lost round means another writer won; eight is far above real contention, and a bound turns
a bug into an error instead of a busy loop."""
_NOTE_ROUNDS = 8
"""Tries of one operator's note when the attempt's version moved under it (the order was writing its own
steps). A running order writes a few steps a second, so eight rounds find a gap; the bound turns a bug
into an error instead of a busy loop."""
# Built once: constructing the statement per call cost about half of a claim's time.
_INSERT_ATTEMPT = insert(order_attempts)
# A progress save, fenced by the owner token. Built once: the values come as parameters (their keys
# name the columns to set), so each save skips building the statement and its cache key again.
_SAVE_PROGRESS = (
    update(order_attempts)
    .where(order_attempts.c.id == bindparam("fence_id"), order_attempts.c.owner == bindparam("fence_owner"))
    .values(version=order_attempts.c.version + 1)
)
_RUNNING_STATES = [state.value for state in AttemptState if state.in_progress]


def _steps_from_json(data: list[dict[str, Any]]) -> list[Step]:
    return [Step(item["name"], dt.datetime.fromisoformat(item["at"]), item.get("detail")) for item in data]


def attempt_from_row(row: Row[Any]) -> Attempt:
    """An `order_attempts` row as the attempt it holds (the journal reads the same rows)."""
    values = row._mapping
    return Attempt(
        id=values["id"],
        client=values["client"],
        key=values["idempotency_key"],
        reference=values["reference"],
        fingerprint=values["fingerprint"],
        state=AttemptState(values["state"]),
        owner=values["owner"],
        lease_until=values["lease_until"],
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        customer_identity=values["customer_identity"],
        customer_id=values["customer_id"],
        customer_number=values["customer_number"],
        customer_created=values["customer_created"],
        order_id=values["order_id"],
        receipt=OrderReceipt.from_json(values["receipt"]) if values["receipt"] else None,
        error=values["error"],
        steps=_steps_from_json(values["steps"] or []),
        request=values["request"],
        queued=values["queued"],
        original_request=values.get("original_request"),
        as_received=ReceivedBody.from_json(values["received"]) if values.get("received") else None,
    )


def _progress_values(attempt: Attempt, now: dt.datetime) -> dict[str, Any]:
    return {
        "state": attempt.state.value,
        "lease_until": attempt.lease_until,
        "customer_identity": attempt.customer_identity,
        "customer_id": attempt.customer_id,
        "customer_number": attempt.customer_number,
        "customer_created": attempt.customer_created,
        "order_id": attempt.order_id,
        "receipt": attempt.receipt.to_json() if attempt.receipt else None,
        "error": attempt.error,
        "steps": [step.to_json() for step in attempt.steps],
        "queued": attempt.queued,
        "updated_at": now,
    }


class SqlAttemptStore:
    """Implements `orders.ports.AttemptStore` (attempts, the order queue, customer creation claims)."""

    def __init__(self, engine: AsyncEngine, tracking: TrackingEnrolment | None = None) -> None:
        """`tracking`: enrol each completed attempt's order for tracking, in its completing transaction."""
        self._engine = engine
        self._inserts = GroupedAttemptInserts(engine)
        self._tracking = tracking

    @translated
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
        received: ReceivedBody | None = None,
    ) -> Claim:
        fresh = Attempt.received(
            client=client,
            key=key,
            reference=reference,
            fingerprint=fingerprint,
            owner=owner,
            now=now,
            lease_until=lease_until,
            request=request,
            queued=queued,
            received=received,
        )
        row = {
            "client": client,
            "idempotency_key": key,
            "reference": reference,
            "fingerprint": fingerprint,
            "owner": owner,
            "version": 1,
            "request": request,
            "received": received.to_json() if received is not None else None,
            "created_at": now,
            **_progress_values(fresh, now),
        }
        # The common case, a new key: written together with the claims arriving at the same moment.
        fresh.id = await self._inserts.insert(row)
        if fresh.id is not None:
            return Claim("new", fresh)
        for _ in range(_CLAIM_ROUNDS):
            try:
                async with self._engine.begin() as connection:
                    result = await connection.execute(_INSERT_ATTEMPT, row)
                    fresh.id = result.inserted_primary_key[0] if result.inserted_primary_key else None
                    return Claim("new", fresh)
            except IntegrityError:
                pass
            try:
                async with self._engine.begin() as connection:
                    claim = await self._claim_existing(connection, fresh)
            except IntegrityError:
                # Taking over a failed attempt under a key another attempt already holds.
                return Claim("key_reused", fresh)
            if claim is not None:
                return claim
        raise RuntimeError(f"could not claim idempotency key {key!r} after {_CLAIM_ROUNDS} rounds")

    async def _claim_existing(self, connection: AsyncConnection, fresh: Attempt) -> Claim | None:
        row = (
            await connection.execute(
                select(order_attempts, order_attempts.c.version)
                .where(order_attempts.c.client == fresh.client)
                .where(
                    or_(
                        order_attempts.c.idempotency_key == fresh.key,
                        order_attempts.c.reference == fresh.reference,
                    )
                )
                .order_by(order_attempts.c.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None  # purged between our insert and this read: insert again
        existing = attempt_from_row(row)
        version: int = row._mapping["version"]
        same_request = existing.fingerprint == fresh.fingerprint and existing.reference == fresh.reference
        if existing.state == AttemptState.COMPLETED:
            return Claim("replay" if same_request else "key_reused", existing)
        if existing.state == AttemptState.FAILED:
            if existing.reference != fresh.reference:
                return Claim("key_reused", existing)
            # A failed attempt does not lock its key: the caller may fix the body and resend.
            # What it created (a customer) stays on the record for the new attempt to reuse.
            takeover = replace(
                existing,
                key=fresh.key,
                fingerprint=fresh.fingerprint,
                state=AttemptState.RECEIVED,
                owner=fresh.owner,
                lease_until=fresh.lease_until,
                error=None,
                request=fresh.request,
                # The resent body replaces the one the failed request came with; an operator's retry sends none.
                as_received=fresh.as_received or existing.as_received,
                queued=fresh.queued,
                order_id=None,
                steps=[*existing.steps, Step(StepName.RETRIED, fresh.created_at)],
            )
            return await self._take_over(connection, takeover, version, "new")
        if not same_request:
            return Claim("key_reused", existing)
        if existing.lease_until > fresh.created_at:
            return Claim("in_progress", existing)
        existing.owner = fresh.owner
        existing.lease_until = fresh.lease_until
        existing.queued = existing.queued or fresh.queued  # resent through the async lane: the worker takes it
        existing.record(StepName.RESUMED, fresh.created_at, "the previous attempt's lease expired")
        return await self._take_over(connection, existing, version, "resumed")

    async def _take_over(self, connection: AsyncConnection, attempt: Attempt, version: int, kind: str) -> Claim | None:
        result = await connection.execute(
            update(order_attempts)
            .where(and_(order_attempts.c.id == attempt.id, order_attempts.c.version == version))
            .values(
                idempotency_key=attempt.key,
                fingerprint=attempt.fingerprint,
                owner=attempt.owner,
                version=version + 1,
                request=attempt.request,
                received=attempt.as_received.to_json() if attempt.as_received is not None else None,
                **_progress_values(attempt, attempt.steps[-1].at),
            )
        )
        if result.rowcount != 1:
            return None  # someone else changed it first; look again
        return Claim("new" if kind == "new" else "resumed", attempt)

    @translated
    async def save(self, attempt: Attempt, webhook: WebhookMessage | None = None) -> None:
        now = attempt.steps[-1].at if attempt.steps else dt.datetime.now(dt.UTC)
        async with self._engine.begin() as connection:
            await self._save(connection, attempt, now)
            if webhook is not None:
                await enqueue(connection, webhook, now)
            if self._tracking is not None and attempt.state == AttemptState.COMPLETED:
                await SqlTrackingStore.enrol(connection, attempt, self._tracking, now)

    async def _save(self, connection: AsyncConnection, attempt: Attempt, now: dt.datetime) -> None:
        result = await connection.execute(
            _SAVE_PROGRESS, {"fence_id": attempt.id, "fence_owner": attempt.owner, **_progress_values(attempt, now)}
        )
        if result.rowcount != 1:
            raise LeaseLost(f"attempt {attempt.reference!r} was taken over by another worker")

    @translated
    async def find(self, client: str, reference: str) -> Attempt | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(order_attempts)
                    .where(order_attempts.c.client == client)
                    .where(
                        or_(
                            order_attempts.c.reference == reference,
                            order_attempts.c.idempotency_key == reference,
                        )
                    )
                    .order_by(order_attempts.c.reference != reference)
                    .limit(1)
                )
            ).first()
        return attempt_from_row(row) if row is not None else None

    @translated
    async def find_by_external_order_id(self, client: str, external_order_id: str) -> Attempt | None:
        """The client's attempt whose request named this shop order id (a refund names its order so).

        Read from the stored request, scanning the client's attempts: refunds are rare next to orders,
        and an index of its own is not worth a column every order writes."""
        named = order_attempts.c.request["external_order_id"].as_string()
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(order_attempts)
                    .where(order_attempts.c.client == client, named == external_order_id)
                    .order_by(order_attempts.c.id.desc())
                    .limit(1)
                )
            ).first()
        return attempt_from_row(row) if row is not None else None

    @translated
    async def clients_of_order(self, order_id: str) -> set[str]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(order_attempts.c.client).where(order_attempts.c.order_id == order_id).distinct()
            )
            return set(rows.scalars())

    @translated
    async def claim_queued(
        self, *, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Attempt]:
        return await self._claim_due(queued=True, owner=owner, now=now, lease_until=lease_until, limit=limit)

    @translated
    async def claim_unresolved(
        self, *, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Attempt]:
        return await self._claim_due(queued=False, owner=owner, now=now, lease_until=lease_until, limit=limit)

    async def _claim_due(
        self, *, queued: bool, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Attempt]:
        """Take the lane's running attempts whose lease ran out, oldest first, each for one taker only:
        the UPDATE is conditional on the lease still being out, and on PostgreSQL the rows are locked
        (skipping rows another taker holds) between choosing and taking them."""
        due = (
            select(order_attempts.c.id)
            .where(order_attempts.c.queued.is_(queued))
            .where(order_attempts.c.state.in_(_RUNNING_STATES))
            .where(order_attempts.c.lease_until <= now)
            .order_by(order_attempts.c.id)
            .limit(limit)
        )
        async with self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several instances poll the same lane: each row goes to exactly one of them.
                due = due.with_for_update(skip_locked=True)
            ids = list((await connection.execute(due)).scalars())
            if not ids:
                return []
            rows = (
                await connection.execute(
                    update(order_attempts)
                    .where(order_attempts.c.id.in_(ids))
                    .where(order_attempts.c.lease_until <= now)
                    .values(owner=owner, lease_until=lease_until, version=order_attempts.c.version + 1)
                    .returning(*order_attempts.c)
                )
            ).all()
        return sorted((attempt_from_row(row) for row in rows), key=lambda attempt: attempt.id or 0)

    @translated
    async def hand_back(self, attempt: Attempt, now: dt.datetime) -> bool:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(order_attempts)
                .where(order_attempts.c.id == attempt.id)
                .where(order_attempts.c.owner == attempt.owner)
                .values(lease_until=now)
            )
        return bool(result.rowcount == 1)

    @translated
    async def unresolved(self, started_before: dt.datetime) -> Unresolved:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(func.count(), func.min(order_attempts.c.created_at))
                    .select_from(order_attempts)
                    .where(order_attempts.c.queued.is_(False))
                    .where(order_attempts.c.state.in_(_RUNNING_STATES))
                    .where(order_attempts.c.created_at <= started_before)
                )
            ).one()
        return Unresolved(count=int(row[0]), oldest=row[1])

    @translated
    async def queue_depth(self) -> int:
        async with self._engine.connect() as connection:
            count = await connection.execute(
                select(func.count())
                .select_from(order_attempts)
                .where(order_attempts.c.queued.is_(True))
                .where(order_attempts.c.state.in_(_RUNNING_STATES))
            )
            return int(count.scalar_one())

    @translated
    async def oldest_queued(self) -> dt.datetime | None:
        async with self._engine.connect() as connection:
            oldest = await connection.execute(
                select(func.min(order_attempts.c.created_at))
                .where(order_attempts.c.queued.is_(True))
                .where(order_attempts.c.state.in_(_RUNNING_STATES))
            )
            return cast("dt.datetime | None", oldest.scalar_one())

    @translated
    async def claim_customer_creation(
        self, identity: str, *, owner: str, now: dt.datetime, lease_until: dt.datetime
    ) -> CreationClaim:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(customer_creations).values(identity=identity, owner=owner, lease_until=lease_until)
                )
            return CreationClaim("mine")
        except IntegrityError:
            pass
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(select(customer_creations).where(customer_creations.c.identity == identity))
            ).first()
            if row is None:
                return CreationClaim("wait")  # released meanwhile: the caller tries again
            if row.lease_until > now:
                if row.customer_id:
                    return CreationClaim("created", row.customer_id)
                return CreationClaim("search" if row.outcome_unknown else "wait")
            # Expired: an unknown outcome's quiet time is over, its holder died, or the memory aged.
            # Any of them may have left a customer in Xentral, so the new holder searches first.
            taken = await connection.execute(
                update(customer_creations)
                .where(customer_creations.c.identity == identity)
                .where(customer_creations.c.lease_until == row.lease_until)
                .values(owner=owner, lease_until=lease_until, customer_id=None, outcome_unknown=True)
            )
        return CreationClaim("search_then_create" if taken.rowcount == 1 else "wait")

    @translated
    async def finish_customer_creation(
        self,
        identity: str,
        *,
        owner: str,
        customer_id: str | None,
        remember_until: dt.datetime,
        outcome_unknown: bool = False,
    ) -> None:
        mine = and_(customer_creations.c.identity == identity, customer_creations.c.owner == owner)
        async with self._engine.begin() as connection:
            if customer_id is not None:
                await connection.execute(
                    update(customer_creations)
                    .where(mine)
                    .values(customer_id=customer_id, lease_until=remember_until, outcome_unknown=False)
                )
            elif outcome_unknown:
                await connection.execute(
                    update(customer_creations).where(mine).values(lease_until=remember_until, outcome_unknown=True)
                )
            else:
                await connection.execute(delete(customer_creations).where(mine))

    @translated
    async def record_found_customer(self, identity: str, customer_id: str, remember_until: dt.datetime) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(customer_creations)
                .where(customer_creations.c.identity == identity)
                .where(customer_creations.c.customer_id.is_(None))
                .values(customer_id=customer_id, lease_until=remember_until, outcome_unknown=False)
            )

    @translated
    async def forget_customer_creation(self, identity: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(customer_creations)
                .where(customer_creations.c.identity == identity)
                .where(customer_creations.c.customer_id.is_not(None))
            )

    @translated
    async def note(self, attempt_id: int, step: Step, *, only_in: Collection[AttemptState]) -> bool:
        """Fenced by the row's version, as claims are: appended only while no claim changed the row
        in between, and only in the states `only_in` (where no worker owns the attempt)."""
        allowed = {state.value for state in only_in}
        columns = order_attempts.c
        for _ in range(_NOTE_ROUNDS):
            async with self._engine.begin() as connection:
                row = (
                    await connection.execute(
                        select(columns.state, columns.steps, columns.version).where(columns.id == attempt_id)
                    )
                ).first()
                if row is None or row.state not in allowed:
                    return False
                steps = [*(row.steps or []), step.to_json()]
                result = await connection.execute(
                    update(order_attempts)
                    .where(and_(columns.id == attempt_id, columns.version == row.version))
                    .values(steps=steps, version=row.version + 1)
                )
                if result.rowcount == 1:
                    return True
        return False

    @translated
    async def keep_original(self, attempt_id: int, request: dict[str, Any]) -> None:
        """Keep `request` as the order's original, unless one is kept already (the first correction's)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(order_attempts)
                .where(and_(order_attempts.c.id == attempt_id, order_attempts.c.original_request.is_(None)))
                .values(original_request=request)
            )

    @translated
    async def probe_write(self) -> None:
        """Insert an attempt row and roll it back: proves the database takes the writes an order
        needs right now (not down, locked, read-only or emptied), leaving nothing behind."""
        now = dt.datetime.now(dt.UTC)
        probe = uuid.uuid4().hex
        async with self._engine.connect() as connection:
            transaction = await connection.begin()
            try:
                await connection.execute(
                    _INSERT_ATTEMPT,
                    {
                        "client": "~readiness",  # no client name can take this form
                        "idempotency_key": probe,
                        "reference": probe,
                        "fingerprint": probe,
                        "state": AttemptState.FAILED.value,
                        "owner": probe,
                        "version": 1,
                        "lease_until": now,
                        "customer_created": False,
                        "steps": [],
                        "queued": False,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            finally:
                await transaction.rollback()

    @translated
    async def purge(self, older_than: dt.datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(order_attempts).where(
                    order_attempts.c.updated_at < older_than,
                    or_(
                        order_attempts.c.state.in_([AttemptState.COMPLETED.value, AttemptState.FAILED.value]),
                        # Abandoned long ago (nobody retried): as finished as it will ever be.
                        order_attempts.c.lease_until < older_than,
                    ),
                )
            )
            await connection.execute(delete(customer_creations).where(customer_creations.c.lease_until < older_than))
            # A purged order's refunds go with it (a later order under the reference starts without them).
            held = select(order_attempts.c.id).where(
                order_attempts.c.client == order_refunds.c.client,
                order_attempts.c.reference == order_refunds.c.reference,
            )
            await connection.execute(delete(order_refunds).where(~exists(held)))
            # And what its shop did to it after the import: its cancellation and its changes.
            for table in (shop_cancellations, shop_order_changes):
                named = select(order_attempts.c.id).where(
                    order_attempts.c.client == table.c.client, order_attempts.c.reference == table.c.reference
                )
                await connection.execute(delete(table).where(~exists(named)))
        return int(result.rowcount)
