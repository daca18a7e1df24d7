"""A request held up on its way to Xentral must not cost a 429: the limiter counts it again when its answer came.

Xentral (and the sandbox, `xentral_sandbox/ratelimit.py`) counts a request when it arrives, in a fixed window
that opens with the first request; the limiter counts when it lets a request go. A request held up in
between for longer than the limiter's padding (its process starved of CPU, the server stalled) arrives after
Xentral's window has closed and opens the next one; the limiter, counting it from its sending, lets a full
window's budget go one window after the rest: one request too many in Xentral's new window. That was the
one 429 in one of two runs of the 3-process burst of `bench/scale_out.py`, and seven in a run on a
machine at load 8. Here in virtual time: the sandbox's window and our limiter on one fake clock, and the
answers carry no rate headers, so only the limiter's own count paces (spreading on a low `Remaining` is
tested in test_limiter.py).
"""

from __future__ import annotations

import contextlib

import httpx
import pytest

from tests.support.clock import FakeClock
from unified_order_api.xentral import InProcessRateLimiter, RetryPolicy, XentralClient, XentralTooManyRequests
from xentral_sandbox.ratelimit import FixedWindowLimiter

LIMIT, WINDOW = 5, 10.0
HELD = 10.2  # longer than the limiter's padding (10.35 - 10), shorter than its window


class HeldUpXentral:
    """An httpx handler: each request is held `holds.pop(0)` virtual seconds on its way, then counted on
    arrival by the sandbox's own fixed window."""

    def __init__(self, clock: FakeClock, holds: list[float]) -> None:
        self.clock = clock
        self.holds = holds
        self.counter = FixedWindowLimiter(LIMIT, WINDOW, clock=clock.monotonic)
        self.arrivals: list[float] = []
        self.refused = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        hold = self.holds.pop(0) if self.holds else 0.0
        if hold:
            await self.clock.sleep(hold)
        self.arrivals.append(self.clock.monotonic())
        decision = self.counter.hit("127.0.0.1")
        if decision.allowed:
            return httpx.Response(200, json={"data": [], "extra": {"totalCount": 0}})
        self.refused += 1
        return httpx.Response(429, headers=decision.headers())


async def burst_with_one_request_held_up(clock: FakeClock) -> HeldUpXentral:
    """Four requests, a fifth held up past the end of Xentral's window, then five more."""
    xentral = HeldUpXentral(clock, [0.0] * 4 + [HELD])
    limiter = InProcessRateLimiter(LIMIT, WINDOW, clock=clock.monotonic, sleep=clock.sleep)
    async with XentralClient(
        "https://demo.xentral.biz",
        "secret-pat-0123456789",
        timeout=httpx.Timeout(30.0),
        transport=httpx.MockTransport(xentral),
        limiter=limiter,
        retry=RetryPolicy(max_attempts=1, wait_budget=60.0),
        clock=clock.monotonic,
        sleep=clock.sleep,
    ) as client:
        for _ in range(10):
            with contextlib.suppress(XentralTooManyRequests):  # counted by the sandbox, below
                await client._send("list_products", "GET", "/api/v1/products")
    return xentral


async def test_a_request_held_up_past_xentrals_window_costs_no_429() -> None:
    clock = FakeClock()
    xentral = await burst_with_one_request_held_up(clock)
    start = xentral.arrivals[0]
    # The held-up request opened Xentral's second window ...
    assert xentral.arrivals[4] == pytest.approx(start + HELD)
    assert xentral.arrivals[4] >= start + WINDOW
    # ... and the limiter counted it there: four more in that window, the fifth in the next.
    assert xentral.refused == 0
    second_window = [t for t in xentral.arrivals if start + HELD <= t < start + HELD + WINDOW]
    assert len(second_window) == LIMIT
    assert xentral.arrivals[-1] >= start + HELD + WINDOW


async def test_a_send_counts_from_its_answer() -> None:
    clock = FakeClock()
    limiter = InProcessRateLimiter(2, WINDOW, clock=clock.monotonic, sleep=clock.sleep)
    await limiter.acquire(clock.monotonic())
    late = await limiter.acquire(clock.monotonic())
    clock.advance(HELD)
    await limiter.answered(late)
    await limiter.acquire(clock.monotonic() + 60)  # the first send's slot, one window after it
    assert clock.monotonic() == pytest.approx(1000.0 + limiter.window)
    await limiter.acquire(clock.monotonic() + 60)  # the late one's: one window after its answer
    assert clock.monotonic() == pytest.approx(1000.0 + HELD + limiter.window)


async def test_an_answer_at_once_changes_nothing() -> None:
    clock = FakeClock()
    limiter = InProcessRateLimiter(1, WINDOW, clock=clock.monotonic, sleep=clock.sleep)
    slot = await limiter.acquire(clock.monotonic())
    await limiter.answered(slot)  # no time between: it counts from its sending, once
    await limiter.acquire(clock.monotonic() + 60)
    assert clock.monotonic() == pytest.approx(1000.0 + limiter.window)
