"""Cancellations from the shop, through the connectors: each shop's cancellation read from its delivery as the
shop documents it (WooCommerce `order.updated` with status `cancelled`, Shopify `orders/cancelled` and a
cancelled `orders/updated`, Shopware 6's `state_enter.order.state.cancelled`, whose payload is the order:
the app webhook events reference, `{"entity": "order"}`), naming the order by the shop's own id; and the
intake: a cancellation of an order never received is not imported, as before; one of an order still on its
way into Xentral is answered 200 and kept, and carried out once the import has put the order in Xentral
(WooCommerce never redelivers a webhook, so a 409 would lose it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support.order_harness import Harness
from tests.unit.orders.test_cancellations import Lifecycle, Xentral
from tests.unit.shops.test_refunds import (
    CLIENTS,
    NOW,
    encoded,
    harness,
    make,
    refunds,
    shopify_call,
    shopware_call,
    woo,
)
from unified_order_api.cache import MemoryCache
from unified_order_api.lifecycle.model import LifecycleState
from unified_order_api.orders.cancellations import OrderCancellations, RequestCancellation
from unified_order_api.orders.refunds import OrderRefunds, ShopOrderKey
from unified_order_api.shops import ArrivalMemory, native, shopify, shopware, woocommerce
from unified_order_api.shops.arrivals import Arrival
from unified_order_api.shops.intake import ArrivalSignatureRefused, ShopIntake
from unified_order_api.store.cancellations import SqlCancellationLedger

__all__ = ["harness", "make", "refunds"]


def test_woocommerce_reads_an_order_updated_to_cancelled(woo_order: dict[str, Any]) -> None:
    cancelled = {**woo_order, "status": "cancelled", "date_modified_gmt": "2026-12-07T10:00:00"}
    assert woocommerce.cancellation("order.updated", cancelled) == RequestCancellation(
        ShopOrderKey(external_order_id="727"),
        "woocommerce",
        cancelled_at=dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC),
    )
    assert woocommerce.cancellation(None, cancelled) is not None  # a delivery without its topic header
    assert woocommerce.cancellation("order.updated", woo_order) is None  # processing: no cancellation
    assert woocommerce.cancellation("order.deleted", cancelled) is None


def test_shopify_reads_orders_cancelled_and_a_cancelled_orders_updated(shopify_webhook: dict[str, Any]) -> None:
    """Shopify's own sample order is a cancelled one (`cancelled_at`, `cancel_reason: customer`)."""
    expected = RequestCancellation(
        ShopOrderKey(external_order_id="820982911946154508"),
        "shopify",
        reason="customer",
        cancelled_at=native.timestamp(shopify_webhook["cancelled_at"]),
    )
    assert expected.cancelled_at is not None
    assert shopify.cancellation("orders/cancelled", shopify_webhook) == expected
    assert shopify.cancellation("orders/updated", shopify_webhook) == expected
    assert shopify.cancellation("orders/create", shopify_webhook) is None  # never imported: not a cancellation
    assert shopify.cancellation("orders/updated", {**shopify_webhook, "cancelled_at": None}) is None


def test_shopware_reads_the_order_entering_cancelled(shopware_webhook: dict[str, Any]) -> None:
    order = shopware_webhook["data"]["payload"]["order"]
    envelope = {**shopware_webhook, "data": {**shopware_webhook["data"], "event": shopware.CANCELLED_EVENT}}
    found = shopware.cancellation(None, envelope)
    assert found is not None and found.order == ShopOrderKey(external_order_id=order["id"])
    assert found.source == "shopware" and found.cancelled_at == dt.datetime.fromtimestamp(1683207386, dt.UTC)
    assert shopware.cancellation(None, shopware_webhook) is None  # checkout.order.placed of an open order
    cancelled_state = {**order, "stateMachineState": {**order["stateMachineState"], "technicalName": "cancelled"}}
    other_event = {**shopware_webhook, "data": {"event": "order.written", "payload": {"order": cancelled_state}}}
    assert shopware.cancellation(None, other_event) is not None


@pytest.fixture
def xentral() -> Xentral:
    return Xentral()


@pytest.fixture
def cancellations(harness: Harness, xentral: Xentral) -> OrderCancellations:
    return OrderCancellations(
        harness.store,
        SqlCancellationLedger(harness.engine),
        xentral,
        instance_of=lambda client: "default",
        clock=harness.clock,
        lifecycle=Lifecycle(LifecycleState.RELEASED),
    )


