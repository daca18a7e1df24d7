"""The Shopify adapter against the fake of Shopify's Admin GraphQL docs (tests/support/shop_apis/shopify.py)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from tests.support.clock import FakeClock
from tests.support.shop_apis.shopify import FakeShopify
from unified_order_api.config import ShopSettings
from unified_order_api.lifecycle import Shipment, ShippedLine
from unified_order_api.shop_apis import ShopApiRefused, ShopApiRetryable, ShopLine, ShopOrderRef, shop_api
from unified_order_api.shop_apis.shopify import ShopifyShopApi

TOKEN = "shpat_unit_token"
ORDER = ShopOrderRef(
    "450789469",
    "1001",
    (ShopLine("466157049", "IPOD2008GREEN", Decimal(2)), ShopLine("518995019", "IPOD2008RED", Decimal(1))),
)
GID = "gid://shopify/Order/450789469"


def adapter(
    fake: FakeShopify, *, token: str = TOKEN, notify: bool = True, clock: FakeClock | None = None
) -> ShopifyShopApi:
    shop = ShopSettings.model_validate(
        {
            "kind": "shopify",
            "secret": "s",
            "notify_customer": notify,
            "api": {"shop_domain": "http://fake.myshopify.test", "access_token": token, "api_version": "2025-10"},
        }
    )
    api = shop_api(shop, timeout_seconds=5, transport=httpx.ASGITransport(app=fake.app))
    assert isinstance(api, ShopifyShopApi)
    if clock is not None:
        api._clock = clock.monotonic
    return api


@pytest.fixture
def fake() -> FakeShopify:
    shop = FakeShopify(TOKEN, clock=lambda: 0.0)
    shop.add_order(450789469, [(466157049, "IPOD2008GREEN", 2), (518995019, "IPOD2008RED", 1)])
    return shop


def parcel(*lines: ShippedLine, number: str = "1Z999") -> Shipment:
    return Shipment("9", "UPS", number, f"https://ups.test/{number}", lines=lines)


def remaining(fake: FakeShopify) -> list[int]:
    return [item["remainingQuantity"] for item in fake.orders[GID]["fulfillmentOrders"][0]["lineItems"]]


async def test_a_full_shipment_is_one_fulfilment_with_tracking_and_one_notification(fake: FakeShopify) -> None:
    said = await adapter(fake).ship(ORDER, parcel(), complete=True)
    [fulfilment] = fake.orders[GID]["fulfillments"]
    assert fulfilment["trackingInfo"] == [{"number": "1Z999", "company": "UPS", "url": "https://ups.test/1Z999"}]
    assert remaining(fake) == [0, 0]
    assert fake.emails == [(GID, "1Z999")]
    assert "created" in said


async def test_a_partial_shipment_fulfils_only_the_shipped_lines_by_their_web_id(fake: FakeShopify) -> None:
    api = adapter(fake)
    await api.ship(ORDER, parcel(ShippedLine("1", "466157049", "IPOD2008GREEN", Decimal(1))), complete=False)
    assert remaining(fake) == [1, 1]
    # Without a webId the line is matched by its SKU among the order's lines.
    await api.ship(ORDER, parcel(ShippedLine("2", None, "IPOD2008RED", Decimal(1)), number="1Z998"), complete=False)
    assert remaining(fake) == [1, 0]
    assert fake.orders[GID]["fulfillmentOrders"][0]["status"] == "IN_PROGRESS"


async def test_notify_customer_off_sends_no_confirmation(fake: FakeShopify) -> None:
    await adapter(fake, notify=False).ship(ORDER, parcel(), complete=True)
    assert fake.emails == [] and len(fake.orders[GID]["fulfillments"]) == 1


async def test_a_lost_answer_then_a_retry_makes_one_fulfilment(fake: FakeShopify) -> None:
    api = adapter(fake)
    fake.faults.lose_answer("POST", "/graphql.json", body_part="fulfillmentCreate")
    with pytest.raises(ShopApiRetryable) as lost:
        await api.ship(ORDER, parcel(), complete=True)
    assert lost.value.outcome_unknown
    assert len(fake.orders[GID]["fulfillments"]) == 1  # Shopify made it; the answer did not arrive
    said = await api.ship(ORDER, parcel(), complete=True)
    assert len(fake.orders[GID]["fulfillments"]) == 1 and len(fake.emails) == 1
    assert "there already" in said


async def test_a_throttled_query_is_retried_after_the_bucket_refills() -> None:
    clock = FakeClock()
    fake = FakeShopify(TOKEN, maximum=100, restore_rate=10, clock=clock.monotonic)
    fake.add_order(450789469, [(466157049, "IPOD2008GREEN", 2), (518995019, "IPOD2008RED", 1)])
    fake.drain(100)
    api = adapter(fake, clock=clock)
    with pytest.raises(ShopApiRetryable) as throttled:
        await api.ship(ORDER, parcel(), complete=True)
    assert throttled.value.retry_after == pytest.approx(1.2)  # 12 points at 10 a second
    assert fake.orders[GID]["fulfillments"] == []
    clock.advance(30)
    await api.ship(ORDER, parcel(), complete=True)
    assert len(fake.orders[GID]["fulfillments"]) == 1


async def test_after_a_throttle_the_adapter_waits_for_the_bucket_to_refill() -> None:
    clock = FakeClock()
    fake = FakeShopify(TOKEN, maximum=100, restore_rate=10, clock=clock.monotonic)
    fake.add_order(450789469, [(466157049, "IPOD2008GREEN", 2), (518995019, "IPOD2008RED", 1)])
    api = adapter(fake, clock=clock)
    api._sleep = clock.sleep
    fake.drain(97)  # other apps used the bucket: 3 points left
    with pytest.raises(ShopApiRetryable):
        await api.ship(ORDER, parcel(), complete=True)  # told: 3 available, 10 a second
    await api.ship(ORDER, parcel(), complete=True)
    assert clock.sleeps == [pytest.approx(4.7)]  # until the 50 points it budgets for a query are back
    assert len(fake.orders[GID]["fulfillments"]) == 1


async def test_check_reports_the_app_scopes_and_what_is_missing(fake: FakeShopify) -> None:
    assert (await adapter(fake).check()).missing == ()
    fake.scopes = ["read_orders"]
    check = await adapter(fake).check()
    assert check.permissions == ("read_orders",)
    assert check.missing == ("write_orders", "write_merchant_managed_fulfillment_orders")


async def test_a_wrong_token_is_refused_without_showing_it(fake: FakeShopify) -> None:
    with pytest.raises(ShopApiRefused) as refused:
        await adapter(fake, token="shpat_wrong").check()
    assert refused.value.status == 401 and "shpat_wrong" not in str(refused.value)


async def test_cancel_once_and_note_once(fake: FakeShopify) -> None:
    api = adapter(fake)
    await api.note(ORDER, "Cancellation refused: shipped")
    await api.note(ORDER, "Cancellation refused: shipped")
    assert fake.orders[GID]["note"] == "Cancellation refused: shipped"
    assert "queued" in await api.cancel(ORDER, "Cancelled in Xentral")
    assert "already" in await api.cancel(ORDER, "Cancelled in Xentral")  # the job ran: cancelledAt is set
    assert fake.orders[GID]["cancelledAt"] and fake.orders[GID]["staffNote"] == "Cancelled in Xentral"
    [sent] = [c.body["variables"] for c in fake.faults.calls if "orderCancel" in c.body["query"]]
    assert sent["refundMethod"] == {"originalPaymentMethodsRefund": False}  # `refund` is gone since 2025-07
    assert sent["restock"] is True and sent["notifyCustomer"] is False and fake.cancel_emails == 0


async def test_a_cancellation_whose_answer_was_lost_is_not_sent_again(fake: FakeShopify) -> None:
    api = adapter(fake)
    fake.faults.lose_answer("POST", "/graphql.json", body_part="orderCancel")
    with pytest.raises(ShopApiRetryable) as lost:
        await api.cancel(ORDER, "Cancelled in Xentral")
    assert lost.value.outcome_unknown
    assert "already" in await api.cancel(ORDER, "Cancelled in Xentral")
    assert len([c for c in fake.faults.calls if "orderCancel" in c.body["query"]]) == 1


async def test_a_cancellation_refused_while_an_earlier_one_runs_is_read_back(fake: FakeShopify) -> None:
    """The lost try's job still runs at the retry's first read; Shopify refuses a second cancel, the read after
    the refusal shows the order cancelled: done, not dead."""
    api = adapter(fake)
    fake.cancel_job_requests = 1
    fake.faults.lose_answer("POST", "/graphql.json", body_part="orderCancel")
    with pytest.raises(ShopApiRetryable):
        await api.cancel(ORDER, "Cancelled in Xentral")
    assert "earlier try" in await api.cancel(ORDER, "Cancelled in Xentral")
    assert fake.orders[GID]["staffNote"] == "Cancelled in Xentral"


async def test_a_cancellation_shopify_refuses_is_refused_with_its_message(fake: FakeShopify) -> None:
    fake.orders.pop(GID)
    with pytest.raises(ShopApiRefused) as refused:
        await adapter(fake).cancel(ORDER, "Cancelled in Xentral")
    assert "not found" in str(refused.value)
