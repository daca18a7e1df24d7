"""Is this event from Xentral? Its HMAC-SHA256 over the raw body followed by the timestamp, checked in
constant time, and the timestamp checked for freshness.

Guarantees: the digest is computed over the body bytes exactly as received, followed by the
`xentral-request-timestamp` header's bytes exactly as received (docs/xentral.md#events-webhooks);
it is compared with `hmac.compare_digest` against the presented `xentral-signature`, read as hex
(Xentral's assumed form) or base64; a missing or malformed header, a wrong digest and a timestamp
further than `tolerance_seconds` from now (either way) all raise before the body is parsed. The key
never appears in an error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac

__all__ = [
    "EventSignatureInvalid",
    "EventSignatureMissing",
    "EventSignatureRefused",
    "EventTimestampStale",
    "expected_signature",
    "signed_time",
    "verify_event",
]


class EventSignatureRefused(Exception):
    """The event cannot be shown to come from Xentral; nothing in it is used."""


class EventSignatureMissing(EventSignatureRefused):
    pass


class EventSignatureInvalid(EventSignatureRefused):
    pass


class EventTimestampStale(EventSignatureRefused):
    pass


_SHA256_BYTES = 32


def expected_signature(body: bytes, timestamp: str, key: str) -> str:
    """The signature Xentral sends for `body` at `timestamp` (lowercase hex; what tests sign with)."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def _digest_of(presented: str) -> bytes | None:
    """The presented digest as bytes: 64 hex digits, or base64 of 32 bytes; None when it is neither."""
    text = presented.strip()
    try:
        if len(text) == 2 * _SHA256_BYTES:
            return bytes.fromhex(text)
        decoded = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None
    return decoded if len(decoded) == _SHA256_BYTES else None


def signed_time(timestamp: str) -> dt.datetime:
    """The header's time: Unix seconds (assumed), milliseconds, or ISO 8601; ValueError when none of them."""
    text = timestamp.strip()
    if text.isascii() and text.isdigit():
        seconds = int(text)
        if seconds > 100_000_000_000:  # beyond the year 5138 in seconds: milliseconds
            seconds //= 1000
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("a timestamp without a zone")
    return parsed.astimezone(dt.UTC)


def verify_event(
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    key: str,
    *,
    now: dt.datetime,
    tolerance_seconds: float,
) -> dt.datetime:
    """Raise unless `signature` is Xentral's over `body` + `timestamp` under `key` and the timestamp is
    within `tolerance_seconds` of `now`; return the signed time."""
    if not signature or not signature.strip():
        raise EventSignatureMissing("The xentral-signature header is missing")
    if not timestamp or not timestamp.strip():
        raise EventSignatureMissing("The xentral-request-timestamp header is missing")
    expected = hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).digest()
    given = _digest_of(signature)
    # A malformed header is compared too, against the expected digest itself negated, in the same time.
    if not hmac.compare_digest(given if given is not None else bytes(~b & 0xFF for b in expected), expected):
        raise EventSignatureInvalid("The xentral-signature does not match the body and timestamp")
    try:
        sent_at = signed_time(timestamp)
    except (ValueError, OverflowError, OSError):
        raise EventTimestampStale("The xentral-request-timestamp is no time") from None
    off = abs((now - sent_at).total_seconds())
    if off > tolerance_seconds:
        raise EventTimestampStale(f"The event's timestamp is {int(off)} s off; at most {int(tolerance_seconds)} s")
    return sent_at
