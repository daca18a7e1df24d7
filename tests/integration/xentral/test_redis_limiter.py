"""The Redis-shared limiter: several processes together stay under one limit; a pause is shared.

Runs when UOA_TEST_REDIS_URL is set (e.g. redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from redis.asyncio import Redis

from tests.support.pacing import max_in_window
from tests.support.processes import checkout_env
from unified_order_api.redis_breaker import RedisBreaker, RedisUnavailable, redis_client
from unified_order_api.xentral import RateBudgetExhausted, RedisRateLimiter

REDIS_URL = os.environ.get("UOA_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="Redis tests need UOA_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
)
WORKER = Path(__file__).with_name("redis_worker.py")
T = TypeVar("T")


@pytest.fixture
async def key() -> AsyncIterator[str]:
    """A key prefix of this test's own, deleted afterwards."""
    prefix = f"uoa-test:ratelimit:{uuid.uuid4().hex}"
    yield prefix
    if REDIS_URL:
        redis = Redis.from_url(REDIS_URL)
        keys = [k async for k in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


@needs_redis
@pytest.mark.redis
@pytest.mark.slow
def test_two_processes_together_stay_under_the_limit(key: str) -> None:
    assert REDIS_URL
    limit, window, per_process = 10, 1.0, 15
    start_at = time.time() + 1.0  # both interpreters are up and connected by then
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), REDIS_URL, key, str(limit), str(window), str(per_process), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=checkout_env(),
        )
        for _ in range(2)
    ]
    times: list[float] = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        times += [float(line) for line in out.split()]
    assert len(times) == 2 * per_process
    # At most `limit` in any window; the 5% trim absorbs the moment between Redis deciding and the
    # child printing, which is the children's speed, not the limiter's.
    assert max_in_window(times, window * 0.95) <= limit
    # 30 slots at 10 per window need two more windows after the first burst.
    assert max(times) - min(times) >= 2 * window * 0.95


@needs_redis
@pytest.mark.redis
async def test_retry_after_seen_by_one_process_pauses_the_other(key: str) -> None:
    assert REDIS_URL
    first = RedisRateLimiter(Redis.from_url(REDIS_URL), key, 100, 60.0, owns_connection=True)
    second = RedisRateLimiter(Redis.from_url(REDIS_URL), key, 100, 60.0, owns_connection=True)
    try:
        await first.acquire(time.monotonic() + 1)
        await first.observe(remaining=0, limit=100, retry_after=2.0)
        with pytest.raises(RateBudgetExhausted) as raised:
            await second.acquire(time.monotonic() + 0.5)
        assert 1.0 < raised.value.retry_after <= 2.0
        started = time.monotonic()
        await second.acquire(time.monotonic() + 5)
        assert time.monotonic() - started >= 1.0
    finally:
        await first.aclose()
        await second.aclose()


@needs_redis
@pytest.mark.redis
async def test_the_shared_window_refuses_beyond_the_budget(key: str) -> None:
    assert REDIS_URL
    pacers = [RedisRateLimiter(Redis.from_url(REDIS_URL), key, 3, 60.0, owns_connection=True) for _ in range(2)]
    try:
        await pacers[0].acquire(time.monotonic() + 1)
        await pacers[1].acquire(time.monotonic() + 1)
        await pacers[0].acquire(time.monotonic() + 1)
        with pytest.raises(RateBudgetExhausted) as raised:
            await pacers[1].acquire(time.monotonic() + 1)
        assert 59.0 < raised.value.retry_after <= 61.0
    finally:
        for pacer in pacers:
            await pacer.aclose()


@needs_redis
@pytest.mark.redis
async def test_a_send_counts_again_from_its_answer(key: str) -> None:
    # Xentral counts on arrival, somewhere between the sending and the answer (test_counted_on_arrival.py):
    # the shared window must hold the send from its answer, not from when Redis let it go.
    assert REDIS_URL
    first = RedisRateLimiter(Redis.from_url(REDIS_URL), key, 1, 60.0, owns_connection=True)
    second = RedisRateLimiter(Redis.from_url(REDIS_URL), key, 1, 60.0, owns_connection=True)
    try:
        slot = await first.acquire(time.monotonic() + 1)
        await asyncio.sleep(2.0)  # the request on its way, then answered
        await first.answered(slot)
        with pytest.raises(RateBudgetExhausted) as raised:
            await second.acquire(time.monotonic() + 0.01)
        # A window (60.85 s padded) from the answer; counted from the sending it would be 2 s less.
        assert 59.5 < raised.value.retry_after <= 61.0
    finally:
        await first.aclose()
        await second.aclose()


