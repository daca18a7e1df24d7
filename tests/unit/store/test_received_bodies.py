"""The body an order arrived with is stored with its attempt: kept on a claim, replaced when a failed order's
request is resent, kept when an operator's retry claims without one, and cleared after the retention."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.orders.attempts import AttemptState, Claim, ReceivedBody
from unified_order_api.orders.journal import JournalQuery
from unified_order_api.orders.ports import AttemptStore
from unified_order_api.store.journal import SqlOrderJournal
from unified_order_api.store.received_bodies import SqlReceivedBodies

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
FIRST = ReceivedBody('{"reference":"R","items":[{"sku":"ART-777","quantity":1}]}', 58, False)
RESENT = ReceivedBody('{"reference":"R","items":[{"sku":"ART-001","quantity":1}]}', 58, False)


async def _claim(store: AttemptStore, received: ReceivedBody | None, *, fingerprint: str = "F") -> Claim:
    return await store.claim(
        client="shop",
        key="R",
        reference="R",
        fingerprint=fingerprint,
        owner=uuid.uuid4().hex,
        now=NOW,
        lease_until=NOW + dt.timedelta(seconds=60),
        request={"reference": "R"},
        received=received,
    )


async def _fail(store: AttemptStore, claim: Claim) -> None:
    claim.attempt.state, claim.attempt.error = AttemptState.FAILED, {"code": "order_invalid"}
    await store.save(claim.attempt)


async def test_the_body_is_kept_with_the_attempt_and_follows_a_resent_request(store: AttemptStore) -> None:
    first = await _claim(store, FIRST)
    assert first.kind == "new"
    stored = await store.find("shop", "R")
    assert stored is not None and stored.as_received == FIRST
    await _fail(store, first)
    resent = await _claim(store, RESENT, fingerprint="G")  # the caller fixed the body and sent it again
    assert resent.kind == "new"
    stored = await store.find("shop", "R")
    assert stored is not None and stored.as_received == RESENT
    await _fail(store, resent)
    retried = await _claim(store, None, fingerprint="G")  # an operator's retry: no body of its own
    assert retried.kind == "new"
    stored = await store.find("shop", "R")
    assert stored is not None and stored.as_received == RESENT


async def test_the_journal_lists_without_bodies_and_an_order_page_reads_its_own(
    store: AttemptStore, engine: AsyncEngine
) -> None:
    claim = await _claim(store, FIRST)
    journal = SqlOrderJournal(engine)
    page = await journal.search(JournalQuery())
    assert [entry.attempt.as_received for entry in page.entries] == [None]
    assert claim.attempt.id is not None
    entry = await journal.entry(claim.attempt.id)
    assert entry is not None and entry.attempt.as_received == FIRST


async def test_bodies_are_cleared_after_the_retention_and_the_request_stays(
    store: AttemptStore, engine: AsyncEngine
) -> None:
    await _claim(store, FIRST)
    bodies = SqlReceivedBodies(engine)
    assert await bodies.purge(NOW - dt.timedelta(days=1)) == 0
    assert await bodies.purge(NOW + dt.timedelta(days=1)) == 1
    stored = await store.find("shop", "R")
    assert stored is not None and stored.as_received is None and stored.request == {"reference": "R"}
    assert await bodies.purge(NOW + dt.timedelta(days=1)) == 0  # nothing left to clear
