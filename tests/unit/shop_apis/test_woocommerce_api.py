"""The WooCommerce adapter against the fake of its REST API v3 docs (tests/support/shop_apis/woocommerce.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.shop_apis.woocommerce import FakeWooCommerce
from unified_order_api.config import ShopSettings
from unified_order_api.lifecycle import Shipment
from unified_order_api.shop_apis import ShopApiRefused, ShopApiRetryable, ShopOrderRef, shop_api
from unified_order_api.shop_apis.woocommerce import WooCommerceShopApi

KEY, SECRET = "ck_unit_key", "cs_unit_secret"
PARCEL = Shipment("7", "DHL", "00340434161094042557", "https://nolp.dhl.de/?piececode=00340434161094042557")
ORDER = ShopOrderRef("727", "727")


def adapter(
    fake: FakeWooCommerce, *, secret: str = SECRET, url: str = "http://woo.test", **shop_settings: str
) -> WooCommerceShopApi:
    shop = ShopSettings.model_validate(
        {
            "kind": "woocommerce",
            "secret": "s",
            "api": {"url": url, "consumer_key": KEY, "consumer_secret": secret},
            **shop_settings,
        }
    )
    api = shop_api(shop, timeout_seconds=5, transport=httpx.ASGITransport(app=fake.app))
    assert isinstance(api, WooCommerceShopApi)
    return api


@pytest.fixture
def fake() -> FakeWooCommerce:
    shop = FakeWooCommerce(KEY, SECRET)
    shop.add_order(727)
    return shop


async def test_a_shipment_is_one_customer_note_with_the_tracking_and_completes_the_order(fake: FakeWooCommerce) -> None:
    said = await adapter(fake).ship(ORDER, PARCEL, complete=True)
    assert fake.customer_notes(727) == [
        "Your order has shipped with DHL. Tracking number: 00340434161094042557. "
        "Track it here: https://nolp.dhl.de/?piececode=00340434161094042557"
    ]
    assert fake.orders[727]["status"] == "completed"
    assert len(fake.emails) == 1
    assert "status completed" in said


async def test_the_status_once_everything_shipped_is_the_shops_completed_status(fake: FakeWooCommerce) -> None:
    fake.statuses.append("shipped")  # a plugin's own status, registered in the shop
    said = await adapter(fake, completed_status="shipped").ship(ORDER, PARCEL, complete=True)
    assert fake.orders[727]["status"] == "shipped" and "status shipped" in said
    assert [c.body for c in fake.faults.calls_to("PUT", "/orders/727")] == [{"status": "shipped"}]


async def test_a_completed_status_the_shop_does_not_know_is_refused(fake: FakeWooCommerce) -> None:
    with pytest.raises(ShopApiRefused) as refused:
        await adapter(fake, completed_status="delivered").complete(ORDER)
    assert refused.value.status == 400 and "rest_invalid_param" in str(refused.value)
    assert fake.orders[727]["status"] == "processing"


async def test_a_partial_shipment_leaves_the_status(fake: FakeWooCommerce) -> None:
    await adapter(fake).ship(ORDER, PARCEL, complete=False)
    assert fake.orders[727]["status"] == "processing"
    assert len(fake.customer_notes(727)) == 1


async def test_a_lost_answer_then_a_retry_makes_one_note(fake: FakeWooCommerce) -> None:
    api = adapter(fake)
    fake.faults.lose_answer("POST", "/notes")
    with pytest.raises(ShopApiRetryable) as lost:
        await api.ship(ORDER, PARCEL, complete=True)
    assert lost.value.outcome_unknown
    await api.ship(ORDER, PARCEL, complete=True)
    assert len(fake.customer_notes(727)) == 1 and len(fake.emails) == 1
    assert fake.orders[727]["status"] == "completed"


async def test_a_429_says_when_to_come_back(fake: FakeWooCommerce) -> None:
    fake.faults.refuse("GET", "/notes", 429, retry_after="17")
    with pytest.raises(ShopApiRetryable) as refused:
        await adapter(fake).ship(ORDER, PARCEL, complete=False)
    assert refused.value.retry_after == 17 and refused.value.status == 429
    assert fake.customer_notes(727) == []


async def test_over_plain_http_calls_are_oauth_signed_and_a_wrong_secret_is_refused(fake: FakeWooCommerce) -> None:
    with pytest.raises(ShopApiRefused) as refused:
        await adapter(fake, secret="cs_wrong").check()
    assert refused.value.status == 401
    assert "cs_wrong" not in str(refused.value) and "oauth_signature" not in str(refused.value)
    assert (await adapter(fake).check()).permissions == ("orders: read",)
    assert "oauth_signature" in fake.faults.calls[-1].query


async def test_over_https_the_keys_go_as_basic_auth(fake: FakeWooCommerce) -> None:
    api = adapter(fake, url="https://woo.test")
    await api.check()
    assert "oauth_signature" not in fake.faults.calls[-1].query


async def test_cancel_and_note_are_made_once(fake: FakeWooCommerce) -> None:
    api = adapter(fake)
    await api.cancel(ORDER, "Cancelled in Xentral")
    await api.cancel(ORDER, "Cancelled in Xentral")
    assert fake.orders[727]["status"] == "cancelled"
    assert [n["note"] for n in fake.notes[727]] == ["Cancelled in Xentral"]
    assert fake.emails == []  # a private note e-mails nobody
