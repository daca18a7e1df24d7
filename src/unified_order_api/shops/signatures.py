"""Is this webhook from the shop? Each shop's own HMAC-SHA256 over the raw body, compared in constant time.

Guarantees: the signature is computed over the body bytes exactly as received (never a re-serialised
JSON), compared with `hmac.compare_digest`, and a missing, malformed or wrong signature raises
before anything in the body is read. Where the shop signs a timestamp (Shopware's `timestamp` in the
body), a delivery older than the allowed age is refused as a possible replay. The secret never
appears in an error.

Schemes (docs/shops.md): WooCommerce `X-WC-Webhook-Signature` and Shopify `X-Shopify-Hmac-Sha256`
are base64 of the digest; Shopware's `shopware-shop-signature` is lowercase hex.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Literal

__all__ = [
    "SignatureInvalid",
    "SignatureMissing",
    "SignatureRejected",
    "StaleWebhook",
    "check_fresh",
    "verify_hmac_sha256",
]

Encoding = Literal["base64", "hex"]


class SignatureRejected(Exception):
    """The request cannot be shown to come from the shop; nothing in it is used."""


class SignatureMissing(SignatureRejected):
    pass


class SignatureInvalid(SignatureRejected):
    pass


class StaleWebhook(SignatureRejected):
    pass


def _decode(presented: str, encoding: Encoding) -> bytes | None:
    try:
        if encoding == "hex":
            return bytes.fromhex(presented)
        return base64.b64decode(presented, validate=True)
    except (ValueError, binascii.Error):
        return None


def verify_hmac_sha256(body: bytes, presented: str | None, secret: str, *, header: str, encoding: Encoding) -> None:
    """Raise unless `presented` is the HMAC-SHA256 of `body` under `secret`, in `encoding`."""
    if not presented or not presented.strip():
        raise SignatureMissing(f"The {header} header is missing")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    given = _decode(presented.strip(), encoding)
    # Compare digests of equal length in constant time; a malformed header compares against itself.
    if given is None or not hmac.compare_digest(given, expected):
        raise SignatureInvalid(f"The {header} signature does not match the body")


def check_fresh(timestamp: object, *, now: float, max_age_seconds: float) -> None:
    """Refuse a signed timestamp (Unix seconds) older than `max_age_seconds` or from the future beyond it."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        raise StaleWebhook("The webhook carries no timestamp")
    age = now - float(timestamp)
    if age > max_age_seconds or age < -max_age_seconds:
        raise StaleWebhook(
            f"The webhook's timestamp is {int(abs(age))} s off; at most {int(max_age_seconds)} s allowed"
        )
