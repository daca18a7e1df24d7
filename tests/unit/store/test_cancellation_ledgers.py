"""The ledgers of what shops did to orders after their import — cancellations (`shop_cancellations`) and changes
(`shop_order_changes`) — for every store: in memory (here), SQLite and PostgreSQL (`tests/integration/store`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.orders.amendments import ShopChange
from unified_order_api.orders.cancellations import CancellationOutcome, CancellationRecord
from unified_order_api.store.attempts import SqlAttemptStore
from unified_order_api.store.cancellations import SqlCancellationLedger, SqlShopChangeLedger

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def _pending(reference: str = "R") -> CancellationRecord:
    return CancellationRecord(
        client="shop",
        reference=reference,
        source="shopify",
        received_at=NOW,
        outcome=CancellationOutcome.PENDING,
        detail="Received; Xentral not asked yet",
        reason="customer",
        cancelled_at=NOW - dt.timedelta(minutes=1),
    )


async def test_a_cancellation_is_claimed_once_and_its_decision_replaces_the_pending_record(
    engine: AsyncEngine,
) -> None:
    ledger = SqlCancellationLedger(engine)
    assert await ledger.cancellation_of("shop", "R") is None
    assert await ledger.claim(_pending())
    assert not await ledger.claim(_pending())  # another delivery of it: told it is taken
    assert await ledger.cancellation_of("shop", "R") == _pending()
    decided = replace(
        _pending(),
        outcome=CancellationOutcome.NOT_CANCELLED_DISPATCHED,
        detail="Not cancelled in Xentral: already dispatched",
        xentral_status="released",
        decided_at=NOW + dt.timedelta(seconds=1),
    )
    await ledger.save(decided)
    assert await ledger.cancellation_of("shop", "R") == decided
    assert await ledger.cancellation_of("other", "R") is None


async def test_a_decision_without_a_claim_is_inserted(engine: AsyncEngine) -> None:
    ledger = SqlCancellationLedger(engine)
    record = replace(_pending("F"), outcome=CancellationOutcome.NOT_IN_XENTRAL, detail="never reached it")
    await ledger.save(record)
    assert await ledger.cancellation_of("shop", "F") == record


async def test_two_deliveries_claiming_at_once_get_one_claim(engine: AsyncEngine) -> None:
    ledger = SqlCancellationLedger(engine)
    claims = await asyncio.gather(*(ledger.claim(_pending("C")) for _ in range(4)))
    assert sorted(claims) == [False, False, False, True]


async def test_a_cancellation_awaiting_the_import_is_listed_and_taken_by_one_caller(engine: AsyncEngine) -> None:
    """Received while its order was still on its way into Xentral: listed for the sweep, oldest first, and
    taken (awaiting → pending) by exactly one of several callers at once — the one that carries it out."""
    ledger = SqlCancellationLedger(engine)
    waiting = replace(_pending("W"), outcome=CancellationOutcome.AWAITING_IMPORT, detail="awaiting the import")
    later = replace(waiting, reference="W2", received_at=NOW + dt.timedelta(seconds=5))
    for record in (later, waiting, _pending("P")):
        assert await ledger.claim(record)
    assert [r.reference for r in await ledger.awaiting_import(10)] == ["W", "W2"]
    assert [r.reference for r in await ledger.awaiting_import(1)] == ["W"]
    takes = await asyncio.gather(*(ledger.take("shop", "W") for _ in range(4)))
    assert sorted(takes) == [False, False, False, True]
    taken = await ledger.cancellation_of("shop", "W")
    assert taken is not None and taken.outcome is CancellationOutcome.PENDING
    assert not await ledger.take("shop", "P")  # only a record awaiting the import is taken
    assert [r.reference for r in await ledger.awaiting_import(10)] == ["W2"]


async def test_a_change_is_recorded_once_per_digest_and_listed_oldest_first(engine: AsyncEngine) -> None:
    ledger = SqlShopChangeLedger(engine)
    first = ShopChange("shop", "R", "woocommerce", NOW, ("shipping address: A → B",), "d1", "released")
    second = ShopChange("shop", "R", "woocommerce", NOW, ("line ART-1: quantity 1 → 2",), "d2", None)
    assert await ledger.record(first)
    assert not await ledger.record(replace(first, received_at=NOW + dt.timedelta(minutes=1)))
    assert await ledger.record(second)
    assert await ledger.changes_of("shop", "R") == [first, second]
    assert await ledger.changes_of("shop", "other") == []


async def test_a_purged_order_takes_its_cancellation_and_changes_with_it(engine: AsyncEngine) -> None:
    store = SqlAttemptStore(engine)
    for reference, at in (("R", NOW), ("KEPT", NOW + dt.timedelta(days=400))):  # KEPT: still recent at the purge
        await store.claim(
            client="shop",
            key=reference,
            reference=reference,
            fingerprint="F",
            owner="o",
            now=at,
            lease_until=at,
            request={"reference": reference},
        )
    cancellations, changes = SqlCancellationLedger(engine), SqlShopChangeLedger(engine)
    for reference in ("R", "KEPT"):
        assert await cancellations.claim(_pending(reference))
        assert await changes.record(ShopChange("shop", reference, "woocommerce", NOW, ("line A: added x 1",), "d"))
    assert await store.purge(NOW + dt.timedelta(days=300)) == 1  # R, abandoned long ago
    assert await cancellations.cancellation_of("shop", "R") is None and await changes.changes_of("shop", "R") == []
    assert await cancellations.cancellation_of("shop", "KEPT") is not None
    assert len(await changes.changes_of("shop", "KEPT")) == 1
