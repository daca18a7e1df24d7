"""The refund ledger and the attempt store's finder by shop order id, for every store: in memory (here),
SQLite and PostgreSQL (`tests/integration/store`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from unified_order_api.orders.attempts import WebhookMessage
from unified_order_api.orders.refunds import Refund, RefundedLine
from unified_order_api.store.attempts import SqlAttemptStore
from unified_order_api.store.refunds import SqlRefundLedger

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def _refund(refund_id: str = "r-1", amount: str = "5.00") -> Refund:
    line = RefundedLine(line_id="9", sku="ART-1", quantity=Decimal(1), amount=Decimal("4.20"), tax=Decimal("0.80"))
    return Refund("shop", "R", refund_id, Decimal(amount), "shopify", NOW, "EUR", "Damaged", (line,), NOW)


def _message() -> WebhookMessage:
    event_id = f"evt_{uuid.uuid4().hex}"
    return WebhookMessage("shop", "https://client.example/hook", "order.refunded", event_id, {"id": event_id})


async def test_a_shop_order_id_finds_the_attempt_whose_request_named_it(store: SqlAttemptStore) -> None:
    for reference, shop_id in (("R1", "820982911946154508"), ("R2", "7")):
        await store.claim(
            client="shop",
            key=reference,
            reference=reference,
            fingerprint="F",
            owner="o",
            now=NOW,
            lease_until=NOW,
            request={"reference": reference, "external_order_id": shop_id},
        )
    found = await store.find_by_external_order_id("shop", "820982911946154508")
    assert found is not None and found.reference == "R1"
    assert await store.find_by_external_order_id("other-client", "820982911946154508") is None
    assert await store.find_by_external_order_id("shop", "8209829119461545") is None


async def test_a_refund_is_recorded_once_with_its_message(engine: AsyncEngine) -> None:
    ledger = SqlRefundLedger(engine)
    results = await asyncio.gather(*(ledger.record(_refund(), _message()) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    assert await ledger.record(_refund("r-2", "2.50"), None) is True
    first, second = await ledger.refunds_of("shop", "R")
    assert first == _refund() and second.amount == Decimal("2.50")
    assert await ledger.refunds_of("shop", "other") == []
    async with engine.connect() as connection:
        messages = (await connection.exec_driver_sql("SELECT count(*) FROM webhook_deliveries")).scalar_one()
    assert messages == 1
