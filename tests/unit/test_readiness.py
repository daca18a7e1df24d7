"""Readiness on its own: what each dependency's check reports, without a database, Redis or Xentral."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from unified_order_api.background import BackgroundTasks
from unified_order_api.orders.attempts import StoreUnavailable
from unified_order_api.readiness import Readiness
from unified_order_api.redis_breaker import RedisBreaker, SharedRedis


class Dependency:
    """The database's write probe and a Xentral instance's read at once: each fails with `error` when given."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error

    async def _answer(self) -> None:
        if self.error is not None:
            raise self.error

    async def probe_write(self) -> None:
        await self._answer()

    async def list_projects(self) -> Any:
        await self._answer()
        return []


class DownRedis:
    async def ping(self) -> bool:
        raise RedisConnectionError("Error 111 connecting to redis.internal:6379")


async def test_everything_answering_is_ready_with_each_instance_on_its_own() -> None:
    readiness = Readiness(
        database=Dependency(), database_timeout_seconds=1, redis=None, xentral={"a": Dependency(), "b": Dependency()}
    )
    checks = await readiness.check()
    assert set(checks) == {"database", "xentral"}  # no Redis configured: not reported
    assert checks["database"]["ok"] and checks["xentral"]["ok"]
    assert set(checks["xentral"]["instances"]) == {"a", "b"}


async def test_a_failed_database_reports_only_the_kind_of_failure() -> None:
    cause = OSError("could not connect to db.internal:5432")
    error = StoreUnavailable("OSError: could not connect to db.internal:5432")
    error.__cause__ = cause
    readiness = Readiness(database=Dependency(error), database_timeout_seconds=1, redis=None, xentral={})
    assert (await readiness.check())["database"] == {"ok": False, "error": "OSError"}


async def test_one_instance_down_is_that_instance_and_xentral_is_not_ready() -> None:
    readiness = Readiness(
        database=Dependency(),
        database_timeout_seconds=1,
        redis=None,
        xentral={"up": Dependency(), "down": Dependency(RuntimeError("refused"))},
    )
    xentral = (await readiness.check())["xentral"]
    assert not xentral["ok"]
    assert xentral["instances"]["up"]["ok"] and xentral["instances"]["down"] == {"ok": False, "error": "refused"}


async def test_redis_down_is_degraded_with_its_fallback_not_its_address() -> None:
    redis = SharedRedis(DownRedis(), RedisBreaker(timeout_seconds=0.5))  # type: ignore[arg-type]
    readiness = Readiness(database=Dependency(), database_timeout_seconds=1, redis=redis, xentral={})
    check = (await readiness.check())["redis"]
    assert check["ok"] is False and check["degraded"] is True
    assert check["error"] == "ConnectionError" and "paced in this process" in check["fallback"]
    assert "redis.internal" not in str(check)


async def test_background_tasks_are_cancelled_and_awaited_on_close() -> None:
    started, ended = asyncio.Event(), asyncio.Event()

    async def loop() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            ended.set()

    tasks = BackgroundTasks()
    tasks.start(loop(), name="forever")
    await started.wait()
    await tasks.aclose()
    assert ended.is_set()
