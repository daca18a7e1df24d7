"""Refunds after the import, through the shop connectors: read from each shop's delivery as the shop
documents it, recorded once on the order they name, answered clearly for an order we do not hold, and
told to the client as `order.refunded` in the same transaction.

The refund bodies follow the shops' documentation (tests/unit/shops/fixtures/SOURCES.md, "Refunds"):
WooCommerce REST API v3's order `refunds[]` (id, reason, total), Shopify's REST Refund resource as the
`refunds/create` webhook sends it, Shopware 6's order transaction with its state and capture refunds.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.support.order_harness import Harness, make
from unified_order_api.cache import MemoryCache
from unified_order_api.config import ApiClient, ShopSettings
from unified_order_api.orders.refunds import OrderRefunds, RefundOutcome, ShopOrderKey
from unified_order_api.shops import Arrival, ArrivalMemory, shopify, shopware, woocommerce
from unified_order_api.shops.intake import ShopIntake
from unified_order_api.store.refunds import SqlRefundLedger

__all__ = ["make"]

SECRET = "refund-secret"
NOW = 1_764_763_200.0
CLIENTS = [
    ApiClient(
        name="woo",
        api_key="woo-key-0123456789",
        shop=ShopSettings(kind="woocommerce", secret=SECRET, sku_fields=["sku", "product_id"]),
    ),
    ApiClient(name="sfy", api_key="sfy-key-0123456789", shop=ShopSettings(kind="shopify", secret=SECRET)),
    ApiClient(name="sw", api_key="sw-key-0123456789ab", shop=ShopSettings(kind="shopware", secret=SECRET)),
]
CALLBACK_URL = "https://client.example/hooks"


class EveryOrderCallsBack:
    """The client's webhook URL for every order (the callback policy's answer without a per-order URL)."""

    def target_for(self, client: str, requested_url: str | None, *, resolve: bool = True) -> str | None:
        return requested_url or CALLBACK_URL


@pytest.fixture
async def harness(make: object) -> Harness:
    h: Harness = await make()  # type: ignore[operator]
    return h


@pytest.fixture
def refunds(harness: Harness) -> OrderRefunds:
    return OrderRefunds(harness.store, SqlRefundLedger(harness.engine), EveryOrderCallsBack(), harness.clock)


@pytest.fixture
def intake(harness: Harness, refunds: OrderRefunds) -> ShopIntake:
    return ShopIntake(CLIENTS, harness.service, ArrivalMemory(MemoryCache()), refunds, now=lambda: NOW)


def encoded(document: Any) -> bytes:
    return json.dumps(document).encode()


def woo(document: Any, **headers: str) -> Arrival:
    body = encoded(document)
    digest = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return Arrival.of(
        [("X-WC-Webhook-Signature", digest), ("Content-Type", "application/json"), *headers.items()], body
    )


def shopify_call(document: Any, topic: str, webhook_id: str) -> Arrival:
    body = encoded(document)
    digest = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = [("X-Shopify-Hmac-Sha256", digest), ("X-Shopify-Topic", topic), ("X-Shopify-Webhook-Id", webhook_id)]
    return Arrival.of(headers, body)


def shopware_call(envelope: Any) -> Arrival:
    body = encoded({**envelope, "timestamp": NOW})
    return Arrival.of([("shopware-shop-signature", hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest())], body)


def woo_refunded(order: dict[str, Any], *refunds: tuple[int, str, str]) -> dict[str, Any]:
    """The order as WooCommerce's `order.updated` sends it after refunds: `refunds[]` of id, reason, -total."""
    return {**order, "refunds": [{"id": rid, "reason": reason, "total": f"-{total}"} for rid, reason, total in refunds]}


