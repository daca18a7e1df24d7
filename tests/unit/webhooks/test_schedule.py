"""The retry schedule: one attempt more than delays, each delay within its jitter band."""

from __future__ import annotations

import datetime as dt

import pytest

from unified_order_api.config import WebhookPolicy
from unified_order_api.webhooks.schedule import RetrySchedule


def test_default_schedule_spans_about_a_day() -> None:
    delays = WebhookPolicy().schedule_seconds
    assert delays == sorted(delays)
    assert 18 * 3600 <= sum(delays) <= 30 * 3600
    assert RetrySchedule(delays).max_attempts == len(delays) + 1


@pytest.mark.parametrize("rng_value", [0.0, 0.5, 0.999999])
def test_every_delay_stays_within_its_jitter_band(rng_value: float) -> None:
    delays = [10, 60, 300]
    schedule = RetrySchedule(delays, jitter=0.2, rng=lambda: rng_value)
    for failed, base in enumerate(delays, start=1):
        delay = schedule.delay_after(failed)
        assert delay is not None
        assert base * 0.8 <= delay.total_seconds() <= base * 1.2


def test_no_jitter_gives_the_configured_delays() -> None:
    schedule = RetrySchedule([10, 60], jitter=0)
    assert schedule.delay_after(1) == dt.timedelta(seconds=10)
    assert schedule.delay_after(2) == dt.timedelta(seconds=60)


def test_nothing_after_the_last_attempt() -> None:
    schedule = RetrySchedule([10, 60])
    assert schedule.delay_after(3) is None
    assert schedule.delay_after(7) is None
    with pytest.raises(ValueError):
        schedule.delay_after(0)


def test_jitter_spreads_delays() -> None:
    values = iter([0.0, 1.0 - 1e-9])
    schedule = RetrySchedule([100], jitter=0.1, rng=lambda: next(values))
    low, high = schedule.delay_after(1), schedule.delay_after(1)
    assert low is not None and high is not None
    assert low.total_seconds() == pytest.approx(90)
    assert high.total_seconds() == pytest.approx(110)


@pytest.mark.parametrize("bad", [[], None])
def test_schedule_needs_delays(bad: list[float] | None) -> None:
    with pytest.raises((ValueError, TypeError)):
        RetrySchedule(bad or [])


def test_claim_must_outlive_the_timeout() -> None:
    with pytest.raises(ValueError, match="claim_seconds"):
        WebhookPolicy(timeout_seconds=30, claim_seconds=10)
