"""One virtual clock for every test that must not wait for real time.

The code under test reads time two ways: the order service, the queue worker and the webhook
dispatcher take a UTC datetime (`clock()`), the Xentral client and its rate limiter take
monotonic seconds (`clock.monotonic`) and sleep (`clock.sleep`). Both readings move together,
and only when the test says so (`advance`) or the code sleeps: a sleep returns at once, is
recorded in `sleeps`, and moves time on to its end.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest


class FakeClock:
    def __init__(self, start: dt.datetime | None = None, *, monotonic_start: float = 1000.0) -> None:
        # By default a second after the real now, so rows a real service has just written are due.
        self._utc = start or dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        self._monotonic = monotonic_start
        self.sleeps: list[float] = []

    @property
    def now(self) -> dt.datetime:
        return self._utc

    def __call__(self) -> dt.datetime:
        return self._utc

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._utc += dt.timedelta(seconds=seconds)
        self._monotonic += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        end = self._monotonic + max(0.0, seconds)
        await asyncio.sleep(0)  # other sleepers start from the same instant, as in real time
        if end > self._monotonic:
            self._utc += dt.timedelta(seconds=end - self._monotonic)
            self._monotonic = end


@pytest.fixture
def clock() -> FakeClock:
    """A fresh clock at the default start."""
    return FakeClock()
