"""The one id conversion, and the signature check: good, forged, stale, wrong key, body or time changed."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest

from unified_order_api.xentral_events.ids import NotAnId, rest_id
from unified_order_api.xentral_events.signature import (
    EventSignatureInvalid,
    EventSignatureMissing,
    EventTimestampStale,
    expected_signature,
    signed_time,
    verify_event,
)

KEY = "rf5ecjtvnWQ4mTDfzOTZXgQuuCSFfR66"
BODY = b'{"type":"com.xentral.salesOrder.released.v1","body":{"salesOrderId":17}}'
NOW = dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.UTC)
STAMP = str(int(NOW.timestamp()))


@pytest.mark.parametrize(
    ("value", "expected"), [(17, "17"), (0, "0"), ("17", "17"), ("007", "7"), (2**40, "1099511627776")]
)
def test_integer_ids_become_digit_strings(value: object, expected: str) -> None:
    assert rest_id(value) == expected


@pytest.mark.parametrize("value", [True, -1, 1.0, "1a", "", None, "١٢", {"id": 1}])
def test_what_is_no_id_is_refused(value: object) -> None:
    with pytest.raises(NotAnId):
        rest_id(value)


def verify(body: bytes = BODY, signature: str | None = None, stamp: str | None = STAMP, key: str = KEY) -> dt.datetime:
    given = signature if signature is not None else expected_signature(BODY, STAMP, KEY)
    return verify_event(body, given, stamp, key, now=NOW, tolerance_seconds=300)


def test_a_good_signature_verifies_and_gives_the_signed_time() -> None:
    assert verify() == NOW


def test_the_signature_is_hmac_sha256_of_body_then_timestamp_in_hex() -> None:
    manual = hmac.new(KEY.encode(), BODY + STAMP.encode(), hashlib.sha256).hexdigest()
    assert expected_signature(BODY, STAMP, KEY) == manual
    assert verify(signature=manual.upper()) == NOW
    assert verify(signature=base64.b64encode(bytes.fromhex(manual)).decode()) == NOW


@pytest.mark.parametrize(
    "change",
    [
        {"key": "another-key-of-twenty-chars"},
        {"body": BODY.replace(b"17", b"18")},
        {"stamp": str(int(NOW.timestamp()) - 1)},
        {"signature": "0" * 64},
        {"signature": "not a signature"},
        {"signature": expected_signature(BODY, STAMP, KEY)[:-2]},
        {"signature": hmac.new(KEY.encode(), BODY, hashlib.sha256).hexdigest()},  # the body alone
        {"signature": hmac.new(KEY.encode(), STAMP.encode() + BODY, hashlib.sha256).hexdigest()},  # other order
    ],
)
def test_anything_changed_is_forged(change: dict[str, str | bytes]) -> None:
    with pytest.raises(EventSignatureInvalid):
        verify(**change)  # type: ignore[arg-type]


@pytest.mark.parametrize("change", [{"signature": ""}, {"stamp": None}, {"stamp": " "}])
def test_a_missing_header_is_refused(change: dict[str, str | None]) -> None:
    with pytest.raises(EventSignatureMissing):
        verify(**change)  # type: ignore[arg-type]


@pytest.mark.parametrize("seconds", [-301, 301, 86_400])
def test_a_timestamp_too_far_off_is_stale_even_when_signed(seconds: int) -> None:
    stamp = str(int(NOW.timestamp()) + seconds)
    with pytest.raises(EventTimestampStale):
        verify_event(BODY, expected_signature(BODY, stamp, KEY), stamp, KEY, now=NOW, tolerance_seconds=300)


def test_a_signed_timestamp_that_is_no_time_is_refused() -> None:
    stamp = "yesterday"
    with pytest.raises(EventTimestampStale):
        verify_event(BODY, expected_signature(BODY, stamp, KEY), stamp, KEY, now=NOW, tolerance_seconds=300)


def test_timestamps_in_milliseconds_and_iso_are_read() -> None:
    assert signed_time(str(int(NOW.timestamp()) * 1000)) == NOW
    assert signed_time("2026-12-04T23:00:00Z") == NOW
    with pytest.raises(ValueError):
        signed_time("2026-12-04T23:00:00")  # no zone: refused rather than guessed


def test_no_error_names_the_key() -> None:
    with pytest.raises(EventSignatureInvalid) as refused:
        verify(key="x" * 30)
    assert KEY not in str(refused.value) and "x" * 30 not in str(refused.value)
