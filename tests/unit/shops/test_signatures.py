"""The shops' signature schemes, checked against the known-answer vectors over the real sample files."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from tests.support.shop_orders import payloads_dir
from unified_order_api.shops.signatures import (
    SignatureInvalid,
    SignatureMissing,
    StaleWebhook,
    check_fresh,
    verify_hmac_sha256,
)

SECRET = "test-secret"

# SOURCES.md: the header each shop would send for the file's exact bytes, signed with "test-secret".
VECTORS = [
    (
        "shopify-orders-create-webhook.json",
        "X-Shopify-Hmac-Sha256",
        "base64",
        "8e8Py35a/RL81j4ceyHYaLJLWFT74RJKmI0WYgiRLOw=",
    ),
    ("shopify-order.json", "X-Shopify-Hmac-Sha256", "base64", "JQdbe2thzdcnZqs5TOKTSC/DgnlhZ8qLUT+BmDnRw7k="),
    ("woocommerce-order.json", "X-WC-Webhook-Signature", "base64", "Fo/L1xqNXFw2vw0Se8tBNUzgx5seUKkkgC+a8y+ZrIo="),
    (
        "shopware6-webhook-checkout-order-placed.json",
        "shopware-shop-signature",
        "hex",
        "fe4c840eb2135487a2d14105cc35baba5d78168ba105e600bfd57f947df99dd9",
    ),
]


@pytest.mark.parametrize(("name", "header", "encoding", "signature"), VECTORS)
def test_the_shops_own_signature_is_accepted(name: str, header: str, encoding: str, signature: str) -> None:
    body = (payloads_dir() / name).read_bytes()
    verify_hmac_sha256(body, signature, SECRET, header=header, encoding=encoding)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "header", "encoding", "signature"), VECTORS)
def test_one_changed_byte_or_another_secret_is_refused(name: str, header: str, encoding: str, signature: str) -> None:
    body = (payloads_dir() / name).read_bytes()
    with pytest.raises(SignatureInvalid):
        verify_hmac_sha256(body + b" ", signature, SECRET, header=header, encoding=encoding)  # type: ignore[arg-type]
    with pytest.raises(SignatureInvalid):
        verify_hmac_sha256(body, signature, "other-secret", header=header, encoding=encoding)  # type: ignore[arg-type]


def test_the_encoding_is_the_shops_own() -> None:
    """Shopware's hex is not accepted where base64 is expected, nor the reverse."""
    body = b'{"id": 1}'
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    with pytest.raises(SignatureInvalid):
        verify_hmac_sha256(body, digest.hex(), SECRET, header="X-WC-Webhook-Signature", encoding="base64")
    with pytest.raises(SignatureInvalid):
        verify_hmac_sha256(body, base64.b64encode(digest).decode(), SECRET, header="sig", encoding="hex")


@pytest.mark.parametrize("presented", [None, "", "   ", "not base64 !", "AAAA"])
def test_missing_or_malformed_signatures_are_refused_without_the_secret(presented: str | None) -> None:
    with pytest.raises((SignatureMissing, SignatureInvalid)) as caught:
        verify_hmac_sha256(b"{}", presented, SECRET, header="X-Shopify-Hmac-Sha256", encoding="base64")
    assert SECRET not in str(caught.value)
    assert "X-Shopify-Hmac-Sha256" in str(caught.value)


def test_a_timestamp_older_or_newer_than_the_allowed_age_is_refused() -> None:
    check_fresh(1_000, now=1_299.0, max_age_seconds=300)
    check_fresh(1_299, now=1_000.0, max_age_seconds=300)
    for stale in (1_000, 1_601):
        with pytest.raises(StaleWebhook):
            check_fresh(stale, now=1_301.0 if stale == 1_000 else 1_300.0, max_age_seconds=300)
    for missing in (None, "1000", True):
        with pytest.raises(StaleWebhook):
            check_fresh(missing, now=1_000.0, max_age_seconds=300)
