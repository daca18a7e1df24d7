"""What the inbox keeps of a body and its headers: secrets and card numbers masked, article numbers kept, capped."""

from __future__ import annotations

import json

from unified_order_api.inbox import masking
from unified_order_api.inbox.masking import MASK, keep_body, keep_headers
from unified_order_api.shops.shopware import SHOPWARE_LINE_TYPES


def test_secret_and_card_fields_are_masked_by_name_and_card_numbers_by_shape() -> None:
    body = {
        "reference": "R-1",
        "api_key": "k-123",
        "payment": {"card_number": "4000 0000 0000 0002", "cvc": "123", "token": "tok_1"},
        "note": "card 4111-1111-1111-1111, phone 0170 1234567",
        "items": [{"sku": "4111111111111111", "ean": "4006381333931", "quantity": 1}],
        "numbers": [4111111111111111, 4111111111111112],
    }
    kept = keep_body(json.dumps(body).encode(), 10_000)
    assert not kept.truncated
    value = json.loads(kept.text)
    assert value["api_key"] == MASK
    assert value["payment"] == {"card_number": MASK, "cvc": MASK, "token": MASK}
    assert value["note"] == f"card {MASK}, phone 0170 1234567"
    assert value["items"][0] == {"sku": "4111111111111111", "ean": "4006381333931", "quantity": 1}
    assert value["numbers"] == [MASK, 4111111111111112]  # only the one passing the Luhn check


def test_a_gift_cards_code_is_kept_as_its_last_four_characters_and_a_coupons_code_whole() -> None:
    body = {
        "redeemed": [{"kind": "gift_card", "code": "GC-7Q2M-AAAA-1111", "amount": "12.00"}],  # ours
        "gift_cards": [{"id": 3, "code": "WOO-9R4N-2222", "amount": "12.00"}],  # WooCommerce Gift Cards
        "coupon_lines": [{"code": "SUMMER10", "discount": "2.00"}],
        "lineItems": [
            {"type": "gift-card", "payload": {"code": "SW-GIFT-3333", "value": 30}},  # a Shopware plugin's line
            {"type": "promotion", "payload": {"code": "B2B10"}},
        ],
    }
    value = json.loads(keep_body(json.dumps(body).encode(), 10_000).text)
    assert value["redeemed"][0]["code"] == "****1111" and value["gift_cards"][0]["code"] == "****2222"
    assert value["lineItems"][0]["payload"] == {"code": "****3333", "value": 30}
    assert value["coupon_lines"][0]["code"] == "SUMMER10" and value["lineItems"][1]["payload"]["code"] == "B2B10"
    # A replay of the kept body reads the same masked code again (masking is idempotent).
    assert json.loads(keep_body(json.dumps(value).encode(), 10_000).text) == value


def test_a_shopware_plugins_redemption_line_keeps_its_code_masked_whatever_its_type_is_called() -> None:
    # The Shopware connector takes any negative line of a type Shopware does not know as a gift card and
    # reads its payload.code (shops/shopware.py _redemption); the kept body masked only a type named
    # like a gift card, so a plugin's "easy-coupon" line showed the code whole on the console's page.
    line = {"type": "easy-coupon", "totalPrice": -20.0, "payload": {"code": "EC-8W3K-4444"}}
    positive = {"type": "easy-coupon", "totalPrice": 5.0, "payload": {"code": "OPTION-5555"}}
    credit = {"type": "credit", "totalPrice": -3.0, "payload": {"code": "CREDIT-6666"}}
    value = json.loads(keep_body(json.dumps({"lineItems": [line, positive, credit]}).encode(), 10_000).text)
    assert [item["payload"]["code"] for item in value["lineItems"]] == ["****4444", "OPTION-5555", "CREDIT-6666"]
    assert SHOPWARE_LINE_TYPES == masking.SHOPWARE_LINE_TYPES  # the connector's list, kept in step


def test_a_body_that_is_not_json_is_kept_as_text_masked_and_capped() -> None:
    kept = keep_body(b"token=abc123&card=4111111111111111&rest=" + b"x" * 5000, 1024)
    assert kept.truncated and kept.size == 5040
    assert kept.text.startswith(f"token={MASK}&card={MASK}&rest=x")
    assert len(kept.text) <= 1024  # of the body as received (a mask may be longer in bytes)


def test_a_json_body_over_the_cap_is_cut_and_marked() -> None:
    body = json.dumps({"items": ["x" * 3000]}).encode()
    kept = keep_body(body, 1024)
    assert kept.truncated and kept.size == len(body) and len(kept.text) == 1024


def test_headers_keep_what_says_what_an_arrival_was_and_mask_credentials() -> None:
    kept = keep_headers(
        {
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Signature": "c2lnbmF0dXJl",
            "Authorization": "Bearer secret-key",
            "X-API-Key": "secret-key",
            "Cookie": "uoa_console=abc",
            "Accept": "*/*",
        }
    )
    assert kept == {
        "content-type": "application/json",
        "x-wc-webhook-topic": "order.created",
        "x-wc-webhook-signature": MASK,
        "authorization": MASK,
        "x-api-key": MASK,
        "cookie": MASK,
    }
