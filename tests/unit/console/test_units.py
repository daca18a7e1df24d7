"""The console's pure parts: session cookies, masking, chart geometry, the per-minute call counter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from unified_order_api.call_history import MinuteCount, MinuteCounter
from unified_order_api.configcheck import ConfigFinding
from unified_order_api.console import configuration
from unified_order_api.console.charts import HEIGHT, calls_chart, outcomes_chart
from unified_order_api.console.formatting import human
from unified_order_api.console.masking import MASK, mask_request, mask_url
from unified_order_api.console.sessions import Operators, SessionCodec
from unified_order_api.metrics import Metrics
from unified_order_api.orders.journal import HourlyOutcomes

SECRET = b"s" * 32


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_session_cookie_round_trips_until_it_expires() -> None:
    clock = Clock()
    codec = SessionCodec(SECRET, 600, clock)
    session, cookie = codec.issue("alice", "kid")
    assert codec.read(cookie) == session
    clock.now += 599
    assert codec.read(cookie) == session
    clock.now += 1
    assert codec.read(cookie) is None


def test_a_tampered_foreign_or_revoked_cookie_is_refused() -> None:
    codec = SessionCodec(SECRET, 600)
    session, cookie = codec.issue("alice", "kid")
    version, body, signature = cookie.split(".")
    forged_body = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")
    assert codec.read(f"{version}.{forged_body}.{signature}") is None
    assert codec.read(f"{version}.{body}.{signature[:-1]}") is None
    assert codec.read(f"v0.{body}.{signature}") is None
    assert codec.read("garbage") is None and codec.read("") is None and codec.read(None) is None
    assert SessionCodec(b"t" * 32, 600).read(cookie) is None  # another secret (another deployment)
    codec.revoke(session)
    assert codec.read(cookie) is None


def test_changing_or_removing_an_operator_key_ends_its_sessions() -> None:
    before = Operators([("alice", "alice-key-0123456789"), ("admin", "admin-key-0123456789")], SECRET)
    signed_in = before.sign_in("alice-key-0123456789")
    assert signed_in is not None
    operator, key_id = signed_in
    assert operator == "alice" and "alice-key" not in key_id
    assert before.sign_in("alice-key-012345678") is None and before.sign_in("") is None
    assert before.still_valid(operator, key_id)
    rotated = Operators([("alice", "alice-new-key-0123456789")], SECRET)
    assert not rotated.still_valid(operator, key_id)
    assert not Operators([], SECRET).still_valid(operator, key_id)
    assert not Operators([], SECRET).configured


def test_sign_in_form_tokens_are_bound_to_their_purpose() -> None:
    codec = SessionCodec(SECRET, 600)
    token = codec.token("sign-in")
    assert codec.token_valid("sign-in", token)
    assert not codec.token_valid("other", token)
    assert not codec.token_valid("sign-in", token + "x")
    assert not codec.token_valid("sign-in", None) and not codec.token_valid("sign-in", "nodot")


def test_masking_hides_secret_fields_and_url_credentials() -> None:
    request = {
        "reference": "R-1",
        "callback_url": "https://user:pw@hooks.example.com:8443/orders?token=abc#frag",
        "custom_fields": {"api_key": "k", "Gift-Token": "t", "color": "red", "password": None},
        "items": [{"sku": "A", "signature": "x"}],
    }
    masked = mask_request(request)
    assert masked["callback_url"] == f"https://{MASK}@hooks.example.com:8443/orders?{MASK}"
    assert masked["custom_fields"] == {"api_key": MASK, "Gift-Token": MASK, "color": "red", "password": None}
    assert masked["items"] == [{"sku": "A", "signature": MASK}]
    assert request["custom_fields"]["api_key"] == "k"  # a copy; the stored request is untouched
    assert mask_url("https://hooks.example.com/x") == "https://hooks.example.com/x"
    assert mask_url("http://[::1]:9000/x?y=1") == f"http://[::1]:9000/x?{MASK}"
    assert mask_url("not a url") == MASK and mask_url(None) is None


def test_values_are_shown_as_people_write_them() -> None:
    assert (human(False), human(True), human(None)) == ("no", "yes", "—")
    assert (human(Decimal("12.50")), human(Decimal("1E+1")), human(Decimal("0.10"))) == ("12.50", "10", "0.10")


def test_masking_hides_card_numbers_in_a_request_as_the_inbox_does() -> None:
    masked = mask_request({"custom_fields": {"note": "paid with 4111 1111 1111 1111", "card_number": "x"}})
    assert masked["custom_fields"] == {"note": f"paid with {MASK}", "card_number": MASK}
    assert mask_request({"items": [{"sku": "4111111111111111"}]}) == {"items": [{"sku": "4111111111111111"}]}


def test_calls_chart_scales_to_the_limit_and_colours_by_share_of_it() -> None:
    minutes = [MinuteCount(m, calls) for m, calls in enumerate([0, 50, 80, 100, 130])]
    chart = calls_chart(minutes, 100)
    assert [bar.tone for bar in chart.bars] == ["ok", "ok", "warn", "warn", "over"]
    assert chart.bars[0].height == 0
    heights = [bar.height for bar in chart.bars]
    assert heights == sorted(heights)
    assert chart.limit_y is not None and chart.bars[4].y < chart.limit_y < chart.bars[2].y
    assert all(bar.y >= 0 and bar.y + bar.height <= HEIGHT for bar in chart.bars)
    assert chart.peak == 130 and "limit 100" in chart.summary and "this minute 130" in chart.summary


def test_outcomes_chart_stacks_each_hour() -> None:
    start = dt.datetime(2026, 11, 29, 8, tzinfo=dt.UTC)
    chart = outcomes_chart([HourlyOutcomes(start, 3, 1, 0), HourlyOutcomes(start + dt.timedelta(hours=1))])
    first, second = chart.bars
    assert (first.tone, second.tone) == ("completed", "failed")
    assert first.height == pytest.approx(3 * second.height, abs=0.02)
    assert second.y + second.height == pytest.approx(first.y, abs=0.02)
    assert chart.summary.startswith("4 orders in the last 2 hours, 1 failed")


def test_minute_counter_keeps_the_last_hour_only() -> None:
    clock = Clock(60 * 1000)
    counter = MinuteCounter(60, clock)
    counter.add()
    counter.add(2)
    clock.now += 60
    counter.add()
    last = counter.last()
    assert len(last) == 60 and last[-1] == MinuteCount(1001, 1) and last[-2] == MinuteCount(1000, 3)
    clock.now += 60 * 59
    assert counter.last()[0] == MinuteCount(1001, 1)
    clock.now += 60
    assert sum(m.calls for m in counter.last()) == 0  # older than an hour: gone, slot reused cleanly
    counter.add()
    assert counter.last()[-1].calls == 1


def test_every_xentral_answer_and_transport_failure_but_a_refused_connection_is_counted() -> None:
    metrics = Metrics()
    metrics.xentral_response("default", "import_order", 201, 0.1)
    metrics.xentral_response("merchant", "list_products", 429, 0.1)
    metrics.xentral_transport_error("default", "import_order", "XentralTimeout")
    metrics.xentral_transport_error("default", "list_products", "XentralConnectError")
    assert metrics.xentral_calls.last()[-1].calls == 3
    by_instance = metrics.xentral_calls_by_instance
    assert (by_instance["default"].last()[-1].calls, by_instance["merchant"].last()[-1].calls) == (2, 1)


async def test_the_configuration_check_is_kept_for_its_seconds_and_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[object] = []

    async def check(container: object) -> list[ConfigFinding]:
        runs.append(container)
        return [ConfigFinding("shop", "default", "payment_map.paypal", str(len(runs)), "PayPal")]

    monkeypatch.setattr(configuration, "check_config", check)
    service, restarted = object(), object()
    kept = configuration.CheckCache(seconds=3600)
    first, _ = await kept.findings(service)  # type: ignore[arg-type]
    again, _ = await kept.findings(service)  # type: ignore[arg-type]
    assert first == again and len(runs) == 1
    await kept.findings(restarted)  # type: ignore[arg-type]
    assert runs == [service, restarted]
    expired = configuration.CheckCache(seconds=0)
    await expired.findings(service)  # type: ignore[arg-type]
    await expired.findings(service)  # type: ignore[arg-type]
    assert len(runs) == 4
