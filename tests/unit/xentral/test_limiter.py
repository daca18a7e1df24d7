"""The in-process limiter: paces at the rate, honours Retry-After and low Remaining, never waits past the deadline."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from tests.support.clock import FakeClock
from tests.support.pacing import max_in_window
from unified_order_api.xentral import InProcessRateLimiter, RateBudgetExhausted

FAR = 1e9


def limiter(clock: FakeClock, limit: int = 5, window: float = 10.0) -> InProcessRateLimiter:
    return InProcessRateLimiter(limit, window, clock=clock.monotonic, sleep=clock.sleep)


async def test_a_burst_up_to_the_limit_goes_at_once_then_one_window_later() -> None:
    clock = FakeClock()
    pacer = limiter(clock)
    times = []
    for _ in range(12):
        await pacer.acquire(FAR)
        times.append(clock.monotonic())
    assert times[:5] == [1000.0] * 5
    assert times[5] == pytest.approx(1000.0 + pacer.window)
    assert times[10] == pytest.approx(1000.0 + 2 * pacer.window)
    assert max_in_window(times, 10.0) == 5
    assert pacer.window >= 10.0  # padded, never shorter than Xentral's


async def test_paces_at_the_rate_over_many_windows() -> None:
    clock = FakeClock()
    pacer = limiter(clock, limit=100, window=60.0)
    times = []
    for _ in range(450):
        await pacer.acquire(FAR)
        times.append(clock.monotonic())
    assert max_in_window(times, 60.0) == 100
    # 450 requests at 100/min need four full windows after the first burst.
    assert times[-1] - times[0] >= 4 * 60.0


async def test_concurrent_tasks_share_the_window() -> None:
    pacer = InProcessRateLimiter(5, 0.2)
    times: list[float] = []

    async def one() -> None:
        await pacer.acquire(time.monotonic() + 5)
        times.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(15)))
    assert len(times) == 15
    assert max_in_window(times, 0.2) <= 5


async def test_budget_exhausted_raises_with_the_time_until_a_slot() -> None:
    clock = FakeClock()
    pacer = limiter(clock, limit=2, window=60.0)
    await pacer.acquire(FAR)
    await pacer.acquire(FAR)
    with pytest.raises(RateBudgetExhausted) as raised:
        await pacer.acquire(clock.monotonic() + 5)
    assert raised.value.retry_after == pytest.approx(pacer.window)
    assert clock.sleeps == []  # it did not wait in vain
    # The refused call left no reservation behind: the next slot is still one window after the first.
    await pacer.acquire(FAR)
    assert clock.monotonic() == pytest.approx(1000.0 + pacer.window)


async def test_retry_after_pauses_everyone_until_then() -> None:
    clock = FakeClock()
    pacer = limiter(clock, limit=100, window=60.0)
    await pacer.observe(remaining=0, limit=100, retry_after=30.0)
    with pytest.raises(RateBudgetExhausted) as raised:
        await pacer.acquire(clock.monotonic() + 10)
    assert raised.value.retry_after == pytest.approx(30.0)
    await pacer.acquire(FAR)
    assert clock.monotonic() == pytest.approx(1030.0)


async def test_a_pause_arriving_while_waiting_is_honoured() -> None:
    clock = FakeClock()
    pacer = limiter(clock, limit=1, window=10.0)
    await pacer.acquire(FAR)
    waiting = asyncio.create_task(pacer.acquire(FAR))
    await asyncio.sleep(0)  # the waiter has reserved its slot and sleeps
    await pacer.observe(remaining=None, limit=None, retry_after=50.0)
    await waiting
    assert clock.monotonic() >= 1050.0


async def test_low_remaining_spreads_requests_over_the_window() -> None:
    clock = FakeClock()
    pacer = limiter(clock, limit=100, window=60.0)
    await pacer.observe(remaining=3, limit=100, retry_after=None)
    times = []
    for _ in range(4):
        await pacer.acquire(FAR)
        times.append(clock.monotonic())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap == pytest.approx(pacer.window / 100) for gap in gaps)
    # Plenty left again: back to bursting.
    await pacer.observe(remaining=80, limit=100, retry_after=None)
    before = clock.monotonic()
    await pacer.acquire(FAR)
    await pacer.acquire(FAR)
    assert clock.monotonic() == before


async def test_a_lower_limit_from_xentral_wins_a_higher_one_does_not() -> None:
    clock = FakeClock()
    pacer = limiter(clock, limit=5, window=10.0)
    await pacer.observe(remaining=50, limit=3, retry_after=None)
    for _ in range(3):
        await pacer.acquire(FAR)
    with pytest.raises(RateBudgetExhausted):
        await pacer.acquire(clock.monotonic() + 1)
    await pacer.observe(remaining=900, limit=1000, retry_after=None)
    for _ in range(2):
        await pacer.acquire(clock.monotonic() + 100)
    assert clock.monotonic() == 1000.0  # back to the configured 5 ...
    await pacer.acquire(clock.monotonic() + 100)
    assert clock.monotonic() == pytest.approx(1000.0 + pacer.window)  # ... and never 1000


async def test_a_cancelled_waiter_gives_its_slot_back() -> None:
    clock = FakeClock()
    pacer = limiter(clock, limit=1, window=10.0)
    await pacer.acquire(FAR)
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def stuck_sleep(_: float) -> None:
        await never

    pacer._sleep = stuck_sleep
    waiter = asyncio.create_task(pacer.acquire(FAR))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    pacer._sleep = clock.sleep
    await pacer.acquire(FAR)
    assert clock.monotonic() == pytest.approx(1000.0 + pacer.window)  # not two windows


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        InProcessRateLimiter(0)
    with pytest.raises(ValueError):
        InProcessRateLimiter(10, 0)