@needs_redis
@pytest.mark.redis
async def test_low_remaining_is_shared_as_spacing(key: str) -> None:
    assert REDIS_URL
    first = RedisRateLimiter(Redis.from_url(REDIS_URL), key, 100, 10.0, owns_connection=True)
    second = RedisRateLimiter(Redis.from_url(REDIS_URL), key, 100, 10.0, owns_connection=True)
    try:
        await first.observe(remaining=2, limit=100, retry_after=None)
        await first.acquire(time.monotonic() + 1)
        with pytest.raises(RateBudgetExhausted) as raised:
            await second.acquire(time.monotonic() + 0.01)
        assert 0.05 < raised.value.retry_after <= 0.11  # one share of the window: 10.1 s / 100
    finally:
        await first.aclose()
        await second.aclose()


async def test_without_redis_it_falls_back_to_pacing_this_process(caplog: pytest.LogCaptureFixture) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    pacer = RedisRateLimiter(unreachable, "uoa-test:unreachable", 2, 60.0, owns_connection=True)
    try:
        with caplog.at_level(logging.WARNING):
            await pacer.acquire(time.monotonic() + 1)
            await pacer.acquire(time.monotonic() + 1)
            with pytest.raises(RateBudgetExhausted):
                await pacer.acquire(time.monotonic() + 1)
            await pacer.observe(remaining=0, limit=2, retry_after=5.0)  # logged, not raised
        assert "pacing this process alone" in caplog.text
    finally:
        await pacer.aclose()


class SwitchableBreaker(RedisBreaker):
    """Redis as it is, until the test says it fails (as a timeout under load opens the real breaker)."""

    failing = False

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        if self.failing:
            raise RedisUnavailable("Redis timed out")
        return await super().call(operation)


@needs_redis
@pytest.mark.redis
async def test_falling_back_counts_what_this_process_sent_through_redis(key: str) -> None:
    # A process that used its share of the window through Redis gets nothing more when Redis hiccups: its own
    # window holds its sends. (It started empty: the process sent its share again on top, and the shared
    # window, full, met Xentral's 429.)
    assert REDIS_URL
    breaker = SwitchableBreaker()
    pacer = RedisRateLimiter(
        Redis.from_url(REDIS_URL), key, 4, 60.0, owns_connection=True, breaker=breaker, fallback_share=0.5
    )
    try:
        first = await pacer.acquire(time.monotonic() + 1)
        await pacer.acquire(time.monotonic() + 1)
        await pacer.answered(first)  # re-stamped in both windows
        breaker.failing = True
        with pytest.raises(RateBudgetExhausted) as raised:
            await pacer.acquire(time.monotonic() + 0.01)
        assert raised.value.retry_after > 59  # the process's own two sends, a window (padded) from now
    finally:
        await pacer.aclose()


@needs_redis
@pytest.mark.redis
async def test_more_operations_at_once_than_connections_wait_for_one() -> None:
    # A burst of queued orders wakes together: beyond the pool's connections an operation waits for a free
    # one. (redis-py's default pool failed it at once with MaxConnectionsError, the breaker opened, and the
    # limiter paced alone without the shared window: the scale-out burst's 429.)
    assert REDIS_URL
    client, breaker = redis_client(REDIS_URL, 0.5, max_connections=4), RedisBreaker()
    try:
        answers = await asyncio.gather(*(breaker.call(client.ping) for _ in range(50)))
        assert all(answers) and breaker.available
    finally:
        await client.aclose()


@needs_redis
@pytest.mark.redis
async def test_sends_made_alone_count_in_the_shared_window_once_redis_answers(key: str) -> None:
    # While Redis failed this process sent two calls on its own; once Redis answers they are in the shared
    # window, so another process does not take the whole budget as if they had not happened.
    assert REDIS_URL
    breaker = SwitchableBreaker()
    alone = RedisRateLimiter(Redis.from_url(REDIS_URL), key, 4, 60.0, owns_connection=True, breaker=breaker)
    other = RedisRateLimiter(Redis.from_url(REDIS_URL), key, 4, 60.0, owns_connection=True)
    try:
        breaker.failing = True
        for _ in range(2):
            await alone.answered(await alone.acquire(time.monotonic() + 1))
        breaker.failing = False
        await alone.acquire(time.monotonic() + 1)  # Redis again: the two are shared, this is the third
        await other.acquire(time.monotonic() + 1)  # the fourth
        with pytest.raises(RateBudgetExhausted):
            await other.acquire(time.monotonic() + 0.01)
    finally:
        await alone.aclose()
        await other.aclose()