def shopify_refund(order: dict[str, Any]) -> dict[str, Any]:
    """A Refund resource (Shopify REST Admin API, "Refund"), as `refunds/create` delivers it: one unit of the
    first line given back with its tax, the money in one successful `refund` transaction."""
    line = order["line_items"][0]
    return {
        "id": 929361464,
        "order_id": order["id"],
        "created_at": "2026-12-01T10:15:00-05:00",
        "processed_at": "2026-12-01T10:15:00-05:00",
        "note": "Damaged in transit",
        "restock": False,
        "user_id": 548380009,
        "admin_graphql_api_id": "gid://shopify/Refund/929361464",
        "refund_line_items": [
            {
                "id": 104689539,
                "quantity": 1,
                "line_item_id": line["id"],
                "location_id": None,
                "restock_type": "no_restock",
                "subtotal": 199.0,
                "total_tax": 3.98,
                "line_item": {"id": line["id"], "sku": line["sku"], "title": line["title"], "quantity": 1},
            }
        ],
        "transactions": [
            {
                "id": 1068278533,
                "order_id": order["id"],
                "kind": "refund",
                "gateway": "bogus",
                "status": "success",
                "amount": "202.98",
                "currency": "USD",
            },
            {"id": 1068278534, "order_id": order["id"], "kind": "refund", "status": "failure", "amount": "5.00"},
        ],
        "order_adjustments": [],
    }


async def outbox(harness: Harness) -> list[dict[str, Any]]:
    return [row for row in await harness.rows("webhook_deliveries") if row["event_type"] == "order.refunded"]


async def test_a_woocommerce_refund_is_recorded_once_on_the_order_and_told_once(
    intake: ShopIntake, harness: Harness, refunds: OrderRefunds, woo_order: dict[str, Any]
) -> None:
    assert (await intake.receive("woo", "woocommerce", woo(woo_order))).outcome == "accepted"
    updated = woo_refunded(woo_order, (731, "Wrong size", "5.00"))
    topic = {"X-WC-Webhook-Topic": "order.updated"}
    answer = await intake.receive("woo", "woocommerce", woo(updated, **topic))
    assert (answer.outcome, answer.reference) == ("refunded", "727")
    assert answer.reason == "Refund 731 of 5.00 USD recorded on order '727'"
    # The same delivery again, and a later update listing the same refund: recorded once, told once.
    again = await intake.receive("woo", "woocommerce", woo(updated, **topic))
    assert (again.outcome, again.reason) == ("duplicate", "Refund 731 of order 727: recorded before")
    recorded = await refunds.refunds_of("woo", "727")
    assert [(r.refund_id, r.amount, r.reason, r.source) for r in recorded] == [
        ("731", Decimal("5.00"), "Wrong size", "woocommerce")
    ]
    [message] = await outbox(harness)
    data = message["payload"]["data"]
    assert (message["url"], data["reference"], data["refunded_total"]) == (CALLBACK_URL, "727", "5.00")
    assert data["refund"]["refund_id"] == "731" and data["refund"]["amount"] == "5.00"

    # A second refund adds to the first; the message tells the sum.
    both = woo_refunded(woo_order, (731, "Wrong size", "5.00"), (740, "", "24.35"))
    assert (await intake.receive("woo", "woocommerce", woo(both, **topic))).outcome == "refunded"
    assert [r.refund_id for r in await refunds.refunds_of("woo", "727")] == ["731", "740"]
    assert [m["payload"]["data"]["refunded_total"] for m in await outbox(harness)] == ["5.00", "29.35"]


async def test_a_refunded_status_without_listed_refunds_is_one_refund_of_the_whole_order(
    woo_order: dict[str, Any],
) -> None:
    reported = woocommerce.refunds("order.updated", {**woo_order, "status": "refunded"})
    assert reported is not None and reported.order == ShopOrderKey(reference="727")
    [refund] = reported.refunds
    assert (refund.refund_id, refund.amount, refund.currency) == ("727:refunded", Decimal("29.35"), "USD")
    # An order without refunds reports none; a refund of 0.00 is none either.
    assert woocommerce.refunds("order.updated", woo_order) is None
    assert woocommerce.refunds("order.updated", woo_refunded(woo_order, (1, "", "0.00"))) is None


