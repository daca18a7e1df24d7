"""The token expiry alert on a fake clock: raised from `xentral_token_warn_days` before the date and once
expired, per instance, a reminder a day rather than one per check; the threshold is one setting for the
alert, `/readyz` and `check-config`."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.support.clock import FakeClock
from tests.unit.test_alert_groups import Channel
from tests.unit.test_readiness import Dependency
from unified_order_api.alerts import AlertGroups, AlertKind
from unified_order_api.alerts.expiring_tokens import ExpiringTokens
from unified_order_api.bootstrap import expiring_tokens
from unified_order_api.config import Settings
from unified_order_api.readiness import Readiness

EXPIRES = dt.date(2026, 12, 31)  # its start, 00:00 UTC, is when the token stops working
END = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)


def _check(days_left: float, **expires: dt.date) -> tuple[ExpiringTokens, AlertGroups, FakeClock]:
    clock = FakeClock(END - dt.timedelta(days=days_left))
    groups = AlertGroups([Channel()], clock=clock)
    return ExpiringTokens(groups, expires or {"default": EXPIRES}, clock=clock), groups, clock


def test_thirteen_days_before_the_date_is_an_alert_naming_the_instance_the_date_and_what_to_do() -> None:
    check, groups, _clock = _check(13)
    assert check.check() == ["default"]
    [digest] = groups.digests()
    assert digest.kind == AlertKind.XENTRAL_TOKEN_EXPIRING and digest.subjects == ("default",)
    assert digest.details == ("default: token expires on 2026-12-31 00:00 UTC, in 13 days",)
    text = digest.text()
    assert "A Xentral token expires soon" in text and "UOA_XENTRAL_TOKEN_EXPIRES" in text
    assert "new Personal Access Token" in digest.to_json()["action"]


def test_fifteen_days_before_the_date_is_no_alert() -> None:
    check, groups, _clock = _check(15)
    assert check.check() == []
    assert groups.digests() == []


def test_repeated_checks_are_one_alert_a_day_not_one_per_check() -> None:
    check, groups, clock = _check(13)
    for _ in range(5):  # five checks within one window
        check.check()
        clock.advance(30)
    [digest] = groups.digests()
    assert digest.count == 1 and digest.subjects == ("default",)
    for _ in range(23):  # an hourly check for the rest of the day
        clock.advance(3600)
        assert check.check() == []
    assert groups.digests() == []
    clock.advance(3600)  # a day after the first: the reminder
    assert check.check() == ["default"]
    [reminder] = groups.digests()
    assert reminder.details == ("default: token expires on 2026-12-31 00:00 UTC, in 11 days",)


def test_a_token_that_expires_is_alerted_at_once_and_then_daily() -> None:
    check, groups, clock = _check(0.5)
    assert check.check() == ["default"]
    groups.digests()
    clock.advance(12 * 3600 + 60)  # past its date, within the day since the last
    assert check.check() == ["default"]
    [expired] = groups.digests()
    assert expired.details == ("default: token expired on 2026-12-31 00:00 UTC: Xentral refuses every call with it",)
    clock.advance(3600)
    assert check.check() == []
    clock.advance(86400)
    assert check.check() == ["default"]


def test_each_instance_is_its_own_subject_and_one_window_is_one_digest() -> None:
    check, groups, _clock = _check(
        10, default=EXPIRES, merchant=dt.date(2026, 12, 22), later=dt.date(2027, 3, 1), gone=dt.date(2026, 12, 1)
    )
    assert check.check() == ["default", "merchant", "gone"]
    [digest] = groups.digests()
    assert digest.subjects == ("default", "merchant", "gone") and digest.count == 3
    assert "merchant: token expires on 2026-12-22 00:00 UTC, in 1 days" in digest.details
    assert "gone: token expired on 2026-12-01" in digest.details[2]


async def test_the_loop_checks_at_start_and_survives_a_failing_check() -> None:
    check, groups, _clock = _check(13)
    calls: list[int] = []
    real = check.check

    def flaky() -> list[str]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return real()

    check.check = flaky  # type: ignore[method-assign]
    task = asyncio.create_task(check.run_forever(0.01))
    for _ in range(50):
        await asyncio.sleep(0.01)
        if len(calls) >= 2:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(calls) >= 2 and [digest.subjects for digest in groups.digests()] == [("default",)]


def _settings(**values: object) -> Settings:
    return Settings(
        xentral_url="https://x.xentral.biz",
        xentral_token="t",
        alerts={"webhook_url": "https://ops.example/alerts", "webhook_secret": "whsec_" + "A" * 32},
        **values,
    )


async def test_the_threshold_is_the_setting_for_the_alert_and_readiness() -> None:
    settings = _settings(xentral_token_expires=EXPIRES, xentral_token_warn_days=20)
    clock = FakeClock(END - dt.timedelta(days=18))  # within 20 days, not within the default 14
    groups = AlertGroups([Channel()], clock=clock)
    check = expiring_tokens(settings, groups, clock=clock)
    assert check is not None and check.check() == ["default"]
    readiness = Readiness(
        database=Dependency(),
        database_timeout_seconds=1,
        redis=None,
        xentral={"default": Dependency()},
        token_expires={"default": EXPIRES},
        token_warn_before=dt.timedelta(days=settings.xentral_token_warn_days),
        clock=clock,
    )
    xentral = (await readiness.check())["xentral"]
    assert xentral["degraded"] and "in 18 days" in xentral["instances"]["default"]["warning"]
    assert Settings().xentral_token_warn_days == 14


def test_without_an_expiry_date_there_is_no_check() -> None:
    assert expiring_tokens(_settings(), AlertGroups([Channel()])) is None
