"""The Shopware adapter against the fake of Shopware's Admin API docs (tests/support/shop_apis/shopware.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.clock import FakeClock
from tests.support.shop_apis.shopware import FakeShopware
from unified_order_api.config import ShopSettings
from unified_order_api.lifecycle import Shipment
from unified_order_api.shop_apis import ShopApiRefused, ShopApiRetryable, ShopOrderRef, shop_api
from unified_order_api.shop_apis.shopware import ShopwareShopApi

CLIENT_ID, CLIENT_SECRET = "SWIAUNITCLIENT", "unit-client-secret"
ORDER_ID, DELIVERY_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90", "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f"
ORDER = ShopOrderRef(ORDER_ID, "10001")


def adapter(
    fake: FakeShopware, *, secret: str = CLIENT_SECRET, transition: str | None = None, clock: FakeClock | None = None
) -> ShopwareShopApi:
    shop = ShopSettings.model_validate(
        {
            "kind": "shopware",
            "secret": "s",
            "shipped_order_transition": transition,
            "api": {"url": "http://shopware.test", "client_id": CLIENT_ID, "client_secret": secret},
        }
    )
    api = shop_api(shop, timeout_seconds=5, transport=httpx.ASGITransport(app=fake.app))
    assert isinstance(api, ShopwareShopApi)
    if clock is not None:
        api._clock = clock.monotonic
    return api


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeShopware:
    shop = FakeShopware(CLIENT_ID, CLIENT_SECRET, clock=clock.monotonic)
    shop.add_order(ORDER_ID, DELIVERY_ID)
    return shop


def parcel(number: str = "JJD0001") -> Shipment:
    return Shipment("5", "DHL", number, None)


async def test_a_full_shipment_adds_the_code_and_ships_the_delivery(fake: FakeShopware) -> None:
    said = await adapter(fake).ship(ORDER, parcel(), complete=True)
    delivery = fake.delivery_of(ORDER_ID)
    assert delivery["trackingCodes"] == ["JJD0001"]
    assert delivery["stateMachineState"]["technicalName"] == "shipped"
    assert fake.orders[ORDER_ID]["stateMachineState"]["technicalName"] == "open"  # no order transition configured
    assert "delivery shipped" in said


async def test_two_parcels_partially_then_fully_shipped_and_the_order_completed(fake: FakeShopware) -> None:
    api = adapter(fake, transition="complete")
    await api.ship(ORDER, parcel("JJD0001"), complete=False)
    assert fake.delivery_of(ORDER_ID)["stateMachineState"]["technicalName"] == "shipped_partially"
    await api.ship(ORDER, parcel("JJD0002"), complete=True)
    delivery = fake.delivery_of(ORDER_ID)
    assert delivery["trackingCodes"] == ["JJD0001", "JJD0002"]
    assert delivery["stateMachineState"]["technicalName"] == "shipped"
    assert fake.orders[ORDER_ID]["stateMachineState"]["technicalName"] == "completed"  # through in_progress


async def test_a_lost_answer_then_a_retry_adds_the_code_once(fake: FakeShopware) -> None:
    api = adapter(fake)
    fake.faults.lose_answer("PATCH", "/order-delivery/")
    with pytest.raises(ShopApiRetryable):
        await api.ship(ORDER, parcel(), complete=True)
    await api.ship(ORDER, parcel(), complete=True)
    assert fake.delivery_of(ORDER_ID)["trackingCodes"] == ["JJD0001"]
    assert len(fake.faults.calls_to("PATCH", "/order-delivery/")) == 1


async def test_the_token_is_cached_then_renewed_when_it_expires_or_is_refused(
    fake: FakeShopware, clock: FakeClock
) -> None:
    api = adapter(fake, clock=clock)
    await api.check()
    await api.check()
    assert len(fake.faults.calls_to("POST", "/oauth/token")) == 1
    clock.advance(601)  # past expires_in: fetched again before the call
    await api.check()
    assert len(fake.faults.calls_to("POST", "/oauth/token")) == 2
    fake.expire_tokens()  # refused before its time: one 401, then a new token
    await api.check()
    assert len(fake.faults.calls_to("POST", "/oauth/token")) == 3


async def test_wrong_credentials_are_refused_without_showing_them(fake: FakeShopware) -> None:
    with pytest.raises(ShopApiRefused) as refused:
        await adapter(fake, secret="wrong-secret").check()
    assert refused.value.status == 401 and "wrong-secret" not in str(refused.value)


async def test_a_503_with_retry_after_is_retryable(fake: FakeShopware) -> None:
    fake.faults.refuse("POST", "/search/order-delivery", 503, retry_after="120")
    with pytest.raises(ShopApiRetryable) as refused:
        await adapter(fake).ship(ORDER, parcel(), complete=True)
    assert refused.value.retry_after == 120


async def test_cancel_notes_and_cancels_once(fake: FakeShopware) -> None:
    api = adapter(fake)
    await api.cancel(ORDER, "Cancelled in Xentral")
    await api.cancel(ORDER, "Cancelled in Xentral")
    assert fake.orders[ORDER_ID]["stateMachineState"]["technicalName"] == "cancelled"
    assert fake.orders[ORDER_ID]["customFields"] == {"uoa_note": "Cancelled in Xentral"}