async def test_a_refund_of_an_order_not_received_here_is_not_recorded_and_says_so(
    intake: ShopIntake, harness: Harness, woo_order: dict[str, Any]
) -> None:
    refunded = {**woo_refunded(woo_order, (731, "", "29.35")), "status": "refunded"}
    answer = await intake.receive("woo", "woocommerce", woo(refunded))
    assert answer.outcome == "ignored" and answer.reference is None
    assert answer.reason is not None and answer.reason.startswith(
        "Refund 731 of order 727, which was not received here: not recorded (WooCommerce status 'refunded'"
    )
    assert await harness.rows("order_refunds") == []


async def test_an_order_first_seen_with_a_refund_is_imported_and_the_refund_recorded_on_it(
    intake: ShopIntake, refunds: OrderRefunds, woo_order: dict[str, Any]
) -> None:
    answer = await intake.receive("woo", "woocommerce", woo(woo_refunded(woo_order, (731, "Late", "5.00"))))
    assert (answer.outcome, answer.reference) == ("accepted", "727")
    assert [r.refund_id for r in await refunds.refunds_of("woo", "727")] == ["731"]


async def test_a_shopify_refund_names_its_order_by_the_shops_id_and_brings_its_lines(
    intake: ShopIntake, harness: Harness, refunds: OrderRefunds, shopify_webhook: dict[str, Any]
) -> None:
    order = {**shopify_webhook, "financial_status": "paid", "test": False, "cancelled_at": None}
    created = await intake.receive("sfy", "shopify", shopify_call(order, "orders/create", "w1"))
    assert (created.outcome, created.reference) == ("accepted", "9999")
    answer = await intake.receive("sfy", "shopify", shopify_call(shopify_refund(order), "refunds/create", "w2"))
    assert (answer.outcome, answer.reason) == ("refunded", "Refund 929361464 of 202.98 USD recorded on order '9999'")
    [refund] = await refunds.refunds_of("sfy", "9999")
    assert (refund.amount, refund.reason, refund.currency) == (Decimal("202.98"), "Damaged in transit", "USD")
    assert refund.refunded_at == dt.datetime(2026, 12, 1, 15, 15, tzinfo=dt.UTC)
    [line] = refund.lines
    assert (line.line_id, line.sku, line.quantity, line.amount, line.tax) == (
        "866550311766439020",
        "IPOD2008PINK",
        Decimal(1),
        Decimal("199.0"),
        Decimal("3.98"),
    )
    # Shopify's retry of the call (same webhook id) and a new call with the same refund: nothing more.
    again = await intake.receive("sfy", "shopify", shopify_call(shopify_refund(order), "refunds/create", "w2"))
    assert again.outcome == "duplicate"
    other = await intake.receive("sfy", "shopify", shopify_call(shopify_refund(order), "refunds/create", "w3"))
    assert other.outcome == "duplicate"
    assert len(await outbox(harness)) == 1


async def test_a_shopify_refund_of_an_unknown_order_or_of_no_money_is_not_recorded(
    intake: ShopIntake, harness: Harness, shopify_webhook: dict[str, Any]
) -> None:
    refund = shopify_refund(shopify_webhook)
    unknown = await intake.receive("sfy", "shopify", shopify_call(refund, "refunds/create", "w1"))
    assert unknown.outcome == "ignored"
    assert unknown.reason == (
        "Refund 929361464 of order shop id 820982911946154508, which was not received here: "
        "not recorded (Topic 'refunds/create' creates no order)"
    )
    restock_only = {**refund, "transactions": []}
    assert shopify.refunds("refunds/create", restock_only) is None
    assert shopify.refunds("orders/updated", refund) is None
    assert await harness.rows("order_refunds") == []


def shopware_refunded(envelope: dict[str, Any], state: str, **transaction: Any) -> dict[str, Any]:
    """The order as `state_enter.order_transaction.state.<state>` carries it: its transaction in that state."""
    moved = copy.deepcopy(envelope)
    moved["data"]["event"] = f"state_enter.order_transaction.state.{state}"
    order = moved["data"]["payload"]["order"]
    order["transactions"][-1]["stateMachineState"] = {"technicalName": state}
    order["transactions"][-1].update(transaction)
    moved["source"] = {**moved.get("source", {}), "eventId": f"event-{state}"}
    return moved


