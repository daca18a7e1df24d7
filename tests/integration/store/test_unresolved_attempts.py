"""The reconciler's side of the store: unresolved attempts taken by one taker each, on every database; on
PostgreSQL, two processes' stores (their own engines) polling at once never take the same attempt."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from tests.support.databases import postgres_schema
from unified_order_api.orders.attempts import AttemptState, StepName
from unified_order_api.orders.journal import JournalQuery
from unified_order_api.orders.ports import AttemptStore
from unified_order_api.store import migrate
from unified_order_api.store.attempts import SqlAttemptStore
from unified_order_api.store.database import create_engine
from unified_order_api.store.journal import SqlOrderJournal

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)


async def _stuck(store: AttemptStore, reference: str, *, queued: bool = False) -> None:
    """An attempt whose lease ran out a minute after NOW (its process died, or its outcome was unknown)."""
    await store.claim(
        client="shop",
        key=reference,
        reference=reference,
        fingerprint="F",
        owner=uuid.uuid4().hex,
        now=NOW,
        lease_until=NOW + dt.timedelta(minutes=1),
        queued=queued,
    )


async def _take(store: AttemptStore, *, now: dt.datetime = LATER, limit: int = 10) -> list[str]:
    taken = await store.claim_unresolved(
        owner=uuid.uuid4().hex, now=now, lease_until=now + dt.timedelta(minutes=1), limit=limit
    )
    return [attempt.reference for attempt in taken]


async def test_unresolved_attempts_are_taken_once_their_lease_ran_out_and_only_then(store: AttemptStore) -> None:
    for reference in ("R1", "R2"):
        await _stuck(store, reference)
    await _stuck(store, "Q1", queued=True)  # the queue worker's
    assert await _take(store, now=NOW) == []  # leases still running
    assert await _take(store) == ["R1", "R2"]
    assert await _take(store) == []  # taken: leased to the taker now
    assert await _take(store, now=LATER + dt.timedelta(minutes=2)) == ["R1", "R2"]  # the taker died too


async def test_finished_attempts_are_not_unresolved(store: AttemptStore) -> None:
    await _stuck(store, "R1")
    [attempt] = await store.claim_unresolved(owner="me", now=LATER, lease_until=LATER, limit=5)
    attempt.state = AttemptState.FAILED
    await store.save(attempt)
    assert await _take(store, now=LATER + dt.timedelta(hours=1)) == []
    assert (await store.unresolved(LATER)).count == 0


async def test_unresolved_counts_what_started_before_the_threshold(store: AttemptStore) -> None:
    await _stuck(store, "R1")
    await _stuck(store, "Q1", queued=True)
    assert (await store.unresolved(NOW - dt.timedelta(seconds=1))).count == 0
    summary = await store.unresolved(LATER)
    assert summary.count == 1 and summary.oldest == NOW


@pytest.mark.postgres
async def test_two_processes_on_postgresql_never_take_the_same_attempt() -> None:
    with postgres_schema() as url:
        migrate.upgrade(url)
        engines = [create_engine(url), create_engine(url)]
        try:
            first, second = (SqlAttemptStore(engine) for engine in engines)
            references = [f"R{n}" for n in range(60)]
            for reference in references:
                await _stuck(first, reference)
            taken: list[list[str]] = [[], []]

            async def poll(store: SqlAttemptStore, into: list[str]) -> None:
                for _ in range(20):  # at most 40 each: neither can take all 60 alone
                    into.extend(await _take(store, limit=2))
                    await asyncio.sleep(0)

            await asyncio.gather(poll(first, taken[0]), poll(second, taken[1]))
            assert not set(taken[0]) & set(taken[1])
            assert sorted(taken[0] + taken[1]) == sorted(references)
        finally:
            for engine in engines:
                await engine.dispose()


async def test_the_journal_lists_the_orders_needing_attention_with_their_age_and_last_finding(
    store: AttemptStore,
) -> None:
    assert isinstance(store, SqlAttemptStore)
    journal = SqlOrderJournal(store._engine)
    await _stuck(store, "OLD")
    await _stuck(store, "QUEUED", queued=True)
    [old] = await store.claim_unresolved(owner="me", now=LATER, lease_until=LATER, limit=5)
    old.note(StepName.RECONCILER_CHECKED, LATER, "xentral_unavailable: Xentral is unavailable")
    await store.save(old)
    await store.claim(
        client="shop", key="NEW", reference="NEW", fingerprint="F", owner="o", now=LATER, lease_until=LATER
    )
    page = await journal.search(JournalQuery(unresolved_since=LATER - dt.timedelta(minutes=1)))
    [entry] = page.entries
    assert entry.attempt.reference == "OLD" and page.total == 1
    assert entry.unresolved_for(LATER) == dt.timedelta(minutes=5)
    assert entry.last_finding == "xentral_unavailable: Xentral is unavailable"
    everything = await journal.search(JournalQuery())
    assert {e.attempt.reference for e in everything.entries} == {"OLD", "QUEUED", "NEW"}
    queued = next(e for e in everything.entries if e.attempt.reference == "QUEUED")
    assert queued.unresolved_for(LATER) is None  # the queue worker's, not waiting for an outcome
