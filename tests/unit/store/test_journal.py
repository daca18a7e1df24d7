"""The order journal's queries and its fenced notes, on SQLite and PostgreSQL; deliveries by order."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.orders.attempts import Attempt, AttemptState, OrderReceipt, Step, WebhookMessage
from unified_order_api.orders.journal import JournalQuery, JournalState
from unified_order_api.store.attempts import SqlAttemptStore
from unified_order_api.store.deliveries import SqlDeliveryStore
from unified_order_api.store.journal import SqlOrderJournal
from unified_order_api.store.tables import order_attempts
from unified_order_api.webhooks.deliveries import DeliveryState

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)


def _request(
    reference: str, email: str, shipping: str | None = "dhl", payment: str | None = "paypal"
) -> dict[str, Any]:
    return {"reference": reference, "customer": {"email": email}, "shipping": shipping, "payment": payment}


async def _attempt(
    store: SqlAttemptStore,
    reference: str,
    *,
    client: str = "shop",
    email: str = "kunde@example.com",
    at: dt.datetime = NOW,
    queued: bool = False,
    shipping: str | None = "dhl",
    payment: str | None = "paypal",
) -> Attempt:
    claim = await store.claim(
        client=client,
        key=reference,
        reference=reference,
        fingerprint="F",
        owner=uuid.uuid4().hex,
        now=at,
        lease_until=at + dt.timedelta(seconds=60),
        request=_request(reference, email, shipping, payment),
        queued=queued,
    )
    assert claim.kind == "new"
    return claim.attempt


async def _finish(store: SqlAttemptStore, attempt: Attempt, state: AttemptState) -> None:
    attempt.state = state
    at = attempt.created_at + dt.timedelta(seconds=1)
    if state == AttemptState.COMPLETED:
        attempt.receipt = OrderReceipt(attempt.reference, "7", "200007", "released", "4", "10004", False, "created")
        attempt.record("completed", at)
        webhook = WebhookMessage(
            client=attempt.client,
            url="https://hooks.example.com/x",
            event_type="order.created",
            event_id=f"evt_{uuid.uuid4().hex}",
            payload={"type": "order.created", "data": {"reference": attempt.reference}},
        )
        await store.save(attempt, webhook)
    else:
        attempt.error = {"code": "xentral_unavailable", "detail": "down"}
        attempt.record("failed", at)
        await store.save(attempt)


async def _store_totals(engine: AsyncEngine, attempt: Attempt) -> None:
    """A receipt with a totals check, as the totals flow stores it (raw JSON: read without the dataclass)."""
    assert attempt.receipt is not None
    receipt = attempt.receipt.to_json() | {"totals": {"gross": "119.00", "xentral": "119.00", "matches": True}}
    async with engine.begin() as connection:
        await connection.execute(
            update(order_attempts).where(order_attempts.c.id == attempt.id).values(receipt=receipt)
        )


async def test_search_filters_by_client_state_text_and_dates_newest_first(engine: AsyncEngine) -> None:
    store, journal = SqlAttemptStore(engine), SqlOrderJournal(engine)
    done = await _attempt(store, "SHOP-1", email="anna@example.com", at=NOW)
    failed = await _attempt(store, "SHOP-2", email="ben@example.com", at=NOW + dt.timedelta(minutes=1))
    await _attempt(store, "AMZ-3", client="amazon", at=NOW + dt.timedelta(days=1), queued=True)
    await _attempt(store, "SHOP-4", email="Carla@Example.com", at=NOW + dt.timedelta(days=2))
    await _finish(store, done, AttemptState.COMPLETED)
    await _finish(store, failed, AttemptState.FAILED)

    everything = await journal.search(JournalQuery())
    assert [e.attempt.reference for e in everything.entries] == ["SHOP-4", "AMZ-3", "SHOP-2", "SHOP-1"]
    assert everything.total == 4
    assert [e.status for e in everything.entries] == [
        JournalState.PROCESSING,
        JournalState.QUEUED,
        JournalState.FAILED,
        JournalState.COMPLETED,
    ]

    async def references(**filters: Any) -> list[str]:
        return [e.attempt.reference for e in (await journal.search(JournalQuery(**filters))).entries]

    assert await references(client="amazon") == ["AMZ-3"]
    assert await references(state=JournalState.FAILED) == ["SHOP-2"]
    assert await references(state=JournalState.COMPLETED) == ["SHOP-1"]
    assert await references(state=JournalState.QUEUED) == ["AMZ-3"]
    assert await references(state=JournalState.PROCESSING) == ["SHOP-4"]
    assert await references(text="shop-2") == ["SHOP-2"]  # reference, any case
    assert await references(text="carla@example.COM") == ["SHOP-4"]  # email, any case
    assert await references(text="ben@") == ["SHOP-2"]
    assert await references(text="50%_") == []  # LIKE wildcards are matched literally
    assert await references(created_from=NOW + dt.timedelta(days=1)) == ["SHOP-4", "AMZ-3"]
    assert await references(created_until=NOW + dt.timedelta(days=1)) == ["SHOP-2", "SHOP-1"]
    assert await references(client="shop", state=JournalState.FAILED, text="SHOP") == ["SHOP-2"]


async def test_search_pages_by_id_without_gaps_or_repeats(engine: AsyncEngine) -> None:
    store, journal = SqlAttemptStore(engine), SqlOrderJournal(engine)
    for n in range(7):
        await _attempt(store, f"P-{n}", at=NOW + dt.timedelta(seconds=n))
    seen: list[str] = []
    before = None
    while True:
        page = await journal.search(JournalQuery(limit=3, before_id=before))
        assert page.total == 7
        seen += [e.attempt.reference for e in page.entries]
        if page.next_before_id is None:
            break
        before = page.next_before_id
    assert seen == [f"P-{n}" for n in reversed(range(7))]


async def test_entry_carries_the_totals_check_when_the_receipt_has_one(engine: AsyncEngine) -> None:
    store, journal = SqlAttemptStore(engine), SqlOrderJournal(engine)
    plain, checked = await _attempt(store, "T-1"), await _attempt(store, "T-2")
    await _finish(store, plain, AttemptState.COMPLETED)
    await _finish(store, checked, AttemptState.COMPLETED)
    await _store_totals(engine, checked)
    assert plain.id is not None and checked.id is not None
    without = await journal.entry(plain.id)
    with_totals = await journal.entry(checked.id)
    assert without is not None and without.totals is None
    assert with_totals is not None and with_totals.totals == {"gross": "119.00", "xentral": "119.00", "matches": True}
    assert await journal.entry(999_999) is None


async def test_note_appends_only_in_allowed_states_and_survives_a_later_claim(engine: AsyncEngine) -> None:
    store, journal = SqlAttemptStore(engine), SqlOrderJournal(engine)
    attempt = await _attempt(store, "N-1")
    assert attempt.id is not None
    note = Step("operator_retry", NOW + dt.timedelta(minutes=5), "retry requested by alice")
    # In progress: a worker owns it and its next save would drop the note, so it is refused.
    assert await store.note(attempt.id, note, only_in=[AttemptState.FAILED]) is False
    await _finish(store, attempt, AttemptState.FAILED)
    assert await store.note(attempt.id, note, only_in=[AttemptState.FAILED]) is True

    retry = await store.claim(
        client="shop",
        key="N-1",
        reference="N-1",
        fingerprint="F",
        owner="retrier",
        now=NOW + dt.timedelta(minutes=6),
        lease_until=NOW + dt.timedelta(minutes=7),
        request=_request("N-1", "kunde@example.com"),
    )
    assert retry.kind == "new"
    assert [s.name for s in retry.attempt.steps] == ["received", "failed", "operator_retry", "retried"]
    stored = await journal.entry(attempt.id)
    assert stored is not None
    assert stored.attempt.steps[2] == note
    assert await store.note(attempt.id, note, only_in=[AttemptState.FAILED]) is False  # running again


async def test_outcomes_by_hour_counts_each_hour_of_arrival(engine: AsyncEngine) -> None:
    store, journal = SqlAttemptStore(engine), SqlOrderJournal(engine)
    hour = NOW.replace(minute=10, second=0)
    a, b = await _attempt(store, "H-1", at=hour), await _attempt(store, "H-2", at=hour + dt.timedelta(minutes=5))
    c = await _attempt(store, "H-3", at=hour + dt.timedelta(hours=1))
    await _attempt(store, "H-4", at=hour + dt.timedelta(hours=1, minutes=1))
    await _attempt(store, "OLD", at=hour - dt.timedelta(days=2))
    await _finish(store, a, AttemptState.COMPLETED)
    await _finish(store, b, AttemptState.FAILED)
    await _finish(store, c, AttemptState.COMPLETED)

    start = hour.replace(minute=0)
    now = dt.datetime.now(dt.UTC)
    hours = await journal.outcomes_by_hour(start, now)
    assert hours[0].hour == start
    assert (hours[0].completed, hours[0].failed, hours[0].unfinished) == (1, 1, 0)
    assert (hours[1].completed, hours[1].failed, hours[1].unfinished) == (1, 0, 1)
    assert all(h.completed + h.failed + h.unfinished == 0 for h in hours[2:])
    assert hours[-1].hour == now.replace(minute=0, second=0, microsecond=0)
    assert len(await journal.outcomes_by_hour(start, start + dt.timedelta(minutes=59))) == 1


async def test_codes_used_adds_up_clients_and_skips_absent_codes(engine: AsyncEngine) -> None:
    store, journal = SqlAttemptStore(engine), SqlOrderJournal(engine)
    await _attempt(store, "C-1", shipping="dhl", payment="paypal")
    await _attempt(store, "C-2", client="amazon", shipping="dhl", payment=None, at=NOW + dt.timedelta(minutes=1))
    await _attempt(store, "C-3", shipping="Pickup", payment="paypal", at=NOW + dt.timedelta(minutes=2))
    await _attempt(store, "OLD", shipping="ancient", at=NOW - dt.timedelta(days=30))
    uses = {(u.kind, u.code): u for u in await journal.codes_used(NOW - dt.timedelta(days=7))}
    assert set(uses) == {("shipping", "dhl"), ("shipping", "Pickup"), ("payment", "paypal")}
    dhl = uses[("shipping", "dhl")]
    assert (dhl.orders, dhl.clients) == (2, ("amazon", "shop"))
    assert dhl.last_seen == NOW + dt.timedelta(minutes=1)
    assert uses[("payment", "paypal")].orders == 2
    amazon = await journal.codes_used(NOW - dt.timedelta(days=7), client="amazon")
    assert [(u.kind, u.code, u.orders, u.clients) for u in amazon] == [("shipping", "dhl", 1, ("amazon",))]


async def test_deliveries_for_an_order_and_counts_by_state(engine: AsyncEngine) -> None:
    store, deliveries = SqlAttemptStore(engine), SqlDeliveryStore(engine)
    first, second = await _attempt(store, "D-1"), await _attempt(store, "D-2")
    other = await _attempt(store, "D-1", client="amazon")
    for attempt in (first, second, other):
        await _finish(store, attempt, AttemptState.COMPLETED)
    mine = await deliveries.for_order("shop", "D-1")
    assert len(mine) == 1 and mine[0].client == "shop" and mine[0].payload["data"]["reference"] == "D-1"
    assert await deliveries.for_order("shop", "D-9") == []
    counts = await deliveries.count_by_state()
    assert counts == {DeliveryState.PENDING: 3, DeliveryState.DELIVERED: 0, DeliveryState.DEAD: 0}
