"""The rate limiter's low-priority lane: background work (the reconciler's) takes only its share of the
window and never holds a slot ahead of new orders; the in-process limiter on a virtual clock."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.clock import FakeClock
from unified_order_api.orders.reads import in_background
from unified_order_api.xentral import InProcessRateLimiter, RateBudgetExhausted

FAR = 1e9


async def test_background_work_fills_only_its_share_of_the_window_and_new_orders_the_rest() -> None:
    clock = FakeClock()
    pacer = InProcessRateLimiter(10, 60.0, clock=clock.monotonic, sleep=clock.sleep, background_share=0.3)
    with in_background():
        for _ in range(3):
            await pacer.acquire(clock.monotonic())  # free now: no wait
        with pytest.raises(RateBudgetExhausted):
            await pacer.acquire(clock.monotonic() + 1)  # its share is used up for this window
    for _ in range(7):
        await pacer.acquire(clock.monotonic())  # new orders still have the rest, at once
    assert clock.sleeps == []


async def test_a_new_order_arriving_while_background_work_waits_goes_first() -> None:
    pacer = InProcessRateLimiter(1, 0.3, background_share=1.0)  # real time: a short window
    order: list[str] = []
    await pacer.acquire(FAR)  # the window is full

    async def background() -> None:
        with in_background():
            await pacer.acquire(FAR)
        order.append("background")

    async def new_order() -> None:
        await asyncio.sleep(0.05)  # arrives after the background work started waiting
        await pacer.acquire(FAR)
        order.append("new order")

    await asyncio.gather(background(), new_order())
    assert order == ["new order", "background"]


def test_the_share_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="background_share"):
        InProcessRateLimiter(10, 60.0, background_share=0)
