"""The intake on fakes (no server, no HTTP): each refusal's code, the ping, the memory of answered
arrivals and the duplicate check, for arrivals as the shops send them."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any

import pytest

from tests.support.order_harness import Harness, make
from unified_order_api.cache import MemoryCache
from unified_order_api.config import ApiClient, ShopSettings
from unified_order_api.shops import CONNECTORS, Arrival, ArrivalMemory, Topics
from unified_order_api.shops.intake import IntakeAnswer, ShopIntake, ShopRefused
from unified_order_api.write_back import ShopOrderIds

__all__ = ["make"]

SECRET = "intake-secret"
NOW = 1_764_763_200.0  # the intake's clock; Shopware's signed timestamps are compared with it
CLIENTS = [
    ApiClient(
        name="woo",
        api_key="woo-key-0123456789",
        shop=ShopSettings(kind="woocommerce", secret=SECRET, sku_fields=["sku", "product_id"]),
    ),
    ApiClient(name="sw", api_key="sw-key-0123456789", shop=ShopSettings(kind="shopware", secret=SECRET)),
]


@pytest.fixture
async def intake(make: object) -> ShopIntake:
    h: Harness = await make()  # type: ignore[operator]
    return ShopIntake(CLIENTS, h.service, ArrivalMemory(MemoryCache()), h.refunds, now=lambda: NOW)


def woo(body: bytes, **headers: str) -> Arrival:
    digest = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return Arrival.of(
        [("X-WC-Webhook-Signature", digest), ("Content-Type", "application/json"), *headers.items()], body
    )


def encoded(document: Any) -> bytes:
    return json.dumps(document).encode()


async def refused(intake: ShopIntake, client: str, kind: str, arrival: Arrival) -> ShopRefused:
    with pytest.raises(ShopRefused) as raised:
        await intake.receive(client, kind, arrival)
    return raised.value


async def test_only_a_connected_shop_of_that_kind_is_found(intake: ShopIntake, woo_order: dict[str, Any]) -> None:
    arrival = woo(encoded(woo_order))
    for client, kind in (("nobody", "woocommerce"), ("woo", "shopify"), ("sw", "woocommerce")):
        assert (await refused(intake, client, kind, arrival)).code == "not_found"


async def test_nothing_is_read_before_the_signature_holds(intake: ShopIntake, woo_order: dict[str, Any]) -> None:
    body = encoded(woo_order)
    unsigned = Arrival.of([("Content-Type", "application/json")], body)
    tampered = woo(body)
    tampered = Arrival(tampered.headers, body + b" ")
    for arrival in (unsigned, tampered):
        refusal = await refused(intake, "woo", "woocommerce", arrival)
        assert refusal.code == "signature_invalid" and SECRET not in refusal.detail
    assert (await refused(intake, "woo", "woocommerce", woo(b"[1]"))).code == "invalid_json"
    assert (await refused(intake, "woo", "woocommerce", woo(b"{no json"))).code == "invalid_json"


async def test_the_ping_is_answered_unsigned_and_nothing_else_form_encoded(intake: ShopIntake) -> None:
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    ping = await intake.receive("woo", "woocommerce", Arrival.of(form, b"webhook_id=5"))
    assert ping == IntakeAnswer("ignored", reason="WooCommerce ping: the webhook is reachable")
    forged = await refused(intake, "woo", "woocommerce", Arrival.of(form, b"status=processing"))
    assert forged.code == "signature_invalid"


async def test_a_signed_time_older_than_allowed_is_stale(intake: ShopIntake, shopware_webhook: dict[str, Any]) -> None:
    def signed(timestamp: float) -> Arrival:
        body = encoded({**shopware_webhook, "timestamp": timestamp})
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        return Arrival.of([("shopware-shop-signature", digest)], body)

    assert (await refused(intake, "sw", "shopware", signed(NOW - 301))).code == "webhook_stale"
    fresh = await intake.receive("sw", "shopware", signed(NOW - 299))
    assert (fresh.outcome, fresh.reference) == ("accepted", "10077")


async def test_a_refused_order_points_into_the_shops_json(intake: ShopIntake, woo_order: dict[str, Any]) -> None:
    woo_order["line_items"][1].update(sku="", product_id=0)
    no_sku = await refused(intake, "woo", "woocommerce", woo(encoded(woo_order)))
    assert no_sku.code == "request_invalid" and [e["pointer"] for e in no_sku.errors or []] == ["/line_items/1/sku"]
    woo_order["line_items"][1]["sku"] = "Bar3"
    woo_order["billing"]["country"] = "USA"
    bad_country = await refused(intake, "woo", "woocommerce", woo(encoded(woo_order)))
    assert [e["pointer"] for e in bad_country.errors or []] == ["/billing/country"]
    odd_shape = {"status": "processing", "line_items": [{"sku": "Bar3", "quantity": 1}], "meta_data": 5}
    odd = await refused(intake, "woo", "woocommerce", woo(encoded(odd_shape)))
    assert (odd.code, odd.errors) == ("request_invalid", None)


async def test_an_answered_arrival_is_answered_alike_and_an_order_we_hold_is_a_duplicate(
    intake: ShopIntake, woo_order: dict[str, Any]
) -> None:
    body = encoded(woo_order)
    topic = {"X-WC-Webhook-ID": "5", "X-WC-Webhook-Delivery-ID": "d1", "X-WC-Webhook-Topic": "order.deleted"}
    ignored = await intake.receive("woo", "woocommerce", woo(body, **topic))
    assert ignored == IntakeAnswer("ignored", reason="Topic 'order.deleted' creates no order")
    # The same arrival id again is answered from memory, even with a topic that would be an order.
    again = await intake.receive("woo", "woocommerce", woo(body, **(topic | {"X-WC-Webhook-Topic": "order.created"})))
    assert again == ignored

    second = {"X-WC-Webhook-ID": "5", "X-WC-Webhook-Delivery-ID": "d2"}
    accepted = await intake.receive("woo", "woocommerce", woo(body, **second))
    assert (accepted.outcome, accepted.reference) == ("accepted", "727")
    assert accepted.attempt is not None
    retried = await intake.receive("woo", "woocommerce", woo(body, **second))
    assert (retried.outcome, retried.reason) == ("duplicate", "Delivery '5:d2' was answered before")
    resent = await intake.receive("woo", "woocommerce", woo(body))
    assert (resent.outcome, resent.reason) == ("duplicate", "Order '727' was received before")
    updated = await intake.receive("woo", "woocommerce", woo(encoded({**woo_order, "customer_note": "Ring twice"})))
    assert updated.outcome == "duplicate" and updated.attempt is not None
    assert updated.reason == "Order '727' was received before; later changes to it are not imported"


async def test_a_topic_header_is_found_whatever_case_the_connector_writes_it_in(
    intake: ShopIntake, woo_order: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the signature header is: a shop module may name it as the shop's docs spell it."""
    woocommerce = CONNECTORS["woocommerce"]
    assert woocommerce.topics is not None
    spelled = replace(woocommerce, topics=Topics("X-WC-Webhook-Topic", woocommerce.topics.orders))
    monkeypatch.setitem(CONNECTORS, "woocommerce", spelled)
    answer = await intake.receive(
        "woo", "woocommerce", woo(encoded(woo_order), **{"X-WC-Webhook-Topic": "coupon.created"})
    )
    assert answer == IntakeAnswer("ignored", reason="Topic 'coupon.created' creates no order")