async def test_a_shopware_transaction_entering_refunded_is_recorded_as_its_refunds(
    intake: ShopIntake, refunds: OrderRefunds, shopware_webhook: dict[str, Any]
) -> None:
    assert (await intake.receive("sw", "shopware", shopware_call(shopware_webhook))).outcome == "accepted"
    # Partly refunded, with the capture's refunds loaded (order_transaction_capture_refund): each by its id.
    capture_refund = {
        "id": "f3c1b0a2d4e54c6b8a9e0d1c2b3a4f5e",
        "reason": "Returned one item",
        "amount": {"unitPrice": 49.95, "totalPrice": 49.95, "quantity": 1},
        "stateMachineState": {"technicalName": "completed"},
        "positions": [{"orderLineItemId": "line-1", "quantity": 1, "amount": {"totalPrice": 49.95}}],
        "createdAt": "2026-12-02T09:00:00.000+00:00",
    }
    open_refund = {**capture_refund, "id": "still-open", "stateMachineState": {"technicalName": "open"}}
    partly = shopware_refunded(
        shopware_webhook, "refunded_partially", captures=[{"id": "c1", "refunds": [capture_refund, open_refund]}]
    )
    answer = await intake.receive("sw", "shopware", shopware_call(partly))
    assert (answer.outcome, answer.reason) == (
        "refunded",
        "Refund f3c1b0a2d4e54c6b8a9e0d1c2b3a4f5e of 49.95 EUR recorded on order '10077'",
    )
    [refund] = await refunds.refunds_of("sw", "10077")
    assert (refund.reason, [(line.line_id, line.amount) for line in refund.lines]) == (
        "Returned one item",
        [("line-1", Decimal("49.95"))],
    )
    # Without loaded refunds, a refunded transaction is one refund of its amount; a partial one says too little.
    assert shopware.refunds(None, shopware_refunded(shopware_webhook, "refunded_partially")) is None
    reported = shopware.refunds(None, shopware_refunded(shopware_webhook, "refunded"))
    assert reported is not None
    assert [(r.refund_id, r.amount) for r in reported.refunds] == [
        ("55e858b413b54f8a97c64a040610b359:refunded", Decimal("395.01"))
    ]
    assert shopware.refunds(None, shopware_webhook) is None


async def test_the_refund_service_records_once_even_when_two_deliveries_race(
    harness: Harness, refunds: OrderRefunds, woo_order: dict[str, Any]
) -> None:
    """The unique constraint decides: the second insert of one refund id writes neither row nor message."""
    intake = ShopIntake(CLIENTS, harness.service, ArrivalMemory(MemoryCache()), refunds, now=lambda: NOW)
    await intake.receive("woo", "woocommerce", woo(woo_order))
    reported = woocommerce.refunds("order.updated", woo_refunded(woo_order, (731, "", "5.00")))
    assert reported is not None
    [command] = reported.refunds
    ledger = SqlRefundLedger(harness.engine)
    racing = OrderRefunds(harness.store, ledger, EveryOrderCallsBack(), harness.clock)
    [known] = [await racing.record(command, client="woo")]
    assert known[0] is RefundOutcome.RECORDED
    [refund] = await ledger.refunds_of("woo", "727")
    assert await ledger.record(refund, None) is False  # as the second of two racing deliveries finds it
    assert len(await harness.rows("order_refunds")) == 1 and len(await outbox(harness)) == 1


async def test_a_purged_order_takes_its_refunds_with_it(
    intake: ShopIntake, harness: Harness, refunds: OrderRefunds, woo_order: dict[str, Any]
) -> None:
    await intake.receive("woo", "woocommerce", woo(woo_order))
    await intake.receive("woo", "woocommerce", woo(woo_refunded(woo_order, (731, "", "5.00"))))
    assert await harness.store.purge(harness.clock() - dt.timedelta(days=1)) == 0
    assert len(await refunds.refunds_of("woo", "727")) == 1  # its order is kept, and so are its refunds
    # Long after: the order (never finished, abandoned) is purged, and its refunds with it.
    assert await harness.store.purge(harness.clock() + dt.timedelta(days=400)) == 1
    assert await refunds.refunds_of("woo", "727") == []
    assert await harness.rows("order_refunds") == []
