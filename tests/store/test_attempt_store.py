"""Claim semantics of the SQL attempt store, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.orders.attempts import AttemptState, LeaseLost, OrderReceipt, WebhookMessage
from unified_order_api.store.attempts import SqlAttemptStore

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


async def _claim(
    store: SqlAttemptStore,
    *,
    key: str = "K",
    reference: str = "R",
    fingerprint: str = "F",
    now: dt.datetime = NOW,
    lease: float = 60,
):
    return await store.claim(
        client="shop",
        key=key,
        reference=reference,
        fingerprint=fingerprint,
        owner=uuid.uuid4().hex,
        now=now,
        lease_until=now + dt.timedelta(seconds=lease),
    )


def _receipt() -> OrderReceipt:
    return OrderReceipt("R", "17", "200001", "released", "4", "10004", True, "created")


async def test_concurrent_claims_of_one_key_yield_exactly_one_owner(engine: AsyncEngine) -> None:
    store = SqlAttemptStore(engine)
    claims = await asyncio.gather(*(_claim(store) for _ in range(30)))
    kinds = [claim.kind for claim in claims]
    assert kinds.count("new") == 1
    assert set(kinds) == {"new", "in_progress"}


async def test_completed_attempt_replays_and_refuses_another_body(engine: AsyncEngine) -> None:
    store = SqlAttemptStore(engine)
    attempt = (await _claim(store)).attempt
    attempt.state = AttemptState.COMPLETED
    attempt.receipt = _receipt()
    attempt.record("completed", NOW)
    await store.save(attempt)

    replay = await _claim(store)
    assert replay.kind == "replay"
    assert replay.attempt.receipt == _receipt()
    assert (await _claim(store, fingerprint="OTHER")).kind == "key_reused"
    assert (await _claim(store, key="K2")).kind == "replay"  # same reference, new key


async def test_expired_lease_is_taken_over_and_the_old_owner_is_fenced(engine: AsyncEngine) -> None:
    store = SqlAttemptStore(engine)
    first = (await _claim(store, lease=5)).attempt
    assert (await _claim(store, now=NOW + dt.timedelta(seconds=1))).kind == "in_progress"
    takeover = await _claim(store, now=NOW + dt.timedelta(seconds=10))
    assert takeover.kind == "resumed"
    first.state = AttemptState.IMPORTING
    first.record("importing", NOW)
    try:
        await store.save(first)
    except LeaseLost:
        pass
    else:
        raise AssertionError("the old owner could still write")
    takeover.attempt.state = AttemptState.IMPORTING
    takeover.attempt.record("importing", NOW)
    await store.save(takeover.attempt)
    found = await store.find("shop", "R")
    assert found is not None and found.state == AttemptState.IMPORTING


async def test_failed_attempt_frees_the_key_but_keeps_its_customer(engine: AsyncEngine) -> None:
    store = SqlAttemptStore(engine)
    attempt = (await _claim(store)).attempt
    attempt.customer_id, attempt.customer_created, attempt.customer_identity = "9", True, "|a@b.de"
    attempt.state = AttemptState.FAILED
    attempt.error = {"code": "xentral_rejected"}
    attempt.record("failed", NOW)
    await store.save(attempt)

    retry = await _claim(store, fingerprint="FIXED")
    assert retry.kind == "new"
    assert (retry.attempt.customer_id, retry.attempt.customer_created) == ("9", True)
    assert retry.attempt.state == AttemptState.RECEIVED and retry.attempt.error is None


async def test_completion_writes_the_outbox_row_in_the_same_transaction(engine: AsyncEngine) -> None:
    from sqlalchemy import select

    from unified_order_api.store.tables import webhook_deliveries

    store = SqlAttemptStore(engine)
    attempt = (await _claim(store)).attempt
    attempt.state, attempt.receipt = AttemptState.COMPLETED, _receipt()
    attempt.record("completed", NOW)
    message = WebhookMessage("shop", "https://hooks.example.com/x", "order.created", "evt_1", {"a": 1})
    await store.save(attempt, message)
    async with engine.connect() as connection:
        rows = (await connection.execute(select(webhook_deliveries))).all()
    assert [(row.event_id, row.state) for row in rows] == [("evt_1", "pending")]


async def test_purge_removes_old_finished_and_abandoned_attempts(engine: AsyncEngine) -> None:
    store = SqlAttemptStore(engine)
    done = (await _claim(store, key="A", reference="A")).attempt
    done.state, done.receipt = AttemptState.COMPLETED, _receipt()
    done.record("completed", NOW)
    await store.save(done)
    await _claim(store, key="B", reference="B", lease=2 * 86400)  # still running
    await _claim(store, key="C", reference="C", lease=5)  # abandoned: its lease ran out long ago
    assert await store.purge(NOW + dt.timedelta(days=1)) == 2
    assert await store.find("shop", "A") is None
    assert await store.find("shop", "B") is not None
    assert await store.find("shop", "C") is None
