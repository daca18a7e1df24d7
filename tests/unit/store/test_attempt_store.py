"""The attempt store contract, for every store: in memory (unit tests), SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.orders.attempts import AttemptState, Claim, LeaseLost, OrderReceipt, StepName, WebhookMessage
from unified_order_api.orders.ports import AttemptStore
from unified_order_api.store.attempts import SqlAttemptStore

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


async def _claim(
    store: AttemptStore,
    *,
    key: str = "K",
    reference: str = "R",
    fingerprint: str = "F",
    now: dt.datetime = NOW,
    lease: float = 60,
) -> Claim:
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


async def test_concurrent_claims_of_one_key_yield_exactly_one_owner(store: AttemptStore) -> None:
    claims = await asyncio.gather(*(_claim(store) for _ in range(30)))
    kinds = [claim.kind for claim in claims]
    assert kinds.count("new") == 1
    assert set(kinds) == {"new", "in_progress"}


async def test_a_burst_of_claims_written_together_keeps_one_owner_per_key_and_reference(store: AttemptStore) -> None:
    """Claims arriving at once share transactions (group commit); each key and each reference still
    gets exactly one new attempt, also when the same key or reference appears twice in one group."""
    keys = [f"K{n}" for n in range(40)]
    claims = await asyncio.gather(
        *(_claim(store, key=key, reference=f"R{key}") for key in keys),
        *(_claim(store, key=key, reference=f"R{key}") for key in keys[:10]),  # the same request again
        *(_claim(store, key=f"other-{key}", reference=f"R{key}") for key in keys[10:15]),  # a taken reference
    )
    new = [claim for claim in claims if claim.kind == "new"]
    assert sorted(claim.attempt.key for claim in new) == sorted(keys)
    assert len({claim.attempt.id for claim in new}) == len(keys) and all(claim.attempt.id for claim in new)
    assert [claim.kind for claim in claims[40:50]] == ["in_progress"] * 10
    assert [claim.kind for claim in claims[50:]] == ["in_progress"] * 5  # the same order under another key
    for claim in new:
        found = await store.find("shop", claim.attempt.reference)
        assert found is not None and found.id == claim.attempt.id and found.owner == claim.attempt.owner


async def test_completed_attempt_replays_and_refuses_another_body(store: AttemptStore) -> None:
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


async def test_expired_lease_is_taken_over_and_the_old_owner_is_fenced(store: AttemptStore) -> None:
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


async def test_failed_attempt_frees_the_key_but_keeps_its_customer(store: AttemptStore) -> None:
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


async def test_purge_removes_old_finished_and_abandoned_attempts(store: AttemptStore) -> None:
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


async def test_a_key_equal_to_another_attempts_reference_is_no_conflict(store: AttemptStore) -> None:
    done = (await _claim(store, key="R2", reference="R1")).attempt
    done.state, done.receipt = AttemptState.COMPLETED, _receipt()
    done.record(StepName.COMPLETED, NOW)
    await store.save(done)
    assert (await _claim(store, key="K2", reference="R2")).kind == "new"


async def test_find_prefers_the_attempt_with_that_reference_over_one_with_that_key(store: AttemptStore) -> None:
    await _claim(store, key="X", reference="A")
    await _claim(store, key="K", reference="X")
    found = await store.find("shop", "X")
    assert found is not None and found.reference == "X"
    by_key = await store.find("shop", "K")
    assert by_key is not None and by_key.reference == "X"


async def test_save_moves_updated_at_so_purge_keeps_recent_work(store: AttemptStore) -> None:
    attempt = (await _claim(store, lease=10 * 86400)).attempt
    attempt.state, attempt.receipt = AttemptState.COMPLETED, _receipt()
    attempt.record(StepName.COMPLETED, NOW + dt.timedelta(days=3))
    await store.save(attempt)
    assert await store.purge(NOW + dt.timedelta(days=2)) == 0
    assert await store.find("shop", "R") is not None


async def test_taking_over_a_failed_attempt_under_another_attempts_key_is_key_reuse(store: AttemptStore) -> None:
    failed = (await _claim(store, key="K1", reference="R1")).attempt
    failed.state, failed.error = AttemptState.FAILED, {"code": "x"}
    failed.record(StepName.FAILED, NOW)
    await store.save(failed)
    await _claim(store, key="K2", reference="R2")
    reused = await _claim(store, key="K2", reference="R1")
    assert reused.kind == "key_reused"
    assert reused.attempt.reference == "R1"


async def test_queued_attempts_are_claimed_once_in_arrival_order(store: AttemptStore) -> None:
    for n in range(3):
        await store.claim(
            client="shop",
            key=f"Q{n}",
            reference=f"Q{n}",
            fingerprint="F",
            owner="api",
            now=NOW,
            lease_until=NOW,
            queued=True,
        )
    assert await store.queue_depth() == 3
    first = await store.claim_queued(owner="w1", now=NOW, lease_until=NOW + dt.timedelta(seconds=60), limit=2)
    second = await store.claim_queued(owner="w2", now=NOW, lease_until=NOW + dt.timedelta(seconds=60), limit=5)
    assert [a.reference for a in first] == ["Q0", "Q1"]
    assert [a.reference for a in second] == ["Q2"]
    assert await store.claim_queued(owner="w3", now=NOW, lease_until=NOW, limit=5) == []


async def test_the_oldest_queued_order_is_the_longest_waiting_unfinished_one(store: AttemptStore) -> None:
    assert await store.oldest_queued() is None
    arrivals = [NOW + dt.timedelta(minutes=n) for n in range(3)]
    for n, arrived in enumerate(arrivals):
        await store.claim(
            client="shop",
            key=f"Q{n}",
            reference=f"Q{n}",
            fingerprint="F",
            owner="api",
            now=arrived,
            lease_until=arrived,
            queued=True,
        )
    await _claim(store, key="S", reference="S", now=NOW - dt.timedelta(hours=1))  # synchronous: not queued
    assert await store.oldest_queued() == arrivals[0]
    (first,) = await store.claim_queued(owner="w1", now=arrivals[2], lease_until=arrivals[2], limit=1)
    assert await store.oldest_queued() == arrivals[0]  # claimed, still waiting for its order
    first.state = AttemptState.COMPLETED
    await store.save(first)
    assert await store.oldest_queued() == arrivals[1]


async def test_one_customer_creation_at_a_time_then_its_id_is_remembered(store: AttemptStore) -> None:
    lease = NOW + dt.timedelta(seconds=60)
    claims = await asyncio.gather(
        *(store.claim_customer_creation("a@b.de", owner=f"o{n}", now=NOW, lease_until=lease) for n in range(10))
    )
    kinds = [claim.kind for claim in claims]
    assert kinds.count("mine") == 1 and set(kinds) == {"mine", "wait"}
    owner = f"o{kinds.index('mine')}"
    await store.finish_customer_creation(
        "a@b.de", owner="someone-else", customer_id="99", remember_until=NOW + dt.timedelta(seconds=600)
    )
    assert (await store.claim_customer_creation("a@b.de", owner="x", now=NOW, lease_until=lease)).kind == "wait"
    await store.finish_customer_creation(
        "a@b.de", owner=owner, customer_id="7", remember_until=NOW + dt.timedelta(seconds=600)
    )
    later = await store.claim_customer_creation(
        "a@b.de", owner="y", now=NOW + dt.timedelta(seconds=300), lease_until=lease
    )
    assert (later.kind, later.customer_id) == ("created", "7")
    forgotten_after = NOW + dt.timedelta(seconds=601)
    expired = await store.claim_customer_creation("a@b.de", owner="z", now=forgotten_after, lease_until=lease)
    # Remembered long enough; after that the next creator searches Xentral first, which finds the customer.
    assert expired.kind == "search_then_create"


async def test_a_given_up_creation_frees_the_claim_and_forget_drops_only_remembered_ids(store: AttemptStore) -> None:
    lease = NOW + dt.timedelta(seconds=60)
    assert (await store.claim_customer_creation("c@d.de", owner="o1", now=NOW, lease_until=lease)).kind == "mine"
    await store.forget_customer_creation("c@d.de")  # still being created: not forgotten
    assert (await store.claim_customer_creation("c@d.de", owner="o2", now=NOW, lease_until=lease)).kind == "wait"
    await store.finish_customer_creation("c@d.de", owner="o1", customer_id=None, remember_until=lease)
    assert (await store.claim_customer_creation("c@d.de", owner="o2", now=NOW, lease_until=lease)).kind == "mine"
    await store.finish_customer_creation("c@d.de", owner="o2", customer_id="8", remember_until=lease)
    await store.forget_customer_creation("c@d.de")
    assert (await store.claim_customer_creation("c@d.de", owner="o3", now=NOW, lease_until=lease)).kind == "mine"


async def test_purge_drops_expired_creation_claims(store: AttemptStore) -> None:
    await store.claim_customer_creation("e@f.de", owner="o1", now=NOW, lease_until=NOW + dt.timedelta(seconds=5))
    await store.purge(NOW + dt.timedelta(days=1))
    # The claim row is gone: a new claim is a fresh insert, not a takeover (both say "mine").
    claim = await store.claim_customer_creation(
        "e@f.de", owner="o2", now=NOW, lease_until=NOW + dt.timedelta(seconds=60)
    )
    assert claim.kind == "mine"


async def test_a_lost_creation_answer_keeps_the_claim_unknown(store: AttemptStore) -> None:
    """Nobody creates the customer again before searching: during the quiet time others only
    search; after it, the next taker holds the claim but must search before creating."""
    identity = "lost@example.com"
    later = dt.timedelta(seconds=60)
    first = await store.claim_customer_creation(identity, owner="a", now=NOW, lease_until=NOW + later)
    assert first.kind == "mine"
    assert (await store.claim_customer_creation(identity, owner="b", now=NOW, lease_until=NOW + later)).kind == "wait"
    quiet_until = NOW + dt.timedelta(seconds=30)
    await store.finish_customer_creation(
        identity, owner="a", customer_id=None, remember_until=quiet_until, outcome_unknown=True
    )
    during = await store.claim_customer_creation(identity, owner="b", now=NOW, lease_until=NOW + later)
    assert during.kind == "search"
    after = quiet_until + dt.timedelta(seconds=1)
    taken = await store.claim_customer_creation(identity, owner="b", now=after, lease_until=after + later)
    assert taken.kind == "search_then_create"
    other = await store.claim_customer_creation(identity, owner="c", now=after, lease_until=after + later)
    assert other.kind == "search"
    await store.record_found_customer(identity, "42", after + later)
    found = await store.claim_customer_creation(identity, owner="c", now=after, lease_until=after + later)
    assert (found.kind, found.customer_id) == ("created", "42")


async def test_a_creator_that_died_leaves_a_claim_that_is_searched_first(store: AttemptStore) -> None:
    lease = NOW + dt.timedelta(seconds=60)
    assert (await store.claim_customer_creation("d@e.de", owner="o1", now=NOW, lease_until=lease)).kind == "mine"
    after = lease + dt.timedelta(seconds=1)
    until = after + dt.timedelta(seconds=60)
    taken = await store.claim_customer_creation("d@e.de", owner="o2", now=after, lease_until=until)
    assert taken.kind == "search_then_create"


async def test_clients_of_order_names_whose_order_it_is(store: AttemptStore) -> None:
    attempt = (await _claim(store)).attempt
    attempt.state, attempt.receipt, attempt.order_id = AttemptState.COMPLETED, _receipt(), "17"
    attempt.record(StepName.COMPLETED, NOW)
    await store.save(attempt)
    assert await store.clients_of_order("17") == {"shop"}
    assert await store.clients_of_order("18") == set()
