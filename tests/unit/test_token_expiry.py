"""The Xentral token's expiry date: warned from 14 days before it, a problem after it, in /readyz,
check-config and the metric."""

from __future__ import annotations

import datetime as dt

from prometheus_client import generate_latest

from tests.unit.test_readiness import Dependency
from unified_order_api.metrics import Metrics
from unified_order_api.readiness import Readiness
from unified_order_api.token_expiry import TokenExpiry

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def test_far_soon_and_expired() -> None:
    far = TokenExpiry(dt.date(2027, 1, 1), NOW)
    assert (far.soon, far.expired, far.describe()) == (False, False, "")
    assert far.seconds_left == (dt.datetime(2027, 1, 1, tzinfo=dt.UTC) - NOW).total_seconds()
    soon = TokenExpiry(dt.date(2026, 12, 17), NOW)  # 13.5 days: within the 14
    assert (soon.soon, soon.expired) == (True, False)
    assert "expires on 2026-12-17 (in 13 days)" in soon.describe()
    edge = TokenExpiry(dt.date(2026, 12, 18), NOW)  # 14.5 days: not yet
    assert not edge.soon
    gone = TokenExpiry(dt.date(2026, 12, 3), NOW)  # expires at the start of its date
    assert gone.expired and gone.seconds_left < 0
    assert "expired on 2026-12-03" in gone.describe()


def _readiness(expires: dict[str, dt.date | None], down: bool = False) -> Readiness:
    return Readiness(
        database=Dependency(),
        database_timeout_seconds=1,
        redis=None,
        xentral={"a": Dependency(OSError("down") if down else None), "b": Dependency()},
        token_expires=expires,
        clock=lambda: NOW,
    )


async def test_readiness_is_degraded_while_a_token_is_due() -> None:
    checks = await _readiness({"a": dt.date(2026, 12, 10), "b": dt.date(2027, 5, 1)}).check()
    xentral = checks["xentral"]
    assert xentral["ok"] and xentral["degraded"]
    assert xentral["instances"]["a"]["token_expires"] == "2026-12-10"
    assert "expires on 2026-12-10" in xentral["instances"]["a"]["warning"]
    assert "warning" not in xentral["instances"]["b"]
    calm = (await _readiness({"a": dt.date(2027, 5, 1), "b": None}).check())["xentral"]
    assert calm["ok"] and "degraded" not in calm and "token_expires" not in calm["instances"]["b"]


async def test_an_instance_down_stays_not_ready_whatever_its_token() -> None:
    xentral = (await _readiness({"a": dt.date(2026, 12, 10)}, down=True).check())["xentral"]
    assert not xentral["ok"] and "degraded" not in xentral


def test_the_metric_counts_down() -> None:
    metrics = Metrics()
    left = [86400.0 * 10]
    metrics.token_expiry("merchant", lambda: left[0])
    text = generate_latest(metrics.registry).decode()
    assert 'xentral_token_expiry_seconds{instance="merchant"} 864000.0' in text
    left[0] = -5.0
    assert 'xentral_token_expiry_seconds{instance="merchant"} -5.0' in generate_latest(metrics.registry).decode()