@pytest.fixture
def intake(harness: Harness, refunds: OrderRefunds, cancellations: OrderCancellations) -> ShopIntake:
    return ShopIntake(
        CLIENTS, harness.service, ArrivalMemory(MemoryCache()), refunds, now=lambda: NOW, cancellations=cancellations
    )


async def test_a_cancellation_of_an_order_never_received_is_not_imported_as_before(
    intake: ShopIntake, harness: Harness, xentral: Xentral, woo_order: dict[str, Any], shopify_webhook: dict[str, Any]
) -> None:
    woo_answer = await intake.receive("woo", "woocommerce", woo({**woo_order, "status": "cancelled"}))
    assert woo_answer.outcome == "ignored"
    assert woo_answer.reason == "WooCommerce status 'cancelled' is not imported (imported: processing)"
    shopify_answer = await intake.receive("sfy", "shopify", shopify_call(shopify_webhook, "orders/cancelled", "w-1"))
    assert (shopify_answer.outcome, shopify_answer.reason) == ("ignored", "Topic 'orders/cancelled' creates no order")
    assert xentral.calls == [] and await harness.rows("shop_cancellations") == []


async def test_a_cancellation_of_an_order_still_queued_is_kept_and_decided_once_its_import_has_ended(
    intake: ShopIntake,
    harness: Harness,
    xentral: Xentral,
    cancellations: OrderCancellations,
    woo_order: dict[str, Any],
) -> None:
    """Kept (200, not a 409 WooCommerce would never redeliver) and decided by the sweep after the import. The
    harness's import fails (its settings map no shipping or payment code), so the decision here is "not in
    Xentral"; the cancel of an import that completed: `tests/unit/orders/test_cancellations.py`."""
    assert (await intake.receive("woo", "woocommerce", woo(woo_order))).outcome == "accepted"
    answer = await intake.receive("woo", "woocommerce", woo({**woo_order, "status": "cancelled"}))
    assert answer.outcome == "cancellation" and answer.reason is not None
    assert "carried out in Xentral once its import has put it there" in answer.reason
    [row] = await harness.rows("shop_cancellations")
    assert row["outcome"] == "awaiting_import" and xentral.calls == []
    assert await cancellations.carry_out_awaiting() == 0  # still queued
    assert await harness.worker.run_once() == 1  # the import
    [order] = await harness.rows("order_attempts")
    assert order["state"] == "failed"
    assert await cancellations.carry_out_awaiting() == 1
    [row] = await harness.rows("shop_cancellations")
    assert row["outcome"] == "not_in_xentral" and xentral.calls == []
    assert await cancellations.carry_out_awaiting() == 0


async def test_a_cancellation_whose_signature_does_not_hold_is_refused_and_nothing_is_done(
    intake: ShopIntake,
    harness: Harness,
    xentral: Xentral,
    woo_order: dict[str, Any],
    shopify_webhook: dict[str, Any],
    shopware_webhook: dict[str, Any],
) -> None:
    """The cancel topics go through the same signature check as an order: a body signed for another body
    (a forged or altered cancellation) is refused before it is read, for each shop."""
    assert (await intake.receive("woo", "woocommerce", woo(woo_order))).outcome == "accepted"
    cancelled_woo = encoded({**woo_order, "status": "cancelled"})
    shopware_cancelled = {**shopware_webhook, "data": {**shopware_webhook["data"], "event": shopware.CANCELLED_EVENT}}
    forged = {
        "woo": ("woocommerce", woo(woo_order), cancelled_woo),
        "sfy": (
            "shopify",
            shopify_call({**shopify_webhook, "cancelled_at": None}, "orders/cancelled", "w-9"),
            encoded(shopify_webhook),
        ),
        "sw": ("shopware", shopware_call(shopware_webhook), encoded({**shopware_cancelled, "timestamp": NOW})),
    }
    for client, (kind, signed_for_another, body) in forged.items():
        with pytest.raises(ArrivalSignatureRefused):
            await intake.receive(client, kind, Arrival.of(list(signed_for_another.headers.items()), body))
    assert xentral.calls == [] and await harness.rows("shop_cancellations") == []
