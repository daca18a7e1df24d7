"""The async lane's worker: takes queued orders in arrival order and runs them through the service.

Throughput is set by the Xentral limiter every call passes through, not by this loop: a few
orders run at once so one slow Xentral answer does not idle the budget, and the queue lives in
the database, so it survives restarts and several instances share it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable

import structlog

from .attempts import Attempt, AttemptStore
from .service import OrderService, utc_now

log = structlog.get_logger(__name__)


class QueueWorker:
    def __init__(
        self,
        *,
        service: OrderService,
        store: AttemptStore,
        concurrency: int = 8,
        poll_seconds: float = 0.5,
        lease_seconds: float = 60.0,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._service = service
        self._store = store
        self._concurrency = concurrency
        self._poll_seconds = poll_seconds
        self._lease = dt.timedelta(seconds=lease_seconds)
        self._clock = clock
        self._owner = f"worker-{uuid.uuid4().hex[:12]}"

    async def run_once(self, limit: int | None = None) -> int:
        """Claim what is due (up to `limit`, default the concurrency) and process it; returns how many."""
        now = self._clock()
        attempts = await self._store.claim_queued(
            owner=self._owner, now=now, lease_until=now + self._lease, limit=limit or self._concurrency
        )
        await asyncio.gather(*(self._process(attempt) for attempt in attempts))
        return len(attempts)

    async def _process(self, attempt: Attempt) -> None:
        try:
            await self._service.process_queued(attempt)
        except Exception:
            # The attempt keeps its lease and is claimed again when it runs out.
            log.exception("queue.order_crashed", reference=attempt.reference)

    async def run_forever(self) -> None:
        """`concurrency` lanes, each taking the next due order as soon as it is free."""
        await asyncio.gather(*(self._lane() for _ in range(self._concurrency)))

    async def _lane(self) -> None:
        while True:
            try:
                taken = await self.run_once(limit=1)
            except Exception:
                log.exception("queue.poll_failed")
                taken = 0
            if taken == 0:
                await asyncio.sleep(self._poll_seconds)