class Book:
    """The shop ids the intake keeps, in a dict (the SQL book is tested in tests/unit/store)."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], ShopOrderIds] = {}

    async def remember(self, client: str, reference: str, ids: ShopOrderIds, now: dt.datetime) -> None:
        self.kept.setdefault((client, reference), ids)

    async def ids_of(self, client: str, reference: str) -> ShopOrderIds | None:
        return self.kept.get((client, reference))


async def test_the_shops_own_ids_are_kept_with_the_order(
    make: object, shopware_webhook: dict[str, Any], woo_order: dict[str, Any]
) -> None:
    h: Harness = await make()  # type: ignore[operator]
    book = Book()
    intake = ShopIntake(CLIENTS, h.service, ArrivalMemory(MemoryCache()), h.refunds, now=lambda: NOW, shop_orders=book)
    body = encoded({**shopware_webhook, "timestamp": NOW})
    signed = Arrival.of(
        [("shopware-shop-signature", hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest())], body
    )
    assert (await intake.receive("sw", "shopware", signed)).outcome == "accepted"
    kept = book.kept[("sw", "10077")]
    assert (kept.kind, kept.order_id, kept.delivery_id) == (
        "shopware",
        "8f69d4874c53486a95383b2126161738",
        "ae11f8bd3291451289919b55ed65a321",
    )
    assert [line_id for line_id, _sku, _quantity in kept.lines] == ["5567f5758b414a2686afa1c6492c63a1"]

    await intake.receive("woo", "woocommerce", woo(encoded(woo_order)))
    [(client, reference)] = [key for key in book.kept if key[0] == "woo"]
    woo_ids = book.kept[(client, reference)]
    assert woo_ids.order_id == str(woo_order["id"]) and woo_ids.delivery_id is None
    assert [line_id for line_id, _s, _q in woo_ids.lines] == [str(line["id"]) for line in woo_order["line_items"]]
