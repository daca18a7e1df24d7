"""The write-back lane's loop, started from `serve`: read the change feed into jobs, run the due jobs.

Safe in several processes: the feed is read under its cursor's lease, and each job is claimed under
its own (`SKIP LOCKED` on PostgreSQL), so no two processes read the same change or run the same job.
"""

from __future__ import annotations

import asyncio

import structlog

from ..orders.attempts import StoreUnavailable
from .feed import ChangeReader
from .runner import JobRunner

__all__ = ["WriteBackLane"]

log = structlog.get_logger(__name__)


class WriteBackLane:
    def __init__(self, reader: ChangeReader, runner: JobRunner, *, poll_seconds: float) -> None:
        self.reader, self.runner, self.poll_seconds = reader, runner, poll_seconds

    async def run_once(self) -> int:
        """One pass: changes read, then due jobs run; the number of changes and jobs handled."""
        read = await self.reader.run_once()
        return read + await self.runner.run_once()

    async def run_forever(self) -> None:
        while True:
            try:
                busy = await self.run_once()
            except StoreUnavailable as error:
                log.warning("write_back.database_unavailable", error=error.detail)
                busy = 0
            except Exception:
                log.exception("write_back.pass_failed")
                busy = 0
            if not busy:
                await asyncio.sleep(self.poll_seconds)
