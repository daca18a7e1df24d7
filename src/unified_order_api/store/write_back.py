"""The SQL write-back queue: durable jobs for the shops' APIs, their attempts, and the feed's cursor.

Guarantees:

- a job is queued once per order and key (the unique `job_key`): a lifecycle change read twice, or a
  note asked for twice, is one job;
- jobs from the change feed are queued in the transaction that moves the feed's cursor (`advance`),
  fenced by the cursor's lease: a change is turned into its jobs once, by one process, and a process
  killed between reading and queueing loses nothing (the next owner reads from the old cursor);
- claims are leases as in the other queues: `FOR UPDATE SKIP LOCKED` on PostgreSQL (several processes
  never take the same job), a conditional UPDATE on SQLite; a job whose worker died is claimed again
  once `claim_until` has passed; every later write of a claim (its mark, its result) is fenced by the
  worker, so a worker whose lease was taken writes nothing;
- each attempt's answer is a `write_back_attempts` row written with the job's new state.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..write_back.model import JobAttempt, JobKind, JobState, NewJob, WriteBackJob
from .failures import translated
from .purging import delete_in_batches, order_gone
from .tables import write_back_attempts, write_back_cursor, write_back_jobs

__all__ = ["FEED", "SqlWriteBackQueue"]

FEED = "lifecycle"  # the cursor's name: one per deployment
_J = write_back_jobs.c
_A = write_back_attempts.c


def _claimable(now: dt.datetime) -> Any:
    return and_(
        _J.state == JobState.PENDING.value,
        _J.next_attempt_at <= now,
        or_(_J.claim_until.is_(None), _J.claim_until <= now),
    )


def _job(row: Row[Any], history: Sequence[JobAttempt] = ()) -> WriteBackJob:
    values = row._mapping
    return WriteBackJob(
        id=values["id"],
        client=values["client"],
        reference=values["reference"],
        kind=JobKind(values["kind"]),
        key=values["job_key"],
        cause=values["cause"],
        state=JobState(values["state"]),
        attempts=values["attempts"],
        created_at=values["created_at"],
        next_attempt_at=values["next_attempt_at"],
        give_up_at=values["give_up_at"],
        payload=dict(values["payload"] or {}),
        mark=dict(values["mark"]) if values["mark"] is not None else None,
        outcome=values["outcome"],
        history=tuple(history),
    )


def _attempt(row: Row[Any]) -> JobAttempt:
    return JobAttempt(
        at=row.at,
        outcome=row.outcome,
        answer=row.answer,
        status=row.status,
        worker=row.worker,
        duration_ms=row.duration_ms,
    )


async def _enqueue(connection: AsyncConnection, job: NewJob, now: dt.datetime, give_up_at: dt.datetime) -> bool:
    values = {
        "client": job.client,
        "reference": job.reference,
        "kind": job.kind.value,
        "job_key": job.key[:128],
        "cause": job.cause,
        "payload": job.payload(),
        "state": JobState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "give_up_at": give_up_at,
        "created_at": now,
        "updated_at": now,
    }
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement: Any = pg_insert(write_back_jobs).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite_insert(write_back_jobs).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the two supported databases are above
        statement = insert(write_back_jobs).values(**values)
    result = await connection.execute(statement.returning(_J.id))
    return result.scalar_one_or_none() is not None


class SqlWriteBackQueue:
    """Implements `write_back.WriteBackQueue` and `write_back.FeedCursor`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._skip_locked = engine.dialect.name == "postgresql"

    # -- queueing -------------------------------------------------------------------------------

    @translated
    async def enqueue(self, job: NewJob, now: dt.datetime, give_up_at: dt.datetime) -> bool:
        async with self._engine.begin() as connection:
            return await _enqueue(connection, job, now, give_up_at)

    # -- the feed's cursor ----------------------------------------------------------------------

    @translated
    async def claim_feed(self, *, owner: str, now: dt.datetime, until: dt.datetime) -> int | None:
        async with self._engine.begin() as connection:
            row = (await connection.execute(select(write_back_cursor).where(write_back_cursor.c.name == FEED))).first()
            if row is None:
                try:
                    async with connection.begin_nested():
                        await connection.execute(
                            insert(write_back_cursor).values(
                                name=FEED, after_change_id=0, owner=owner, lease_until=until, updated_at=now
                            )
                        )
                except Exception:  # another process inserted it first: it holds the feed
                    return None
                return 0
            taken = await connection.execute(
                update(write_back_cursor)
                .where(write_back_cursor.c.name == FEED)
                .where(or_(write_back_cursor.c.owner == owner, write_back_cursor.c.lease_until <= now))
                .where(write_back_cursor.c.lease_until == row.lease_until)
                .values(owner=owner, lease_until=until)
            )
            if taken.rowcount != 1:
                return None
            return int(row.after_change_id)

    @translated
    async def advance(
        self, *, owner: str, after: int, jobs: Sequence[NewJob], now: dt.datetime, give_up_at: dt.datetime
    ) -> bool:
        async with self._engine.begin() as connection:
            moved = await connection.execute(
                update(write_back_cursor)
                .where(
                    write_back_cursor.c.name == FEED,
                    write_back_cursor.c.owner == owner,
                    write_back_cursor.c.lease_until > now,
                    write_back_cursor.c.after_change_id <= after,
                )
                .values(after_change_id=after, updated_at=now)
            )
            if moved.rowcount != 1:  # the lease is lost (or the cursor is further): nothing is queued
                return False
            for job in jobs:
                await _enqueue(connection, job, now, give_up_at)
        return True

    # -- claims and results -----------------------------------------------------------------------

    @translated
    async def claim(self, *, worker: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[WriteBackJob]:
        query = select(write_back_jobs).where(_claimable(now)).order_by(_J.next_attempt_at, _J.id).limit(limit)
        if self._skip_locked:
            query = query.with_for_update(skip_locked=True)
        claimed: list[WriteBackJob] = []
        async with self._engine.begin() as connection:
            for row in (await connection.execute(query)).all():
                result = await connection.execute(
                    update(write_back_jobs)
                    .where(and_(_J.id == row.id, _claimable(now)))
                    .values(claimed_by=worker, claim_until=until)
                )
                if result.rowcount == 1:
                    claimed.append(_job(row))
        return claimed

    @translated
    async def keep_mark(self, job: WriteBackJob, *, worker: str, mark: dict[str, Any]) -> bool:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(write_back_jobs).where(_J.id == job.id, _J.claimed_by == worker).values(mark=mark)
            )
        return bool(result.rowcount == 1)

    async def _close(self, job: WriteBackJob, worker: str, attempt: JobAttempt, values: dict[str, Any]) -> None:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(write_back_jobs)
                .where(_J.id == job.id, _J.claimed_by == worker)
                .values(
                    attempts=_J.attempts + 1,
                    claimed_by=None,
                    claim_until=None,
                    outcome=attempt.answer[:2000],
                    updated_at=attempt.at,
                    **values,
                )
            )
            if result.rowcount == 1:
                await _record(connection, job.id, attempt)

    @translated
    async def finish(self, job: WriteBackJob, *, worker: str, attempt: JobAttempt) -> None:
        await self._close(job, worker, attempt, {"state": JobState.DONE.value})

    @translated
    async def retry(self, job: WriteBackJob, *, worker: str, attempt: JobAttempt, at: dt.datetime) -> None:
        await self._close(job, worker, attempt, {"state": JobState.PENDING.value, "next_attempt_at": at})

    @translated
    async def bury(self, job: WriteBackJob, *, worker: str, attempt: JobAttempt) -> None:
        await self._close(job, worker, attempt, {"state": JobState.DEAD.value})

    @translated
    async def redeliver(
        self, job_id: int, *, operator: str, now: dt.datetime, give_up_at: dt.datetime
    ) -> WriteBackJob | None:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(write_back_jobs)
                .where(_J.id == job_id, _J.state == JobState.DEAD.value)
                .values(
                    state=JobState.PENDING.value,
                    next_attempt_at=now,
                    give_up_at=give_up_at,
                    claimed_by=None,
                    claim_until=None,
                    updated_at=now,
                )
            )
            if result.rowcount != 1:
                return None
            await _record(
                connection,
                job_id,
                JobAttempt(at=now, outcome="redelivered", answer=f"redelivered by {operator}", worker=operator),
            )
            row = (await connection.execute(select(write_back_jobs).where(_J.id == job_id))).one()
        return _job(row)

    # -- reads ------------------------------------------------------------------------------------

    @translated
    async def jobs_of(self, client: str, reference: str) -> list[WriteBackJob]:
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(write_back_jobs).where(_J.client == client, _J.reference == reference).order_by(_J.id)
                )
            ).all()
            history = await _history(connection, [row.id for row in rows])
        return [_job(row, history.get(row.id, ())) for row in rows]

    @translated
    async def job(self, job_id: int) -> WriteBackJob | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(write_back_jobs).where(_J.id == job_id))).first()
            if row is None:
                return None
            history = await _history(connection, [job_id])
        return _job(row, history.get(job_id, ()))

    @translated
    async def dead_since(self, since: dt.datetime) -> list[WriteBackJob]:
        """Jobs that died at or after `since` (the alert's trigger reads them)."""
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(write_back_jobs)
                    .where(_J.state == JobState.DEAD.value, _J.updated_at >= since)
                    .order_by(_J.id)
                )
            ).all()
        return [_job(row) for row in rows]

    @translated
    async def purge(self, older_than: dt.datetime) -> int:
        """Delete jobs done before `older_than` whose order is gone (`order_gone`), with their attempts (ON
        DELETE CASCADE). While the order is tracked its done jobs stay: they are what makes a change read
        again one job (the unique `job_key`), not a second write to the shop; while its attempt stays the
        console shows them on its page. Pending and dead jobs stay, however old."""
        return await delete_in_batches(
            self._engine,
            write_back_jobs,
            [_J.id],
            [_J.state == JobState.DONE.value, _J.updated_at < older_than, order_gone(write_back_jobs)],
        )


async def _record(connection: AsyncConnection, job_id: int, attempt: JobAttempt) -> None:
    await connection.execute(
        insert(write_back_attempts).values(
            job_id=job_id,
            at=attempt.at,
            outcome=attempt.outcome,
            status=attempt.status,
            answer=attempt.answer[:2000],
            worker=attempt.worker,
            duration_ms=attempt.duration_ms,
        )
    )


async def _history(connection: AsyncConnection, job_ids: list[int]) -> dict[int, list[JobAttempt]]:
    if not job_ids:
        return {}
    rows = await connection.execute(select(write_back_attempts).where(_A.job_id.in_(job_ids)).order_by(_A.id))
    found: dict[int, list[JobAttempt]] = defaultdict(list)
    for row in rows:
        found[row.job_id].append(_attempt(row))
    return found
