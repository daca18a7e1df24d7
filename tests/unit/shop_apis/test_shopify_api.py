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


async def test_lines_read_from_the_delivery_note_are_matched_by_sku_and_xentral_s_own_skipped(
    fake: FakeShopify,
) -> None:
    """A parcel's lines from its delivery note's progress carry SKUs only (no webId); a fee position of
    Xentral's own matches no line of the order and has nothing to fulfil."""
    api = adapter(fake)
    lines = (ShippedLine(None, None, "IPOD2008GREEN", Decimal(2)), ShippedLine(None, None, "FEE-454", Decimal(1)))
    said = await api.ship(ORDER, parcel(*lines), complete=False)
    assert remaining(fake) == [0, 1] and "created" in said
    with pytest.raises(ShopApiRefused, match="FEE-454"):
        await api.ship(ORDER, parcel(ShippedLine(None, None, "FEE-454", Decimal(1)), number="1Z997"), complete=False)
    assert remaining(fake) == [0, 1] and len(fake.orders[GID]["fulfillments"]) == 1


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


CLIENT = ("a1b2c3d4e5f6client", "shpss_unit_client_secret")


def granted_adapter(fake: FakeShopify, *, secret: str = CLIENT[1], clock: FakeClock | None = None) -> ShopifyShopApi:
    """A Dev Dashboard app's adapter: client id and secret, tokens of the client credentials grant."""
    shop = ShopSettings.model_validate(
        {
            "kind": "shopify",
            "secret": "s",
            "api": {"shop_domain": "http://fake.myshopify.test", "client_id": CLIENT[0], "client_secret": secret},
        }
    )
    api = shop_api(shop, timeout_seconds=5, transport=httpx.ASGITransport(app=fake.app))
    assert isinstance(api, ShopifyShopApi)
    if clock is not None:
        api._access._clock = clock.monotonic
    return api


async def test_a_dev_dashboard_app_gets_its_token_by_the_client_credentials_grant_once() -> None:
    clock = FakeClock()
    fake = FakeShopify(None, client=CLIENT, clock=clock.monotonic)
    fake.add_order(450789469, [(466157049, "IPOD2008GREEN", 2), (518995019, "IPOD2008RED", 1)])
    api = granted_adapter(fake, clock=clock)
    await api.check()
    await api.ship(ORDER, parcel(), complete=True)
    [grant] = fake.faults.calls_to("POST", "/admin/oauth/access_token")
    assert "grant_type=client_credentials" in grant.body and f"client_id={CLIENT[0]}" in grant.body
    assert len(fake.orders[GID]["fulfillments"]) == 1  # one token served every call


async def test_a_granted_token_is_renewed_before_it_expires_and_when_refused() -> None:
    clock = FakeClock()
    fake = FakeShopify(None, client=CLIENT, clock=clock.monotonic)
    api = granted_adapter(fake, clock=clock)
    await api.check()
    clock.advance(86399 - 200)  # within five minutes of its end: fetched again before it runs out
    await api.check()
    fake.expire_tokens()  # Shopify forgot it (rotated secret, reinstalled app): the 401 fetches one more
    await api.check()
    assert len(fake.faults.calls_to("POST", "/admin/oauth/access_token")) == 3
    assert [c.status for c in fake.faults.calls_to("POST", "/graphql.json")] == [200, 200, 401, 200]


async def test_a_wrong_client_secret_is_refused_without_showing_it() -> None:
    fake = FakeShopify(None, client=CLIENT)
    with pytest.raises(ShopApiRefused) as refused:
        await granted_adapter(fake, secret="shpss_wrong").check()
    assert refused.value.status == 400 and "invalid_client" in str(refused.value)
    assert "shpss_wrong" not in str(refused.value) and CLIENT[1] not in str(refused.value)


@pytest.mark.parametrize(
    "api",
    [
        {"shop_domain": "a.myshopify.com"},
        {"shop_domain": "a.myshopify.com", "client_id": "x"},
        {"shop_domain": "a.myshopify.com", "access_token": "shpat_x", "client_id": "x", "client_secret": "y"},
    ],
)
def test_shopify_credentials_are_a_token_or_a_client_id_and_secret(api: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"access_token|client_id"):
        ShopSettings.model_validate({"kind": "shopify", "secret": "s", "api": api})


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
