"""Run in a child process by test_redis_limiter: take N slots from a shared Redis limiter, print when.

Usage: python redis_worker.py URL KEY LIMIT WINDOW COUNT START_AT
Waits until the wall-clock START_AT so the processes compete from the same moment, then prints
one `time.time()` per acquired slot.
"""

from __future__ import annotations

import asyncio
import sys
import time

from redis.asyncio import Redis

from unified_order_api.xentral import RedisRateLimiter


async def main(url: str, key: str, limit: int, window: float, count: int, start_at: float) -> None:
    pacer = RedisRateLimiter(Redis.from_url(url), key, limit, window, owns_connection=True)
    try:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        for _ in range(count):
            await pacer.acquire(time.monotonic() + 30)
            print(repr(time.time()), flush=True)
    finally:
        await pacer.aclose()


if __name__ == "__main__":
    url, key, limit, window, count, start_at = sys.argv[1:7]
    asyncio.run(main(url, key, int(limit), float(window), int(count), float(start_at)))
