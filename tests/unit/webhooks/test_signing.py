"""Signatures as receivers check them, with the standardwebhooks package."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from unified_order_api.webhooks.signing import SigningError, body_of, check_secret, signed_headers

from .conftest import SECRET


def test_signature_verifies_with_the_client_secret() -> None:
    body = body_of({"type": "order.created", "id": "evt_1", "data": {"reference": "SHOP-1", "name": "Müller"}})
    headers = signed_headers(SECRET, "evt_1", dt.datetime.now(dt.UTC), body)
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(SECRET).verify(body, headers)["data"]["name"] == "Müller"


def test_tampered_body_or_other_secret_fails() -> None:
    body = body_of({"id": "evt_1"})
    headers = signed_headers(SECRET, "evt_1", dt.datetime.now(dt.UTC), body)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body_of({"id": "evt_2"}), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "b3RoZXItc2VjcmV0LW9mLXNvbWVvbmU=").verify(body, headers)


def test_a_retry_keeps_id_and_body_but_signs_its_own_time() -> None:
    payload = {"id": "evt_9", "data": {"b": 1, "a": 2}}
    first_at = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    first = signed_headers(SECRET, "evt_9", first_at, body_of(payload))
    later = signed_headers(SECRET, "evt_9", first_at + dt.timedelta(minutes=1), body_of(payload))
    assert body_of(payload) == body_of(dict(payload))
    assert first["webhook-id"] == later["webhook-id"]
    assert int(later["webhook-timestamp"]) - int(first["webhook-timestamp"]) == 60
    assert first["webhook-signature"] != later["webhook-signature"]


@pytest.mark.parametrize("secret", ["plain-secret", "whsec_", "whsec_!!!not-base64!!!"])
def test_unusable_secrets_are_refused(secret: str) -> None:
    with pytest.raises(SigningError):
        check_secret(secret)


def test_a_good_secret_passes() -> None:
    check_secret(SECRET)
